'use strict';
// Headless Chromium restricted to Opus calls a G.711 endpoint (PCMU +
// telephone-event/8000 only) through a media relay driven over ng with
// rtpengine's codec flags (mask all, transcode PCMU).  The browser plays a
// 1 kHz tone (fake microphone) and sends DTMF with RTCDTMFSender; the
// endpoint echoes audio, decodes what it hears (the tone must be 1 kHz
// there too) and records the RFC 4733 events it receives: the digits and
// their durations at 8000 Hz must match what the browser sent.
//
//   node chromium_ng_xcode.js --ng 127.0.0.1:22223 [--expect-transcoded]
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
const { decodeG711 } = require('./lib/g711');
const { dominant } = require('./lib/tone');

const argv = process.argv.slice(2);
const ngArg = argv[argv.indexOf('--ng') + 1] || '127.0.0.1:22222';
const [ngHost, ngPort] = ngArg.split(':');
const DIGITS = '159#', DURATION_MS = 200, GAP_MS = 100;
const EVENT = { '0': 0, '1': 1, '5': 5, '9': 9, '*': 10, '#': 11 };

function endpointSdp(port, tePt) {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=endpoint', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/AVP 0 ${tePt}`, 'a=rtpmap:0 PCMU/8000', `a=rtpmap:${tePt} telephone-event/8000`,
    `a=fmtp:${tePt} 0-16`, 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

async function main() {
  const ng = new NgClient(ngHost, Number(ngPort));
  const ep = dgram.createSocket('udp4');
  const st = { rtp: 0, pts: {}, pcm: [], events: {}, tePt: -1 };
  ep.on('message', (m, r) => {
    if (m[0] >> 6 !== 2 || (m[1] >= 192 && m[1] <= 223)) return;
    const pt = m[1] & 0x7f, off = 12 + 4 * (m[0] & 0x0f);
    st.rtp++; st.pts[pt] = (st.pts[pt] || 0) + 1;
    if (pt === st.tePt && m.length >= off + 4) {
      const key = m.readUInt32BE(4) + ':' + m[off];
      const e = st.events[key] || { digit: m[off], duration: 0, ends: 0 };
      e.duration = Math.max(e.duration, m.readUInt16BE(off + 2)); e.ends += (m[off + 1] & 0x80) ? 1 : 0;
      st.events[key] = e;
      return;
    }
    if (pt === 0 && st.pcm.length < 8000 * 3) st.pcm.push(...decodeG711(m.subarray(off), 'PCMU'));
    ep.send(m, r.port, r.address);
  });
  await new Promise((r) => ep.bind(0, '127.0.0.1', r));
  const page = fs.readFileSync(path.join(__dirname, 'web', 'xcode_dtmf.html'));
  const common = { 'call-id': 'chx-' + Date.now(), 'from-tag': 'ft1', replace: ['origin', 'session-connection'] };
  const result = {};
  const server = http.createServer(async (req, res) => {
    if (req.url === '/') { res.setHeader('content-type', 'text/html'); return res.end(page); }
    if (req.url === '/measure.js') {
      res.setHeader('content-type', 'text/javascript');
      return res.end(fs.readFileSync(path.join(__dirname, 'web', 'measure.js')));
    }
    if (req.url !== '/offer') { res.statusCode = 404; return res.end(); }
    let body = ''; for await (const c of req) body += c;
    try {
      const off = await ng.command({ command: 'offer', ...common, sdp: body, 'transport-protocol': 'RTP/AVP',
        ICE: 'remove', 'rtcp-mux': ['demux'], DTLS: 'off', codec: { mask: ['all'], transcode: ['PCMU'] } });
      if (off.result !== 'ok') throw new Error('offer: ' + JSON.stringify(off));
      result.plainOffer = off.sdp;
      const te = off.sdp.match(/^a=rtpmap:(\d+) telephone-event\/8000/m);
      st.tePt = te ? Number(te[1]) : 101;
      result.relayOfferedTe8k = !!te;
      const ans = await ng.command({ command: 'answer', ...common, 'to-tag': 'tt1',
        sdp: endpointSdp(ep.address().port, st.tePt), 'transport-protocol': 'UDP/TLS/RTP/SAVPF',
        ICE: 'force', 'rtcp-mux': ['offer', 'require'], SDES: ['off'] });
      if (ans.result !== 'ok') throw new Error('answer: ' + JSON.stringify(ans));
      res.end(JSON.stringify({ sdp: ans.sdp }));
    } catch (e) { res.end(JSON.stringify({ error: String(e) })); }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const wav = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rg-wav-')), 'tone1k.wav');
  writeToneWav(wav, 1000, 48000, 8);
  const browser = await launch({ wav });
  try {
    await browser.page.goto(`http://localhost:${server.address().port}/`);
    Object.assign(result, await browser.page.evaluate(([d, du, g]) => window.runXcode(d, du, g), [DIGITS, DURATION_MS, GAP_MS]));
  } catch (e) { result.error = String(e); }
  const q = await ng.command({ command: 'query', 'call-id': common['call-id'] }).catch((e) => ({ error: String(e) }));
  const qs = JSON.stringify(q);
  result.transcoded = /"mediaType":"transcoded"/.test(qs) || /transcod/i.test(qs);
  await ng.command({ command: 'delete', ...common }).catch(() => {});
  await browser.close();
  const events = Object.values(st.events);
  const want = [...DIGITS].map((c) => EVENT[c]);
  const atEp = st.pcm.length > 4000 ? dominant(Int16Array.from(st.pcm.slice(2000)), 8000) : { freq: 0 };
  Object.assign(result, { endpointPts: st.pts, endpointToneHz: atEp.freq,
    digitsAtEndpoint: events.map((e) => e.digit), durationsAtEndpoint: events.map((e) => e.duration) });
  result.dtmfOk = events.length === want.length && events.every((e, i) => e.digit === want[i] &&
    Math.abs(e.duration - DURATION_MS * 8) <= 160 && e.ends >= 1);
  result.pass = !result.error && result.connectionState === 'connected' && Math.abs(result.toneHz - 1000) <= 10 &&
    Math.abs(atEp.freq - 1000) <= 10 && result.dtmfOk && Object.keys(st.pts).every((p) => Number(p) === 0 || Number(p) === st.tePt) &&
    (!argv.includes('--expect-transcoded') || result.transcoded);
  delete result.plainOffer;
  console.log(JSON.stringify(result));
  server.close(); ep.close(); ng.close();
  fs.rmSync(path.dirname(wav), { recursive: true, force: true });
  process.exit(result.pass ? 0 : 1);
}

main();
