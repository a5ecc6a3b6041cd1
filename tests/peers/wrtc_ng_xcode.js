'use strict';
// Transcoding through a media relay driven over ng (rtcgate or rtpengine):
// a real libwebrtc peer (@roamhq/wrtc) restricted to Opus with
// setCodecPreferences calls a plain RTP endpoint that accepts only one codec
// (PCMU, PCMA, G722 or G729: its SDP names that codec and
// telephone-event/8000, nothing else).  The relay is asked with rtpengine's
// codec flags ("codec": {"mask": ["all"], "transcode": [X]}) to offer X.
// The endpoint echoes every RTP packet it receives; for G.711 it also decodes
// what it receives and measures the tone there (Opus -> X direction); the
// WebRTC peer measures the echo (X -> Opus direction).  The relay's ng query
// is printed and, for rtcgate, must say "transcoded".
//
//   node wrtc_ng_xcode.js --ng 127.0.0.1:22223 --codec PCMU [--direction webrtc-offers|rtp-offers]
//                         [--expect-transcoded]
//
// Prints one JSON line; exit 0 on success.  Run inside `unshare -n`.
const dgram = require('dgram');
const { RTCPeerConnection, RTCRtpSender, nonstandard } = require('@roamhq/wrtc');
const { NgClient } = require('./lib/ng');
const { sine, dominant } = require('./lib/tone');
const { decodeG711 } = require('./lib/g711');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, arr) => {
  if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1] && !arr[i + 1].startsWith('--') ? arr[i + 1] : true]);
  return acc;
}, []));
const [ngHost, ngPort] = (args.ng || '127.0.0.1:22222').split(':');
const codec = (args.codec || 'PCMU').toUpperCase();
const direction = args.direction || 'webrtc-offers';
const seconds = Number(args.seconds || 4);
const TONE_HZ = 1000;
const STATIC_PT = { PCMU: 0, PCMA: 8, G722: 9, G729: 18 };

// The plain endpoint: echoes RTP, records payload types, decodes G.711.
function startEndpoint() {
  const sock = dgram.createSocket('udp4');
  const st = { rtp: 0, rtcp: 0, pts: {}, pcm: [], te: 0 };
  sock.on('message', (msg, rinfo) => {
    if (msg[0] >> 6 !== 2) return;
    if (msg[1] >= 192 && msg[1] <= 223) { st.rtcp++; return; } // reports are per leg: not echoed
    const pt = msg[1] & 0x7f;
    st.rtp++;
    st.pts[pt] = (st.pts[pt] || 0) + 1;
    const cc = msg[0] & 0x0f;
    const payload = msg.subarray(12 + 4 * cc);
    if (pt === STATIC_PT[codec] && (codec === 'PCMU' || codec === 'PCMA') && st.pcm.length < 8000 * 3)
      st.pcm.push(...decodeG711(payload, codec));
    sock.send(msg, rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => sock.bind(0, '127.0.0.1', () => resolve({ sock, st, port: sock.address().port })));
}

function endpointSdp(port, tePt) {
  const pt = STATIC_PT[codec];
  const lines = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=endpoint', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/AVP ${pt}${tePt != null ? ' ' + tePt : ''}`, `a=rtpmap:${pt} ${codec}/8000`];
  if (codec === 'G729') lines.push(`a=fmtp:${pt} annexb=no`);
  if (tePt != null) lines.push(`a=rtpmap:${tePt} telephone-event/8000`, `a=fmtp:${tePt} 0-16`);
  return lines.concat(['a=ptime:20', 'a=sendrecv', '']).join('\r\n');
}

function tePtIn(sdp) {
  const m = sdp.match(/^a=rtpmap:(\d+) telephone-event\/8000/m);
  return m ? Number(m[1]) : null;
}

async function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((r) => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 3000); });
}

function opusOnly(tr) {
  const caps = RTCRtpSender.getCapabilities('audio').codecs;
  tr.setCodecPreferences(caps.filter((c) => /opus|telephone-event/i.test(c.mimeType)));
}

async function main() {
  const ng = new NgClient(ngHost, Number(ngPort));
  const ep = await startEndpoint();
  const pc = new RTCPeerConnection();
  const source = new nonstandard.RTCAudioSource();
  const state = { phase: 0 };
  const timer = setInterval(() => source.onData({ samples: sine(TONE_HZ, 48000, 480, state), sampleRate: 48000,
    bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 }), 10);
  const got = { samples: [], rate: 48000, frames: 0 };
  pc.ontrack = (ev) => {
    got.sink = new nonstandard.RTCAudioSink(ev.track);
    got.sink.ondata = (d) => {
      got.frames++; got.rate = d.sampleRate;
      if (got.frames > 100) got.samples.push(...(d.channelCount === 1 ? d.samples : d.samples.filter((_, i) => i % d.channelCount === 0)));
      if (got.samples.length > d.sampleRate * 2) got.samples.splice(0, got.samples.length - d.sampleRate * 2);
    };
  };
  const common = { 'call-id': `xc-${codec}-${Date.now()}`, 'from-tag': 'ft1', replace: ['origin', 'session-connection'] };
  const toWebrtc = { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', ICE: 'force', 'rtcp-mux': ['offer', 'require'], SDES: ['off'], flags: ['generate-mid'] };
  const toPlain = { 'transport-protocol': 'RTP/AVP', ICE: 'remove', 'rtcp-mux': ['demux'], DTLS: 'off' };
  const result = { codec, direction, relay: `${ngHost}:${ngPort}` };
  try {
    if (direction === 'webrtc-offers') {
      const tr = pc.addTransceiver(source.createTrack(), { direction: 'sendrecv' });
      opusOnly(tr);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      result.browserCodecs = (pc.localDescription.sdp.match(/^(m=audio.*|a=rtpmap:\d+ [^\r\n]+)/mg) || []);
      const off = await ng.command({ command: 'offer', ...common, sdp: pc.localDescription.sdp, ...toPlain,
        codec: { mask: ['all'], transcode: [codec] } });
      if (off.result !== 'ok') throw new Error('offer: ' + JSON.stringify(off));
      result.plainOffer = off.sdp;
      if (!new RegExp(`^a=rtpmap:${STATIC_PT[codec]} ${codec}/8000`, 'mi').test(off.sdp) &&
          !new RegExp(`^m=audio \\d+ RTP/AVP .*\\b${STATIC_PT[codec]}\\b`, 'm').test(off.sdp))
        throw new Error(`relay did not offer ${codec}`);
      const ans = await ng.command({ command: 'answer', ...common, 'to-tag': 'tt1', sdp: endpointSdp(ep.port, tePtIn(off.sdp)), ...toWebrtc });
      if (ans.result !== 'ok') throw new Error('answer: ' + JSON.stringify(ans));
      result.webrtcAnswer = ans.sdp;
      await pc.setRemoteDescription({ type: 'answer', sdp: ans.sdp });
    } else {
      const off = await ng.command({ command: 'offer', ...common, sdp: endpointSdp(ep.port, 101), ...toWebrtc,
        codec: { mask: ['all'], transcode: ['opus'] } });
      if (off.result !== 'ok') throw new Error('offer: ' + JSON.stringify(off));
      result.webrtcOffer = off.sdp;
      await pc.setRemoteDescription({ type: 'offer', sdp: off.sdp });
      const tr = pc.getTransceivers()[0];
      opusOnly(tr);
      tr.sender.replaceTrack(source.createTrack());
      tr.direction = 'sendrecv';
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      result.browserCodecs = (pc.localDescription.sdp.match(/^(m=audio.*|a=rtpmap:\d+ [^\r\n]+)/mg) || []);
      const ans = await ng.command({ command: 'answer', ...common, 'to-tag': 'tt1', sdp: pc.localDescription.sdp, ...toPlain });
      if (ans.result !== 'ok') throw new Error('answer: ' + JSON.stringify(ans));
      result.plainAnswer = ans.sdp;
    }
    // The window starts once ICE and DTLS are up (a loaded machine can take
    // seconds to get there; what is measured is the media, not the set-up).
    for (let i = 0; i < 100 && pc.connectionState !== 'connected'; i++) await new Promise((r) => setTimeout(r, 100));
    got.samples.length = 0; got.frames = 0;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const q = await ng.command({ command: 'query', 'call-id': common['call-id'] }).catch((e) => ({ error: String(e) }));
    const qs = JSON.stringify(q);
    result.query = qs.length > 600 ? qs.slice(0, 600) + '…' : qs;
    result.transcoded = /"mediaType":"transcoded"/.test(qs) || /transcod/i.test(qs);
    const back = dominant(Int16Array.from(got.samples), got.rate);
    const atEp = ep.st.pcm.length > 4000 ? dominant(Int16Array.from(ep.st.pcm.slice(2000)), 8000) : null;
    const okPts = Object.keys(ep.st.pts).map(Number).every((p) => p === STATIC_PT[codec] || p === tePtIn(result.plainOffer || result.plainAnswer || ''));
    Object.assign(result, { connectionState: pc.connectionState, endpointRtp: ep.st.rtp, endpointPts: ep.st.pts,
      endpointRtcp: ep.st.rtcp, toneHzAtEndpoint: atEp && atEp.freq, toneHz: back.freq, toneRms: Math.round(back.rms) });
    result.pass = pc.connectionState === 'connected' && ep.st.rtp > 50 && okPts &&
      Math.abs(back.freq - TONE_HZ) <= 10 && back.rms > 300 &&
      (!atEp || Math.abs(atEp.freq - TONE_HZ) <= 10) &&
      (!args['expect-transcoded'] || result.transcoded);
    await ng.command({ command: 'delete', ...common }).catch(() => {});
  } catch (e) {
    result.pass = false; result.error = String(e && e.stack || e);
  }
  clearInterval(timer); if (got.sink) got.sink.stop(); pc.close(); ep.sock.close(); ng.close();
  console.log(JSON.stringify(result));
  setTimeout(() => process.exit(result.pass ? 0 : 1), 100);
}

main();
