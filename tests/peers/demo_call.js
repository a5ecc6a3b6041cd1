'use strict';
// What a person does with `make run`: open the demo page, press Call, hear
// the echo, press Hang up.  Headless Chromium's fake microphone plays a 1 kHz
// tone; the echo peer `make run` starts sends every RTP packet back, so the
// tone must return through rtcgate with its frequency intact (WebAudio).
//
//   node demo_call.js --url http://127.0.0.1:8080/
//
// Prints one JSON line; exit 0 when the call passed.
const { openDemo, waitState, tone, snapshot, sipLines } = require('./lib/demo');

const argv = process.argv.slice(2);
const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const url = arg('--url', 'http://127.0.0.1:8080/');

async function main() {
  const demo = await openDemo(url);
  const { page } = demo;
  const out = {};
  try {
    await page.click('#call');
    out.state = await waitState(page, ['in-call', 'failed', 'ended'], 20000);
    if (out.state === 'in-call') {
      const t = await tone(page, 4000);
      out.toneHz = t.freq;
      out.toneDb = t.db;
      Object.assign(out, await snapshot(page));
      await page.click('#keypad button[data-digit="5"]');
      await new Promise((r) => setTimeout(r, 300));
      out.dtmf = await page.evaluate(() => window.rtcgateDemo.events.filter((e) => /DTMF 5/.test(e)));
      await page.click('#hangup');
      out.endState = await waitState(page, ['ended'], 5000);
      out.endStatus = await page.textContent('#statusText');
    } else {
      out.status = await page.textContent('#statusText');
    }
  } catch (e) {
    out.error = String(e);
  }
  out.answerHasTelephoneEvent = /telephone-event\/8000/.test(out.remoteSdp || '');
  out.byeSent = sipLines(demo.frames, 'out', 'BYE').length > 0;
  out.byeAnswered = sipLines(demo.frames, 'in', 'BYE').some((l) => / 200 /.test(l));
  out.pageErrors = demo.errors;
  out.events = await page.evaluate(() => window.rtcgateDemo.events.filter((e) => !/SDP /.test(e)))
    .catch(() => []);
  await demo.close();
  const sdp = out.remoteSdp || '';
  out.pass = !out.error && out.state === 'in-call' && Math.abs(out.toneHz - 1000) <= 10 &&
    out.toneDb > -80 && out.packetsReceived > 50 && out.connectionState === 'connected' &&
    /UDP\/TLS\/RTP\/SAVPF/.test(sdp) && /a=fingerprint:sha-256 /.test(sdp) && /a=ice-ufrag:/.test(sdp) &&
    /a=rtcp-mux/.test(sdp) && out.endState === 'ended' && out.byeSent && out.byeAnswered &&
    // RFC 4733 DTMF goes out when the answer has telephone-event, else the page says why not.
    (/telephone-event\/8000/.test(sdp) ? (out.dtmf || []).some((e) => /sent DTMF 5/.test(e))
      : (out.dtmf || []).some((e) => /DTMF 5 not sent/.test(e))) &&
    out.pageErrors.length === 0;
  if (out.pass) delete out.events;
  console.log(JSON.stringify(out));
  process.exit(out.pass ? 0 : 1);
}

main().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
