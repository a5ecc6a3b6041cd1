'use strict';
// Headless Chromium runs JsSIP (bundled here with esbuild from node_modules,
// never a CDN) and calls sip:echo@127.0.0.1 over SIP/WebSocket through a real
// Kamailio whose rtpengine module drives a media relay over ng.  The fake
// microphone plays a 1 kHz WAV; the page measures what the echo sends back.
// During the call this driver asks the relay for its calls over ng ("list",
// "query"); after hang-up it waits until the relay's "list" is empty.
//
//   node kamailio_call.js --ws ws://127.0.0.1:8080 --ng 127.0.0.1:22223 \
//     [--target sip:echo@127.0.0.1] [--fail-target sip:reject@127.0.0.1]
//     [--cancel-target sip:ring@127.0.0.1]
//
// With --fail-target a second call is placed that the proxy must fail
// (result.failCall); with --cancel-target one that rings and that the page
// cancels (result.cancelCall).  For both, rtcgate must have seen the offer
// (totalsessions grows) and must have forgotten it afterwards.
//
// Prints one JSON line; exit 0 on success (the shell test checks the details).
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const esbuild = require('esbuild');
const { NgClient } = require('./lib/ng');
const { writeToneWav } = require('./lib/wav');
const { launch } = require('./lib/chromium');

const argv = process.argv.slice(2);
const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const wsUrl = arg('--ws', 'ws://127.0.0.1:8080');
const target = arg('--target', 'sip:echo@127.0.0.1');
const failTarget = arg('--fail-target', '');
const cancelTarget = arg('--cancel-target', '');
const [ngHost, ngPort] = arg('--ng', '127.0.0.1:22223').split(':');

function bundleJssip() {
  const r = esbuild.buildSync({ entryPoints: [require.resolve('jssip/lib/JsSIP.js')], bundle: true,
    format: 'iife', globalName: 'JsSIP', minify: true, write: false, logLevel: 'error' });
  return Buffer.from(r.outputFiles[0].contents);
}

// rtcgate's view of the call while it runs: the call-ids it lists and, for
// each, the query answer (streams with packet counters).
async function relayView(ng) {
  const list = await ng.command({ command: 'list' });
  const calls = list.calls || [];
  const queries = [];
  for (const id of calls) queries.push(await ng.command({ command: 'query', 'call-id': id }));
  return { calls, queries };
}

async function waitEmpty(ng, ms) {
  const until = Date.now() + ms;
  let calls = null;
  while (Date.now() < until) {
    calls = (await ng.command({ command: 'list' }).catch(() => ({}))).calls;
    if (Array.isArray(calls) && calls.length === 0) return calls;
    await new Promise((r) => setTimeout(r, 100));
  }
  return calls;
}

async function totalSessions(ng) {
  const s = await ng.command({ command: 'statistics' }).catch(() => ({}));
  return ((s.statistics || {}).totalstatistics || {}).totalsessions;
}

async function failingCall(ng, page, to, cancel) {
  const before = await totalSessions(ng);
  const r = await page.evaluate(([u, t, c]) => window.runCall(u, t, c), [wsUrl, to, cancel]);
  const callsAfter = await waitEmpty(ng, 3000);
  const after = await totalSessions(ng);
  return { callState: r.callState, cause: r.cause, status: r.status, originator: r.originator,
    progress: r.progress, sessionsBefore: before, sessionsAfter: after,
    callsAfter, pass: r.callState === 'failed' && after === before + 1 && Array.isArray(callsAfter) &&
      callsAfter.length === 0 };
}

async function main() {
  const ng = new NgClient(ngHost, Number(ngPort));
  const page = fs.readFileSync(path.join(__dirname, 'web', 'jssip_call.html'));
  const jssip = bundleJssip();
  const server = http.createServer(async (req, res) => {
    if (req.url === '/') { res.setHeader('content-type', 'text/html'); return res.end(page); }
    if (req.url === '/measure.js') {
      res.setHeader('content-type', 'text/javascript');
      return res.end(fs.readFileSync(path.join(__dirname, 'web', 'measure.js')));
    }
    if (req.url === '/jssip.js') { res.setHeader('content-type', 'text/javascript'); return res.end(jssip); }
    if (req.url === '/during') {
      const v = await relayView(ng).catch((e) => ({ error: String(e) }));
      return res.end(JSON.stringify(v));
    }
    res.statusCode = 404; res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const wavDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-wav-'));
  const wav = path.join(wavDir, 'tone1k.wav');
  writeToneWav(wav, 1000, 48000, 5);
  const browser = await launch({ wav });
  let result;
  try {
    await browser.page.goto(`http://localhost:${server.address().port}/`);
    result = await browser.page.evaluate(([u, t]) => window.runCall(u, t), [wsUrl, target]);
    result.callsAfter = await waitEmpty(ng, 3000);
    if (failTarget) result.failCall = await failingCall(ng, browser.page, failTarget, false);
    if (cancelTarget) result.cancelCall = await failingCall(ng, browser.page, cancelTarget, true);
  } catch (e) { result = { ...result, error: String(e) }; }
  await browser.close();
  const d = result.during || {};
  result.pass = !result.error && result.callState === 'confirmed' &&
    result.connectionState === 'connected' && Math.abs(result.toneHz - 1000) <= 10 &&
    result.toneDb > -80 && result.packetsReceived > 50 && Array.isArray(d.calls) &&
    d.calls.length === 1 && Array.isArray(result.callsAfter) && result.callsAfter.length === 0 &&
    (!failTarget || (result.failCall && result.failCall.pass)) &&
    (!cancelTarget || (result.cancelCall && result.cancelCall.pass));
  console.log(JSON.stringify(result));
  server.close(); ng.close();
  fs.rmSync(wavDir, { recursive: true, force: true });
  process.exit(result.pass ? 0 : 1);
}

main();
