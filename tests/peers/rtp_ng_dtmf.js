'use strict';
// RFC 4733 DTMF across a transcoded stream, driven over ng: an "Opus side"
// (plain RTP so the test can read it: opus/48000 + telephone-event/48000)
// calls a G.711 endpoint (PCMU + telephone-event/8000) with rtpengine's
// codec flags (mask all, transcode PCMU).  Each side sends 20 ms audio
// frames and then digits; the other side must receive telephone-event at
// its own clock with the same digits and the durations converted
// (48000 <-> 8000: ×1/6, ×6).
//
//   node rtp_ng_dtmf.js --ng 127.0.0.1:22223
//
// Prints one JSON line; exit 0 on success.  Run inside `unshare -n`.
const dgram = require('dgram');
const { NgClient } = require('./lib/ng');

const argv = process.argv.slice(2);
const [ngHost, ngPort] = (argv[argv.indexOf('--ng') + 1] || '127.0.0.1:22222').split(':');
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]); // RFC 6716 §3.1: CELT FB 20 ms, code 0
const DIGITS_48K = [{ ev: 1, ms: 160 }, { ev: 11, ms: 240 }];  // '1', '#'
const DIGITS_8K = [{ ev: 5, ms: 100 }, { ev: 9, ms: 200 }];

function peer() {
  const sock = dgram.createSocket('udp4');
  const p = { sock, remote: null, events: {}, rtp: 0, ssrc: (Math.random() * 2 ** 32) >>> 0, seq: 1, ts: 1000 };
  sock.on('message', (m) => {
    if (m[0] >> 6 !== 2 || (m[1] >= 192 && m[1] <= 223)) return;
    p.rtp++;
    const pt = m[1] & 0x7f, cc = m[0] & 0x0f, off = 12 + 4 * cc;
    const ts = m.readUInt32BE(4);
    if (p.tePt === pt && m.length >= off + 4) {
      const e = { ev: m[off], end: !!(m[off + 1] & 0x80), dur: m.readUInt16BE(off + 2) };
      const key = ts + ':' + e.ev; // one event per timestamp (RFC 4733 §2.5.1.3)
      const cur = p.events[key] || { ev: e.ev, dur: 0, ends: 0 };
      cur.dur = Math.max(cur.dur, e.dur); cur.ends += e.end ? 1 : 0;
      p.events[key] = cur;
    }
  });
  return new Promise((r) => sock.bind(0, '127.0.0.1', () => { p.port = sock.address().port; r(p); }));
}

function send(p, pt, payload, marker, ts) {
  const h = Buffer.alloc(12);
  h[0] = 0x80; h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(p.seq++ & 0xffff, 2); h.writeUInt32BE(ts >>> 0, 4); h.writeUInt32BE(p.ssrc, 8);
  p.sock.send(Buffer.concat([h, payload]), p.remote.port, p.remote.host);
}

// 20 ms audio frames, then each digit as RFC 4733 updates every 20 ms
// (marker on the first), three end packets, audio again in between.
async function talk(p, audioPt, audio, clock, tePt, digits) {
  const tick = clock / 50;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 25; i++) { send(p, audioPt, audio, i === 0, p.ts); p.ts += tick; await sleep(20); }
  for (const d of digits) {
    const start = p.ts, total = d.ms * clock / 1000;
    for (let t = tick, first = true; t <= total; t += tick, first = false) {
      const pl = Buffer.from([d.ev, 10, 0, 0]); pl.writeUInt16BE(t, 2);
      send(p, tePt, pl, first, start); await sleep(20);
    }
    for (let k = 0; k < 3; k++) { const pl = Buffer.from([d.ev, 0x80 | 10, 0, 0]); pl.writeUInt16BE(total, 2); send(p, tePt, pl, false, start); }
    p.ts = start + total;
    for (let i = 0; i < 10; i++) { send(p, audioPt, audio, false, p.ts); p.ts += tick; await sleep(20); }
  }
}

function sdp(port, lines) {
  return ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', ...lines(port), 'a=sendrecv', ''].join('\r\n');
}

function got(p) {
  return Object.values(p.events).map((e) => ({ digit: e.ev, duration: e.dur, ends: e.ends }));
}

function matches(events, sent, clock) {
  return events.length === sent.length && sent.every((d, i) => events[i].digit === d.ev &&
    events[i].duration === d.ms * clock / 1000 && events[i].ends >= 1);
}

async function main() {
  const ng = new NgClient(ngHost, Number(ngPort));
  const a = await peer(), b = await peer();
  const common = { 'call-id': 'dtmf-' + Date.now(), 'from-tag': 'fa', replace: ['origin', 'session-connection'] };
  const plain = { 'transport-protocol': 'RTP/AVP', ICE: 'remove' };
  const result = {};
  try {
    const off = await ng.command({ command: 'offer', ...common, ...plain, codec: { mask: ['all'], transcode: ['PCMU'] },
      sdp: sdp(a.port, (p) => [`m=audio ${p} RTP/AVP 111 110`, 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:110 telephone-event/48000', 'a=fmtp:110 0-16']) });
    if (off.result !== 'ok') throw new Error('offer: ' + JSON.stringify(off));
    const te8 = off.sdp.match(/^a=rtpmap:(\d+) telephone-event\/8000/m);
    if (!te8) throw new Error('no telephone-event/8000 in the offer: ' + off.sdp);
    b.tePt = Number(te8[1]);
    b.remote = { host: '127.0.0.1', port: Number(off.sdp.match(/^m=audio (\d+)/m)[1]) };
    const ans = await ng.command({ command: 'answer', ...common, ...plain, 'to-tag': 'tb',
      sdp: sdp(b.port, (p) => [`m=audio ${p} RTP/AVP 0 ${b.tePt}`, 'a=rtpmap:0 PCMU/8000', `a=rtpmap:${b.tePt} telephone-event/8000`, `a=fmtp:${b.tePt} 0-16`]) });
    if (ans.result !== 'ok') throw new Error('answer: ' + JSON.stringify(ans));
    const te48 = ans.sdp.match(/^a=rtpmap:(\d+) telephone-event\/48000/m);
    a.tePt = te48 ? Number(te48[1]) : 110;
    a.remote = { host: '127.0.0.1', port: Number(ans.sdp.match(/^m=audio (\d+)/m)[1]) };
    await Promise.all([
      talk(a, 111, OPUS_SILENCE, 48000, 110, DIGITS_48K),
      talk(b, 0, Buffer.alloc(160, 0xff), 8000, b.tePt, DIGITS_8K),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    result.to8k = got(b); result.to48k = got(a);
    result.rtpAtG711 = b.rtp; result.rtpAtOpus = a.rtp;
    result.pass = matches(result.to8k, DIGITS_48K, 8000) && matches(result.to48k, DIGITS_8K, 48000);
    result.to8k = JSON.stringify(result.to8k); result.to48k = JSON.stringify(result.to48k);
    await ng.command({ command: 'delete', ...common }).catch(() => {});
  } catch (e) { result.pass = false; result.error = String(e && e.stack || e); }
  a.sock.close(); b.sock.close(); ng.close();
  console.log(JSON.stringify(result));
  setTimeout(() => process.exit(result.pass ? 0 : 1), 50);
}

main();
