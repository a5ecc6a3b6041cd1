'use strict';
// Drives the product's demo page (build/web, served by rtcgated) in headless
// Chromium like a user: buttons, the status the page shows, and the SIP
// frames its WebSocket carries (test tool only).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { launch } = require('./chromium');
const { writeToneWav } = require('./wav');

// Opens `url` with a fake microphone playing a 1 kHz tone.  Returns
// { page, frames, close } where frames are the SIP messages over the page's
// WebSocket: { dir: 'in'|'out', text, t }.
async function openDemo(url) {
  const wavDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rg-wav-'));
  const wav = path.join(wavDir, 'tone1k.wav');
  writeToneWav(wav, 1000, 48000, 5);
  const browser = await launch({ wav });
  const { page } = browser;
  const frames = [];
  const errors = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => frames.push({ dir: 'in', text: String(f.payload), t: Date.now() }));
    ws.on('framesent', (f) => frames.push({ dir: 'out', text: String(f.payload), t: Date.now() }));
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load', timeout: 15000 });
  await page.addScriptTag({ content: fs.readFileSync(path.join(__dirname, '..', 'web', 'measure.js'), 'utf8') });
  const close = async () => {
    await browser.close();
    fs.rmSync(wavDir, { recursive: true, force: true });
  };
  return { page, frames, errors, close };
}

// Waits until the page's call state (body[data-call]) is one of `states`;
// returns it, or 'timeout'.
async function waitState(page, states, ms) {
  try {
    await page.waitForFunction((s) => s.includes(document.body.dataset.call), states, { timeout: ms });
  } catch (e) {
    return 'timeout';
  }
  return page.evaluate(() => document.body.dataset.call);
}

// Dominant frequency of what the call plays for `ms` (measure.js).
async function tone(page, ms) {
  return page.evaluate((t) => measure(window.rtcgateDemo.remoteStream, t), ms);
}

// Status line, call state and the peer connection's figures.
async function snapshot(page) {
  return page.evaluate(async () => {
    const s = window.rtcgateDemo.session;
    const out = { call: document.body.dataset.call,
      status: document.getElementById('statusText').textContent,
      timer: document.getElementById('timer').textContent };
    const pc = s && s.connection;
    if (!pc) return out;
    out.connectionState = pc.connectionState;
    out.localSdp = pc.localDescription && pc.localDescription.sdp;
    out.remoteSdp = pc.remoteDescription && pc.remoteDescription.sdp;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') out.packetsReceived = r.packetsReceived;
      if (r.type === 'outbound-rtp' && r.kind === 'audio') out.packetsSent = r.packetsSent;
      if (r.type === 'transport' && r.dtlsState) out.dtlsState = r.dtlsState;
    });
    return out;
  });
}

// First line of every SIP message in `frames` of direction `dir` whose
// CSeq method is `method` (responses and requests).
function sipLines(frames, dir, method) {
  return frames.filter((f) => f.dir === dir && new RegExp(`^CSeq:\\s*\\d+\\s+${method}\\b`, 'mi').test(f.text))
    .map((f) => f.text.split('\r\n')[0]);
}

module.exports = { openDemo, waitState, tone, snapshot, sipLines };
