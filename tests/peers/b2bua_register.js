'use strict';
// The reverse direction of issue 5: headless Chromium registers a user over
// SIP/WebSocket with JsSIP or SIP.js (both bundled here with esbuild from
// node_modules), then sipp (UAC over UDP, -rtp_echo) calls that user through
// rtcgate's SIP/UDP listener.  The browser answers with its fake microphone
// (a 1 kHz tone): hearing 1 kHz back means RTP went browser -> rtcgate ->
// sipp and back.  Then the page is closed without unregistering (its
// WebSocket just drops) and a second sipp call must fail with 404 or 480.
//
//   node b2bua_register.js --lib jssip|sipjs --ws ws://127.0.0.1:8080 \
//     --user alice [--password pw] [--wrong-password bad] \
//     --sipp-dir DIR (uac_call.xml, uac_fail.xml) [--sip 127.0.0.1:5060]
//     [--register-only]
//
// With --wrong-password a first REGISTER with that password must be refused
// before the right one registers.  Prints one JSON line; exit 0 on success.
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const esbuild = require('esbuild');
const { writeToneWav } = require('./lib/wav');
const { launch } = require('./lib/chromium');

const argv = process.argv.slice(2);
const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const lib = arg('--lib', 'jssip');
const wsUrl = arg('--ws', 'ws://127.0.0.1:8080');
const user = arg('--user', 'alice');
const password = arg('--password', '');
const wrongPassword = arg('--wrong-password', '');
const sippDir = arg('--sipp-dir', '.');
const sipTarget = arg('--sip', '127.0.0.1:5060');
const registerOnly = argv.includes('--register-only');

function bundle(entry, globalName) {
  const r = esbuild.buildSync({ entryPoints: [entry], bundle: true, format: 'iife', globalName,
    minify: true, write: false, logLevel: 'error' });
  return Buffer.from(r.outputFiles[0].contents);
}

// Runs one sipp UAC scenario toward rtcgate; resolves with its exit code
// and the tail of what it printed.
function sipp(scenario, extra, tag) {
  return new Promise((resolve) => {
    const args = [sipTarget, '-sf', path.join(sippDir, scenario), '-s', user, '-m', '1',
      '-i', '127.0.0.1', '-p', '0', '-mi', '127.0.0.1', '-timeout', '40s', '-timeout_error',
      '-trace_msg', '-message_file', path.join(sippDir, `${tag}.msg`), '-nostdin', ...extra];
    const p = spawn('sipp', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (d) => { text = (text + d).slice(-2000); });
    p.stderr.on('data', (d) => { text = (text + d).slice(-2000); });
    p.on('exit', (code) => resolve({ code, tail: text.slice(-400) }));
  });
}

async function openPage(browser, url) {
  const page = await browser.ctx.newPage();
  await page.goto(url);
  return page;
}

async function main() {
  const files = {
    '/': ['text/html', fs.readFileSync(path.join(__dirname, 'web', 'register_answer.html'))],
    '/measure.js': ['text/javascript', fs.readFileSync(path.join(__dirname, 'web', 'measure.js'))],
    '/jssip.js': ['text/javascript', bundle(require.resolve('jssip/lib/JsSIP.js'), 'JsSIP')],
    '/sipjs.js': ['text/javascript', bundle(require.resolve('sip.js'), 'SIP')],
  };
  const server = http.createServer((req, res) => {
    const f = files[req.url];
    if (!f) { res.statusCode = 404; return res.end(); }
    res.setHeader('content-type', f[0]);
    return res.end(f[1]);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://localhost:${server.address().port}/`;
  const wavDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-wav-'));
  const wav = path.join(wavDir, 'tone1k.wav');
  writeToneWav(wav, 1000, 48000, 30);
  const browser = await launch({ wav });
  const result = { lib };
  try {
    if (wrongPassword) {
      const bad = await openPage(browser, url);
      result.wrong = await bad.evaluate(([l, u, n, p]) => window.register(l, u, n, p),
        [lib, wsUrl, user, wrongPassword]);
      await bad.evaluate(() => window.stop());
      await bad.close();
    }
    const page = await openPage(browser, url);
    result.reg = await page.evaluate(([l, u, n, p]) => window.register(l, u, n, p),
      [lib, wsUrl, user, password]);
    if (result.reg.registered && !registerOnly) {
      const call = page.evaluate((ms) => window.callResult(ms), 40000);
      result.sippCall = await sipp('uac_call.xml', ['-rtp_echo', '-mp', '16000'], `${lib}-call`);
      result.call = await call;
      // The WebSocket drops with the page (no un-REGISTER): the binding must go.
      await page.close();
      await new Promise((r) => setTimeout(r, 1000));
      result.sippAfterClose = await sipp('uac_fail.xml', [], `${lib}-after`);
    }
  } catch (e) { result.error = String(e); }
  await browser.close();
  server.close();
  fs.rmSync(wavDir, { recursive: true, force: true });
  const c = result.call || {};
  const o = c.offer || {};
  result.checks = { registered: !!(result.reg && result.reg.registered) };
  if (!registerOnly) Object.assign(result.checks, {
    answered: c.callState === 'confirmed',
    offerIsWebrtc: !!(o.savpf && o.fingerprint && o.ice && o.rtcpMux),
    toneBack: Math.abs((c.toneHz || 0) - 1000) <= 10 && c.toneDb > -80 && c.packetsReceived > 50,
    sippCallOk: !!(result.sippCall && result.sippCall.code === 0),
    endedBySipp: c.endEvent === 'ended',
    goneWithSocket: !!(result.sippAfterClose && result.sippAfterClose.code === 0),
  });
  if (wrongPassword) {
    result.checks.wrongRefused = !!(result.wrong && !result.wrong.registered &&
      [401, 403].includes(result.wrong.status));
  }
  result.pass = !result.error && Object.values(result.checks).every(Boolean);
  if (c.offer) c.offer.sdp = (c.offer.sdp || '').slice(0, 600);
  console.log(JSON.stringify(result));
  process.exit(result.pass ? 0 : 1);
}

main();
