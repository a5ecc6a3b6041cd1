'use strict';
// Headless Chromium runs JsSIP (bundled here with esbuild from node_modules,
// never a CDN) and calls through rtcgate's B2BUA over SIP/WebSocket; the SIP
// side (a sipp UAS with -rtp_echo) answers and echoes.  The fake microphone
// plays a 1 kHz WAV; the page measures what comes back.
//
//   node b2bua_call.js --ws ws://127.0.0.1:8080 --target sip:echo@127.0.0.1 --mode hangup|remote
//   node b2bua_call.js --ws ws://127.0.0.1:8080 --mode answer --sipp 'ARGS...'
// (answer: the page registers as alice, then the driver starts sipp with
// ARGS (a UAC calling alice through rtcgate) and the page answers.)
//
// Prints one JSON line; exit 0 when the call was confirmed, the tone came
// back and the call ended the way the mode asks (the shell test checks the
// details).
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const esbuild = require('esbuild');
const { writeToneWav } = require('./lib/wav');
const { launch } = require('./lib/chromium');

const argv = process.argv.slice(2);
const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const wsUrl = arg('--ws', 'ws://127.0.0.1:8080');
const target = arg('--target', 'sip:echo@127.0.0.1');
const mode = arg('--mode', 'hangup');
const sippArgs = arg('--sipp', '');
// Transcoding tests: --opus-only, --insertable, --dtmf DIGITS (200 ms, 100 ms gaps).
const opts = { opusOnly: argv.includes('--opus-only'), insertable: argv.includes('--insertable') };
if (argv.includes('--dtmf')) opts.dtmf = { digits: arg('--dtmf'), duration: 200, gap: 100 };
const { spawn } = require('child_process');

function bundleJssip() {
  const r = esbuild.buildSync({ entryPoints: [require.resolve('jssip/lib/JsSIP.js')], bundle: true,
    format: 'iife', globalName: 'JsSIP', minify: true, write: false, logLevel: 'error' });
  return Buffer.from(r.outputFiles[0].contents);
}

async function main() {
  const page = fs.readFileSync(path.join(__dirname, 'web', 'b2bua_call.html'));
  const jssip = bundleJssip();
  const server = http.createServer((req, res) => {
    if (req.url === '/') { res.setHeader('content-type', 'text/html'); return res.end(page); }
    if (req.url === '/measure.js') {
      res.setHeader('content-type', 'text/javascript');
      return res.end(fs.readFileSync(path.join(__dirname, 'web', 'measure.js')));
    }
    if (req.url === '/jssip.js') { res.setHeader('content-type', 'text/javascript'); return res.end(jssip); }
    res.statusCode = 404; res.end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const wavDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-wav-'));
  const wav = path.join(wavDir, 'tone1k.wav');
  writeToneWav(wav, 1000, 48000, 5);
  const browser = await launch({ wav });
  let result = {};
  try {
    await browser.page.goto(`http://localhost:${server.address().port}/`);
    if (mode === 'answer') {
      const reg = await browser.page.evaluate((u) => window.registerCallee(u), wsUrl);
      result.registered = reg.registered;
      if (!reg.registered) throw new Error('REGISTER failed: ' + reg.status);
      const sipp = spawn('sipp', sippArgs.split(' ').filter(Boolean), { stdio: 'ignore' });
      const exited = new Promise((r) => sipp.on('exit', (code) => r(code)));
      const ans = await browser.page.evaluate(() => window.answerNext());
      result = { ...result, ...ans };
      result.sippStatus = await Promise.race([exited,
        new Promise((r) => setTimeout(() => { sipp.kill(); r('killed'); }, 15000))]);
    } else {
      result = await browser.page.evaluate(([u, t, m, o]) => window.runCall(u, t, m, o),
        [wsUrl, target, mode, opts]);
    }
  } catch (e) { result = { ...result, error: String(e) }; }
  await browser.close();
  result.pass = !result.error && result.callState === 'confirmed' &&
    result.connectionState === 'connected' && Math.abs(result.toneHz - 1000) <= 10 &&
    result.toneDb > -80 && result.packetsReceived > 50 && result.endEvent === 'ended' &&
    result.endOriginator === (mode === 'hangup' ? 'local' : 'remote') &&
    (mode !== 'answer' || result.sippStatus === 0);
  console.log(JSON.stringify(result));
  server.close();
  fs.rmSync(wavDir, { recursive: true, force: true });
  process.exit(result.pass ? 0 : 1);
}

main();
