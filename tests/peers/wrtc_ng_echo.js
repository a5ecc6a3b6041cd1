'use strict';
// A real libwebrtc peer (@roamhq/wrtc, the stack Chrome uses) calls a plain
// RTP echo peer through a media relay driven over the ng control protocol
// (rtcgate or rtpengine: the script cannot tell them apart).  The WebRTC peer
// sends a 1 kHz tone; the echo peer reflects every RTP packet; the tone must
// come back to the WebRTC peer with its frequency intact.
//
//   node wrtc_ng_echo.js --ng 127.0.0.1:22222 --direction webrtc-offers|rtp-offers [--video]
//                        [--no-bundle-answer]
//
// --video adds a VP8 video track and a second plain echo peer; video frames
// must come back too.  webrtc-offers: the WebRTC peer offers with
// bundlePolicy max-bundle, so audio and video share one transport toward
// the relay (BUNDLE, RFC 9143).  rtp-offers: the plain side offers audio and
// video on two ports and the relay is asked ("bundle": ["offer"]) to offer
// them to the WebRTC peer as one BUNDLE group, which it answers max-bundle.
// --no-bundle-answer (rtp-offers --video) hides the group from the WebRTC
// peer (an answerer that does not support BUNDLE), so its answer has none
// and each m= line must keep its own transport.
//
// Prints one JSON line with the result and exits 0 on success, 1 otherwise.
// Run inside `unshare -n` so only loopback candidates exist.
const dgram = require('dgram');
const { RTCPeerConnection, nonstandard } = require('@roamhq/wrtc');
const { NgClient } = require('./lib/ng');
const { sine, dominant } = require('./lib/tone');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, arr) => {
  if (a.startsWith('--')) acc.push([a.slice(2), arr[i + 1]]);
  return acc;
}, []));
const [ngHost, ngPort] = (args.ng || '127.0.0.1:22222').split(':');
const direction = args.direction || 'webrtc-offers';
const seconds = Number(args.seconds || 4);
const withVideo = process.argv.includes('--video');
const noBundleAnswer = process.argv.includes('--no-bundle-answer');
const TONE_HZ = 1000;

function startEcho() {
  const sock = dgram.createSocket('udp4');
  const stats = { rtp: 0, rtcp: 0, nonRtp: 0, pts: new Set() };
  sock.on('message', (msg, rinfo) => {
    const v = msg[0] >> 6, pt = msg[1] & 0x7f;
    if (v !== 2) stats.nonRtp++;
    else if (msg[1] >= 192 && msg[1] <= 223) stats.rtcp++;
    else { stats.rtp++; stats.pts.add(pt); }
    sock.send(msg, rinfo.port, rinfo.address);
  });
  return new Promise((resolve) => sock.bind(0, '127.0.0.1', () => resolve({ sock, stats, port: sock.address().port })));
}

// One m= section per media of the other side's SDP (or PCMU/PCMA audio, and
// VP8 video when there is a second port, when offering), each answered by its
// own echo port, keeping the payload types.
function plainSdp(ports, mediaFrom) {
  const out = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=echo', 'c=IN IP4 127.0.0.1', 't=0 0'];
  if (!mediaFrom) {
    out.push(`m=audio ${ports[0]} RTP/AVP 0 8`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=sendrecv');
    if (ports[1]) out.push(`m=video ${ports[1]} RTP/AVP 96`, 'a=rtpmap:96 VP8/90000', 'a=sendrecv');
    return out.concat(['']).join('\r\n');
  }
  const sections = mediaFrom.split(/\r\n(?=m=)/).slice(1);
  sections.forEach((sec, i) => {
    const m = sec.match(/^m=(\w+) \d+ [^ ]+ (.*)$/m);
    out.push(`m=${m[1]} ${ports[i]} RTP/AVP ${m[2].trim()}`, ...(sec.match(/^a=(rtpmap|fmtp):.*$/mg) || []), 'a=sendrecv');
  });
  return out.concat(['']).join('\r\n');
}

async function gathered(pc) {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise((r) => { pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); setTimeout(r, 3000); });
}

function toneSource() {
  const source = new nonstandard.RTCAudioSource();
  const state = { phase: 0 };
  const timer = setInterval(() => source.onData({ samples: sine(TONE_HZ, 48000, 480, state), sampleRate: 48000,
    bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 }), 10);
  return { track: source.createTrack(), stop: () => clearInterval(timer) };
}

function videoSource() {
  const source = new nonstandard.RTCVideoSource();
  const w = 320, h = 240, data = new Uint8ClampedArray(w * h * 1.5);
  let n = 0;
  const timer = setInterval(() => { data.fill((n++ * 7) % 255); source.onFrame({ width: w, height: h, data }); }, 33);
  return { track: source.createTrack(), stop: () => clearInterval(timer) };
}

function collect(pc) {
  const got = { samples: [], rate: 0, frames: 0, videoFrames: 0 };
  pc.ontrack = (ev) => {
    if (ev.track.kind === 'video') {
      const vs = new nonstandard.RTCVideoSink(ev.track);
      got.vsink = vs;
      vs.onframe = () => { got.videoFrames++; };
      return;
    }
    const sink = new nonstandard.RTCAudioSink(ev.track);
    got.sink = sink;
    sink.ondata = (d) => {
      got.frames++;
      got.rate = d.sampleRate;
      if (got.frames > 100) got.samples.push(...(d.channelCount === 1 ? d.samples : d.samples.filter((_, i) => i % d.channelCount === 0)));
      if (got.samples.length > d.sampleRate * 2) got.samples.splice(0, got.samples.length - d.sampleRate * 2);
    };
  };
  return got;
}

async function main() {
  const ng = new NgClient(ngHost, Number(ngPort));
  const echo = await startEcho();
  const vecho = withVideo ? await startEcho() : null;
  const pc = new RTCPeerConnection(withVideo ? { bundlePolicy: noBundleAnswer ? 'balanced' : 'max-bundle' } : {});
  const tone = toneSource();
  const video = withVideo ? videoSource() : null;
  const got = collect(pc);
  const callId = 'wrtc-' + Date.now();
  const common = { 'call-id': callId, 'from-tag': 'ft1', replace: ['origin', 'session-connection'] };
  const toWebrtc = { 'transport-protocol': 'UDP/TLS/RTP/SAVPF', ICE: 'force', 'rtcp-mux': ['offer', 'require'], SDES: ['off'], flags: ['generate-mid'] };
  const toPlain = { 'transport-protocol': 'RTP/AVP', ICE: 'remove', 'rtcp-mux': ['demux'], DTLS: 'off' };
  const result = { direction, relay: `${ngHost}:${ngPort}` };
  try {
    const pong = await ng.command({ command: 'ping' });
    if (pong.result !== 'pong') throw new Error('ping: ' + JSON.stringify(pong));
    if (direction === 'webrtc-offers') {
      pc.addTrack(tone.track);
      if (video) pc.addTrack(video.track);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const off = await ng.command({ command: 'offer', ...common, sdp: pc.localDescription.sdp, ...toPlain });
      if (off.result !== 'ok') throw new Error('offer: ' + JSON.stringify(off));
      result.plainOffer = off.sdp;
      const ans = await ng.command({ command: 'answer', ...common, 'to-tag': 'tt1', sdp: plainSdp([echo.port, vecho && vecho.port], off.sdp), ...toWebrtc });
      if (ans.result !== 'ok') throw new Error('answer: ' + JSON.stringify(ans));
      result.webrtcAnswer = ans.sdp;
      await pc.setRemoteDescription({ type: 'answer', sdp: ans.sdp });
    } else {
      const off = await ng.command({ command: 'offer', ...common, sdp: plainSdp([echo.port, vecho && vecho.port], null),
        ...toWebrtc, ...(vecho ? { bundle: ['offer'] } : {}) });
      if (off.result !== 'ok') throw new Error('offer: ' + JSON.stringify(off));
      result.webrtcOffer = off.sdp;
      result.offeredBundle = /^a=group:BUNDLE \S+ \S+/m.test(off.sdp);
      // An answerer without BUNDLE support ignores the group (RFC 5888 §8.4).
      const remote = noBundleAnswer ? off.sdp.replace(/^a=group:BUNDLE.*\r\n/m, '') : off.sdp;
      await pc.setRemoteDescription({ type: 'offer', sdp: remote });
      for (const tr of pc.getTransceivers()) {
        const track = tr.receiver.track.kind === 'video' ? video && video.track : tone.track;
        if (!track) continue;
        await tr.sender.replaceTrack(track);
        tr.direction = 'sendrecv';
      }
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      result.webrtcAnswer = pc.localDescription.sdp;
      const ans = await ng.command({ command: 'answer', ...common, 'to-tag': 'tt1', sdp: pc.localDescription.sdp, ...toPlain });
      if (ans.result !== 'ok') throw new Error('answer: ' + JSON.stringify(ans));
      result.plainAnswer = ans.sdp;
    }
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const m = dominant(Int16Array.from(got.samples), got.rate || 48000);
    Object.assign(result, { connectionState: pc.connectionState, iceState: pc.iceConnectionState,
      echoRtp: echo.stats.rtp, echoRtcp: echo.stats.rtcp, echoNonRtp: echo.stats.nonRtp,
      echoPts: [...echo.stats.pts], framesReceived: got.frames, toneHz: m.freq, toneRms: Math.round(m.rms) });
    if (vecho) {
      Object.assign(result, { videoEchoRtp: vecho.stats.rtp, videoPts: [...vecho.stats.pts],
        videoFramesReceived: got.videoFrames, bundled: /a=group:BUNDLE 0 1/.test(result.webrtcAnswer || '') });
      // The relay's own view: the local address of each m= line toward the
      // WebRTC peer (one shared transport when bundled).
      const q = await ng.command({ command: 'query', ...common }).catch(() => ({}));
      const side = direction === 'webrtc-offers' ? 'from' : 'to';
      result.webrtcLocals = (q.streams || []).map((s) => s[side] && s[side].local);
    }
    const wantBundle = !(direction === 'rtp-offers' && noBundleAnswer);
    result.pass = pc.connectionState === 'connected' && echo.stats.rtp > 50 && echo.stats.nonRtp === 0 &&
      Math.abs(m.freq - TONE_HZ) <= 10 && m.rms > 500 &&
      (!vecho || (vecho.stats.rtp > 20 && vecho.stats.nonRtp === 0 && got.videoFrames > 10 &&
        result.bundled === wantBundle));
    await ng.command({ command: 'delete', ...common }).catch(() => {});
  } catch (e) {
    result.pass = false; result.error = String(e && e.stack || e);
  }
  tone.stop(); if (got.sink) got.sink.stop(); pc.close(); echo.sock.close(); ng.close();
  if (video) { video.stop(); if (got.vsink) got.vsink.stop(); vecho.sock.close(); }
  console.log(JSON.stringify(result));
  setTimeout(() => process.exit(result.pass ? 0 : 1), 100);
}

main();
