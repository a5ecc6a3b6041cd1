'use strict';
// Headless Chromium calls a plain RTP echo peer through a media relay driven
// over ng.  A small test bridge (this script) serves the page, receives the
// browser's offer over HTTP, sends ng offer/answer to the relay, and answers
// for the echo peer.  The browser's fake microphone plays a 1 kHz WAV; the
// tone must come back with its frequency intact.
//
//   node chromium_ng_echo.js --ng 127.0.0.1:22222
//
// Prints one JSON line; exit 0 on success.  Run inside `unshare -n`.
const dgram = require('dgram');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { NgClient } = require('./lib/ng');
const { writeToneWav } = require('./lib/wav');
const { launch } = require('./lib/chromium');

const argv = process.argv.slice(2);
const ngArg = argv[argv.indexOf('--ng') + 1] || '127.0.0.1:22222';
const [ngHost, ngPort] = ngArg.split(':');

function plainAnswer(port, offer) {
  const pts = offer.match(/^m=audio \d+ [^ ]+ (.*)$/m)[1].trim();
  const maps = offer.match(/^a=(rtpmap|fmtp):.*$/mg) || [];
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=echo', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/AVP ${pts}`, ...maps, 'a=sendrecv', ''].join('\r\n');
}

async function main() {
  const ng = new NgClient(ngHost, Number(ngPort));
  const echo = dgram.createSocket('udp4');
  const stats = { rtp: 0, nonRtp: 0 };
  echo.on('message', (m, r) => { if (m[0] >> 6 === 2) stats.rtp++; else stats.nonRtp++; echo.send(m, r.port, r.address); });
  await new Promise((r) => echo.bind(0, '127.0.0.1', r));
  const page = fs.readFileSync(path.join(__dirname, 'web', 'ng_echo.html'));
  const common = { 'call-id': 'chr-' + Date.now(), 'from-tag': 'ft1', replace: ['origin', 'session-connection'] };
  const server = http.createServer(async (req, res) => {
    if (req.url === '/') { res.setHeader('content-type', 'text/html'); return res.end(page); }
    if (req.url === '/measure.js') {
      res.setHeader('content-type', 'text/javascript');
      return res.end(fs.readFileSync(path.join(__dirname, 'web', 'measure.js')));
    }
    if (req.url === '/echo-stats') return res.end(JSON.stringify(stats));
    if (req.url !== '/offer') { res.statusCode = 404; return res.end(); }
    let body = ''; for await (const c of req) body += c;
    try {
      const off = await ng.command({ command: 'offer', ...common, sdp: body, 'transport-protocol': 'RTP/AVP',
        ICE: 'remove', 'rtcp-mux': ['demux'], DTLS: 'off' });
      const ans = await ng.command({ command: 'answer', ...common, 'to-tag': 'tt1',
        sdp: plainAnswer(echo.address().port, off.sdp), 'transport-protocol': 'UDP/TLS/RTP/SAVPF',
        ICE: 'force', 'rtcp-mux': ['offer', 'require'], SDES: ['off'] });
      res.end(JSON.stringify({ sdp: ans.sdp }));
    } catch (e) { res.end(JSON.stringify({ error: String(e) })); }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const wav = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rg-wav-')), 'tone1k.wav');
  writeToneWav(wav, 1000, 48000, 5);
  const browser = await launch({ wav });
  let result;
  try {
    await browser.page.goto(`http://localhost:${server.address().port}/`);
    result = await browser.page.evaluate(() => window.runEcho());
  } catch (e) { result = { error: String(e) }; }
  await ng.command({ command: 'delete', ...common }).catch(() => {});
  await browser.close();
  result.pass = !result.error && result.connectionState === 'connected' && Math.abs(result.toneHz - 1000) <= 10 &&
    result.packetsReceived > 50 && result.toneDb > -80 && stats.nonRtp === 0;
  console.log(JSON.stringify(result));
  server.close(); echo.close(); ng.close();
  fs.rmSync(path.dirname(wav), { recursive: true, force: true });
  process.exit(result.pass ? 0 : 1);
}

main();
