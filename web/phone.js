'use strict';
// The demo softphone rtcgated serves on its embedded default (PRODUCT.md §4):
// JsSIP over SIP/WebSocket to rtcgate, which bridges the call to a SIP trunk.
// Bundled with JsSIP at build time by tools/build-web.sh (esbuild); the page
// loads nothing from anywhere but rtcgate itself.
//
// Query parameters (optional): ws=<WebSocket URL>, to=<call target>.
// Tests drive the page through its buttons and read window.rtcgateDemo;
// document.body.dataset.call is idle | calling | ringing | in-call | ended | failed.
const JsSIP = require('jssip/lib/JsSIP.js');

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const st = {
  ua: null, uaWs: '', registered: false, session: null, incoming: null, mic: null,
  remoteStream: null, startedAt: 0, tick: 0, ac: null, meters: [], events: [],
};

function defaultWsUrl() {
  if (params.get('ws')) return params.get('ws');
  if (!location.host) return 'ws://127.0.0.1:8080/';
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/';
}

function domain() {
  return $('domain').value.trim() || location.hostname || '127.0.0.1';
}

// "echo" -> sip:echo@<domain>; "1234@host" -> sip:1234@host; full URIs as given.
function targetUri(text) {
  const t = text.trim();
  if (/^sips?:/i.test(t)) return t;
  return 'sip:' + (t.includes('@') ? t : t + '@' + domain());
}

function log(text) {
  const line = new Date().toISOString().slice(11, 23) + ' ' + text;
  st.events.push(line);
  if (st.events.length > 300) st.events.shift();
  const el = $('log');
  el.textContent += line + '\n';
  if (el.textContent.length > 20000) el.textContent = el.textContent.slice(-15000);
  el.scrollTop = el.scrollHeight;
}

function setStatus(text, callState) {
  $('statusText').textContent = text;
  if (callState) document.body.dataset.call = callState;
  log('status: ' + text);
}

function setWsState(up, text) {
  $('wsdot').classList.toggle('up', up);
  $('wsstate').textContent = text;
}

// ---- user agent ----------------------------------------------------------

function waitConnected(ua, url) {
  return new Promise((resolve, reject) => {
    if (ua.isConnected()) return resolve(ua);
    const timer = setTimeout(() => reject(new Error('no WebSocket answer from ' + url)), 6000);
    ua.once('connected', () => { clearTimeout(timer); resolve(ua); });
  });
}

function dropUa() {
  if (!st.ua) return;
  st.ua.removeAllListeners();
  st.ua.stop();
  st.ua = null;
  st.registered = false;
  setWsState(false, 'offline');
  $('unregister').disabled = true;
}

// A UA on the WebSocket URL in the field; with `reg`, one that registers as
// the user in the Register box.  An existing UA is kept while a call runs.
async function ensureUa(reg) {
  const url = $('ws').value.trim();
  if (st.ua && (st.session || (!reg && st.uaWs === url))) return waitConnected(st.ua, url);
  dropUa();
  const user = $('user').value.trim();
  const cfg = {
    sockets: [new JsSIP.WebSocketInterface(url)],
    uri: `sip:${reg ? user : 'demo-' + Math.random().toString(36).slice(2, 8)}@${domain()}`,
    register: !!reg, user_agent: `rtcgate-demo JsSIP/${JsSIP.version}`,
    connection_recovery_min_interval: 2, connection_recovery_max_interval: 10,
  };
  if (reg && $('password').value) {
    cfg.password = $('password').value;
    cfg.authorization_user = user;
  }
  const ua = new JsSIP.UA(cfg);
  st.ua = ua;
  st.uaWs = url;
  ua.on('connecting', () => setWsState(false, 'connecting'));
  ua.on('connected', () => { setWsState(true, 'connected'); log('WebSocket connected: ' + url); });
  ua.on('disconnected', () => { setWsState(false, 'offline'); log('WebSocket closed'); });
  ua.on('registered', () => {
    st.registered = true;
    $('unregister').disabled = false;
    setStatus(`Registered as ${cfg.uri}`);
  });
  ua.on('unregistered', () => { st.registered = false; $('unregister').disabled = true; });
  ua.on('registrationFailed', (e) => {
    st.registered = false;
    setStatus(`Registration failed: ${e.cause}${code(e.response)}`);
  });
  ua.on('newRTCSession', onNewSession);
  ua.start();
  try {
    return await waitConnected(ua, url);
  } catch (e) {
    dropUa();
    throw e;
  }
}

// " (486 Busy Here)" for a SIP response, "" otherwise.
function code(msg) {
  if (!msg || !msg.status_code) return '';
  return ` (${msg.status_code}${msg.reason_phrase ? ' ' + msg.reason_phrase : ''})`;
}

// ---- media: microphone, remote audio, level meters -------------------------

async function getMic() {
  if (st.mic) return st.mic;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
    throw new Error('not available here: open the page as http://127.0.0.1:8080/ or over https');
  st.mic = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  meter(st.mic, 'micLevel');
  return st.mic;
}

function audioContext() {
  if (!st.ac) st.ac = new AudioContext();
  if (st.ac.state === 'suspended') st.ac.resume().catch(() => {});
  return st.ac;
}

// A bar that follows the stream's level (RMS, -60..0 dBFS).
function meter(stream, barId) {
  const ac = audioContext();
  const an = ac.createAnalyser();
  an.fftSize = 1024;
  const src = ac.createMediaStreamSource(stream);
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  const bar = $(barId);
  const id = setInterval(() => {
    an.getFloatTimeDomainData(buf);
    let sum = 0;
    for (let i = 0; i < buf.length; i++) sum += buf[i] * buf[i];
    const db = 10 * Math.log10(sum / buf.length + 1e-12);
    bar.style.width = Math.max(0, Math.min(100, ((db + 60) / 60) * 100)).toFixed(0) + '%';
  }, 100);
  st.meters.push({ id, src, bar });
}

function stopMedia() {
  for (const m of st.meters) {
    clearInterval(m.id);
    m.src.disconnect();
    m.bar.style.width = '0';
  }
  st.meters = [];
  if (st.mic) st.mic.getTracks().forEach((t) => t.stop());
  st.mic = null;
  st.remoteStream = null;
  $('remote').srcObject = null;
}

function hookPc(pc) {
  if (!pc || pc.rtcgateHooked) return;
  pc.rtcgateHooked = true;
  pc.addEventListener('track', (e) => {
    const stream = e.streams[0] || new MediaStream([e.track]);
    if (st.remoteStream === stream) return;
    st.remoteStream = stream;
    $('remote').srcObject = stream;
    $('remote').play().catch(() => {});
    meter(stream, 'remoteLevel');
  });
  pc.addEventListener('iceconnectionstatechange', () => log('ICE: ' + pc.iceConnectionState));
  pc.addEventListener('connectionstatechange', () => log('connection: ' + pc.connectionState));
}

// ---- calls -----------------------------------------------------------------

function updateButtons() {
  const s = st.session;
  const live = !!s && !s.isEnded();
  const established = live && s.isEstablished();
  $('call').disabled = live || !!st.incoming;
  $('hangup').disabled = !live;
  $('mute').disabled = !established;
  $('hold').disabled = !established;
  $('mute').classList.toggle('on', established && s.isMuted().audio);
  $('hold').classList.toggle('on', established && s.isOnHold().local);
  $('mute').textContent = established && s.isMuted().audio ? 'Unmute' : 'Mute';
  $('hold').textContent = established && s.isOnHold().local ? 'Resume' : 'Hold';
}

function startTimer() {
  st.startedAt = Date.now();
  const show = () => {
    const s = Math.floor((Date.now() - st.startedAt) / 1000);
    $('timer').textContent = `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
  show();
  st.tick = setInterval(show, 1000);
}

function stopTimer() {
  clearInterval(st.tick);
  st.tick = 0;
}

function adopt(session) {
  st.session = session;
  hookPc(session.connection);
  session.on('peerconnection', (e) => hookPc(e.peerconnection));
  session.on('progress', (e) => {
    if (session.direction === 'outgoing')
      setStatus(`Ringing${code(e.response)}…`, 'ringing');
  });
  session.on('accepted', () => setStatus('Answered', 'in-call'));
  session.on('confirmed', () => {
    setStatus('In call', 'in-call');
    startTimer();
    updateButtons();
  });
  session.on('hold', (e) => { setStatus(`On hold (${e.originator})`); updateButtons(); });
  session.on('unhold', (e) => { setStatus(`In call (resumed by ${e.originator})`); updateButtons(); });
  session.on('muted', updateButtons);
  session.on('unmuted', updateButtons);
  session.on('newDTMF', (e) => log(`DTMF ${e.dtmf.tone} (${e.originator})`));
  session.on('sdp', (e) => log(`SDP ${e.type} (${e.originator}):\n${e.sdp.trim()}`));
  session.on('ended', (e) => finish(session, `Call ended by ${e.originator}: ${e.cause}`, 'ended'));
  session.on('failed', (e) =>
    finish(session, `Call failed: ${e.cause}${code(e.message)}`, 'failed'));
  updateButtons();
}

function finish(session, text, callState) {
  if (st.session !== session) return;
  stopTimer();
  stopMedia();
  st.session = null;
  setStatus(text, callState);
  updateButtons();
}

async function call() {
  const target = targetUri($('target').value);
  setStatus(`Calling ${target}…`, 'calling');
  $('call').disabled = true;
  try {
    audioContext();
    const ua = await ensureUa(false);
    const mic = await getMic();
    const session = ua.call(target, {
      mediaStream: mic,
      mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: [] },
      eventHandlers: { peerconnection: (e) => hookPc(e.peerconnection) },
    });
    adopt(session);
  } catch (e) {
    stopMedia();
    setStatus('Cannot call: ' + e.message, 'failed');
    updateButtons();
  }
}

function hangup() {
  if (st.session && !st.session.isEnded()) st.session.terminate();
}

function onNewSession(e) {
  if (e.originator !== 'remote') return;
  const s = e.session;
  if (st.session || st.incoming) {
    s.terminate({ status_code: 486 });
    return;
  }
  st.incoming = s;
  const from = e.request.from;
  $('incomingFrom').textContent = `Incoming call from ${from.display_name || ''} ${from.uri}`;
  $('incoming').classList.add('show');
  setStatus('Incoming call', 'ringing');
  const gone = () => {
    if (st.incoming !== s) return;
    st.incoming = null;
    $('incoming').classList.remove('show');
    updateButtons();
  };
  s.on('failed', (ev) => {
    gone();
    if (!st.session) setStatus(`Missed call: ${ev.cause}`, 'failed');
  });
  s.on('ended', gone);
  updateButtons();
}

async function answer() {
  const s = st.incoming;
  if (!s) return;
  st.incoming = null;
  $('incoming').classList.remove('show');
  try {
    audioContext();
    const mic = await getMic();
    adopt(s);
    s.answer({ mediaStream: mic, mediaConstraints: { audio: true, video: false },
      pcConfig: { iceServers: [] } });
  } catch (e) {
    s.terminate({ status_code: 480 });
    setStatus('Cannot answer: ' + e.message, 'failed');
  }
  updateButtons();
}

function decline() {
  const s = st.incoming;
  if (s) s.terminate({ status_code: 486 });
}

function digit(d) {
  const s = st.session;
  if (s && s.isEstablished()) {
    // RFC 4733 telephone-events through the RTCDTMFSender (not SIP INFO);
    // it refuses when the answer did not accept telephone-event.
    try {
      s.sendDTMF(d, { transportType: JsSIP.C.DTMF_TRANSPORT.RFC2833, duration: 120,
        interToneGap: 70 });
      log('sent DTMF ' + d);
    } catch (e) {
      log(`DTMF ${d} not sent: ${e.name === 'InvalidStateError' ?
        'the call has no telephone-event (RFC 4733)' : e.message}`);
    }
  } else {
    $('target').value += d;
  }
}

async function register() {
  if (!$('user').value.trim()) return setStatus('Registration needs a user name');
  setStatus('Registering…');
  try {
    await ensureUa(true);
  } catch (e) {
    setStatus('Cannot register: ' + e.message);
  }
}

function unregister() {
  if (st.ua && st.registered) st.ua.unregister();
}

// ---- wiring ------------------------------------------------------------------

function init() {
  $('ws').value = defaultWsUrl();
  $('domain').placeholder = location.hostname || '127.0.0.1';
  $('target').value = params.get('to') || 'echo';
  const pad = $('keypad');
  for (const d of '123456789*0#') {
    const b = document.createElement('button');
    b.textContent = d;
    b.dataset.digit = d;
    b.addEventListener('click', () => digit(d));
    pad.appendChild(b);
  }
  $('call').addEventListener('click', call);
  $('hangup').addEventListener('click', hangup);
  $('answer').addEventListener('click', answer);
  $('decline').addEventListener('click', decline);
  $('register').addEventListener('click', register);
  $('unregister').addEventListener('click', unregister);
  $('mute').addEventListener('click', () => {
    const s = st.session;
    if (s) s.isMuted().audio ? s.unmute({ audio: true }) : s.mute({ audio: true });
  });
  $('hold').addEventListener('click', () => {
    const s = st.session;
    if (s) s.isOnHold().local ? s.unhold() : s.hold();
  });
  $('target').addEventListener('keydown', (e) => { if (e.key === 'Enter' && !$('call').disabled) call(); });
  document.addEventListener('keydown', (e) => {
    if (e.target.tagName !== 'INPUT' && /^[0-9*#]$/.test(e.key)) digit(e.key);
  });
  window.addEventListener('beforeunload', () => { hangup(); dropUa(); });
  document.body.dataset.call = 'idle';
  updateButtons();
  log(`JsSIP ${JsSIP.version}; WebSocket ${$('ws').value}`);
}

// For tests and the curious: the live objects behind the page.
window.rtcgateDemo = {
  get ua() { return st.ua; },
  get session() { return st.session; },
  get remoteStream() { return st.remoteStream; },
  get registered() { return st.registered; },
  get events() { return st.events.slice(); },
  JsSIP,
};

init();
