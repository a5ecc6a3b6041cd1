'use strict';
// Issue 5's call flows between a browser and a SIP phone through rtcgate's
// embedded default: the demo page in headless Chromium (JsSIP over
// SIP/WebSocket) calls; sipp on 127.0.0.1:5080 (the default route) plays the
// phone with a scenario per flow (tests/integration/flows/*.xml) and
// -rtp_echo, so the browser's 1 kHz tone comes back when media flows.
//
//   busy    sipp answers 486: the browser's call fails with 486 (Busy).
//   cancel  sipp rings; the browser hangs up: sipp receives the CANCEL, the
//           browser the 487.
//   hold    hold and resume from the browser (JsSIP session.hold/unhold):
//           sipp checks a=sendonly then a resume; the tone comes back after.
//   ice     pc ICE restart mid-call (JsSIP renegotiate with iceRestart): new
//           credentials, the tone keeps coming back.
//   status  `rtcgate show status global callDetailStatus` during the call:
//           ST_ICE_COMPLETE, srtp-terminated, DTLS TERMINATED, trunk groups
//           and zones of the default, the real addresses on both legs.
//   incoming the page registers as alice (Register box); sipp (built-in
//           uac, -rtp_echo) calls sip:alice@ over UDP; the page rings, the
//           test presses Answer, the tone comes back, sipp's BYE ends it.
//
//   node b2bua_flows.js --url http://127.0.0.1:8080/ --rtcgate build/rtcgate
//        --state STATE_DIR --flows tests/integration/flows --tmp DIR
//
// Prints one JSON line {flow: {pass, ...}}; exit 0 when every flow passed.
const { spawn, execFile, execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { openDemo, waitState, tone, snapshot, sipLines } = require('./lib/demo');

const argv = process.argv.slice(2);
const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const url = arg('--url', 'http://127.0.0.1:8080/');
const rtcgate = arg('--rtcgate', 'build/rtcgate');
const stateDir = arg('--state', '.state');
const flowsDir = arg('--flows', path.join(__dirname, '..', 'integration', 'flows'));
const tmp = arg('--tmp', fs.mkdtempSync('/tmp/rg-flows-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function listening(port) {
  try {
    return execFileSync('ss', ['-Hlnu', `( sport = :${port} )`]).toString().trim() !== '';
  } catch (e) {
    return false;
  }
}

// sipp as the SIP phone for one call of scenario `name`.
async function sipp(name) {
  const msg = path.join(tmp, `${name}.msg`);
  const err = path.join(tmp, `${name}.err`);
  const p = spawn('sipp', ['-sf', path.join(flowsDir, `${name}.xml`), '-i', '127.0.0.1', '-p', '5080',
    '-mi', '127.0.0.1', '-mp', '6000', '-ci', '127.0.0.1', '-rtp_echo', '-m', '1', '-nostdin',
    '-timeout', '60s', '-timeout_error', '-trace_msg', '-message_file', msg, '-trace_err',
    '-error_file', err], { stdio: 'ignore' });
  const done = new Promise((r) => p.on('exit', (code, sig) => r(code === null ? sig : code)));
  for (let i = 0; i < 50 && !listening(5080); i++) await sleep(100);
  const read = (f) => { try { return fs.readFileSync(f, 'utf8'); } catch (e) { return ''; } };
  return {
    // sipp's exit status (0: the scenario ran to its end), or 'timeout'.
    result: (ms) => Promise.race([done, sleep(ms).then(() => { p.kill('SIGKILL'); return 'timeout'; })]),
    messages: () => read(msg),
    errors: () => read(err).slice(-1500),
  };
}

// Polls `cond` (sync) every 100 ms for up to ms; true when it held.
async function until(cond, ms) {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (cond()) return true;
  return cond();
}

async function idle(page) {
  await waitState(page, ['idle', 'ended', 'failed'], 10000);
  await sleep(300);
}

async function busy(demo) {
  const { page, frames } = demo;
  const phone = await sipp('busy');
  const mark = frames.length;
  await page.click('#call');
  const out = { state: await waitState(page, ['failed', 'ended', 'in-call'], 15000) };
  out.status = await page.textContent('#statusText');
  out.got = sipLines(frames.slice(mark), 'in', 'INVITE');
  out.sipp = await phone.result(10000);
  out.pass = out.state === 'failed' && /Busy/.test(out.status) && /486/.test(out.status) &&
    out.got.some((l) => /^SIP\/2\.0 486/.test(l)) && out.sipp === 0;
  if (!out.pass) out.sippErrors = phone.errors();
  await idle(page);
  return out;
}

async function cancel(demo) {
  const { page, frames } = demo;
  const phone = await sipp('cancel');
  const mark = frames.length;
  await page.click('#call');
  const out = { ringing: await waitState(page, ['ringing', 'failed', 'in-call'], 15000) };
  await sleep(300);
  await page.click('#hangup');
  out.state = await waitState(page, ['failed', 'ended'], 5000);
  out.status = await page.textContent('#statusText');
  const got487 = () => sipLines(frames.slice(mark), 'in', 'INVITE').some((l) => /^SIP\/2\.0 487/.test(l));
  out.got487 = await until(got487, 5000);
  out.sentCancel = sipLines(frames.slice(mark), 'out', 'CANCEL').some((l) => /^CANCEL /.test(l));
  out.sipp = await phone.result(10000);
  out.sippSawCancel = /^CANCEL sip:/m.test(phone.messages());
  out.pass = out.ringing === 'ringing' && out.state === 'failed' && /Canceled/.test(out.status) &&
    out.got487 && out.sentCancel && out.sippSawCancel && out.sipp === 0;
  if (!out.pass) out.sippErrors = phone.errors();
  await idle(page);
  return out;
}

function parseDetail(text) {
  const fields = {};
  for (const m of text.matchAll(/^\s+(\w+)\s+("[^"]*"|[^;\s]+);/mg)) fields[m[1]] = m[2].replace(/^"|"$/g, '');
  return fields;
}

function cli(...args) {
  return new Promise((r) => execFile(rtcgate, ['--state-dir', stateDir, ...args], { timeout: 10000 },
    (e, stdout, stderr) => r(String(stdout) + (e ? `\n[exit ${e.code}] ${stderr}` : ''))));
}

// The browser's selected ICE pair: its own and rtcgate's address.
async function selectedPair(page) {
  return page.evaluate(async () => {
    const stats = await window.rtcgateDemo.session.connection.getStats();
    let pair = null;
    stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId); });
    if (!pair) return null;
    const l = stats.get(pair.localCandidateId);
    const rm = stats.get(pair.remoteCandidateId);
    return { local: `${l.address || l.ip}/ ${l.port}`, remote: `${rm.address || rm.ip}/ ${rm.port}` };
  });
}

function statusChecks(f, pair, phoneSdpPort) {
  const has = (k, re) => re.test(f[k] || '');
  const c = {
    iceComplete: has('ingressMediaStream1IceState', /^ST_ICE_COMPLETE$/),
    egressIceNone: has('egressMediaStream1IceState', /^NONE$/),
    srtpTerminated: has('ingressMediaStream1Security', /srtp-terminated/),
    egressPlain: has('egressMediaStream1Security', /rtp-disabled/),
    dtlsTerminated: has('ingressDtlsStream1', /^TERMINATED$/),
    trunks: f.ingressTrunkName === 'TG_WRTC' && f.egressTrunkName === 'TG_SIP',
    zones: f.ingressZoneName === 'ZONE_WRTC' && f.egressZoneName === 'ZONE_SIP',
    egressSignalling: f.egressRemoteIpSockAddr === '127.0.0.1' && f.egressRemotePort === '5080',
    egressMedia: has('egressMediaStream1RemoteIpSockAddr', new RegExp(`^127\\.0\\.0\\.1/ ${phoneSdpPort}\\b`)),
    browserMedia: !!pair && (f.ingressMediaStream1RemoteIpSockAddr || '').startsWith(pair.local),
    rtcgateMedia: !!pair && (f.ingressMediaStream1LocalIpSockAddr || '').startsWith(pair.remote),
  };
  return c;
}

const count200 = (frames, mark) =>
  sipLines(frames.slice(mark), 'in', 'INVITE').filter((l) => /^SIP\/2\.0 200/.test(l)).length;
const ufrag = (sdp) => ((sdp || '').match(/^a=ice-ufrag:(\S+)/m) || [])[1];

async function holdIceStatus(demo, results) {
  const { page, frames } = demo;
  const phone = await sipp('hold');
  const mark = frames.length;
  await page.click('#call');
  const hold = { state: await waitState(page, ['in-call', 'failed', 'ended'], 20000) };
  results.hold = hold;
  if (hold.state !== 'in-call') {
    hold.status = await page.textContent('#statusText');
    hold.sippErrors = phone.errors();
    return;
  }
  hold.toneBefore = (await tone(page, 3000)).freq;

  // callDetailStatus while the call runs.
  const pair = await selectedPair(page);
  const text = await cli('show', 'status', 'global', 'callDetailStatus');
  const f = parseDetail(text);
  const checks = statusChecks(f, pair, 6000); // sipp -mp: the port it answers with
  results.status = { pass: Object.values(checks).every(Boolean), checks, pair,
    text: text.slice(0, 2500) };

  await page.click('#hold');
  hold.holdAnswered = await until(() => count200(frames, mark) >= 2, 10000);
  hold.holdOffer = /a=sendonly/.test(frames.slice(mark).filter((x) => x.dir === 'out' &&
    /^INVITE /.test(x.text)).map((x) => x.text)[1] || '');
  hold.onHoldStatus = await page.textContent('#statusText');
  if (!hold.holdAnswered || !/On hold/.test(hold.onHoldStatus)) {
    hold.answer = sipLines(frames.slice(mark), 'in', 'INVITE').slice(-2);
    hold.reinviteAnswer = frames.slice(mark).filter((x) => x.dir === 'in' && /^SIP\/2\.0 200/.test(x.text) &&
      /^CSeq:\s*\d+ INVITE/mi.test(x.text)).map((x) => x.text).slice(1).join('\n----\n');
    hold.events = await page.evaluate(() => window.rtcgateDemo.events.slice(-12));
    hold.pass = false;
    await page.click('#hangup').catch(() => {});
    hold.sippErrors = phone.errors();
    return;
  }
  await sleep(500);
  await page.click('#hold');
  hold.resumeAnswered = await until(() => count200(frames, mark) >= 3, 10000);
  hold.toneAfter = (await tone(page, 3000)).freq;
  hold.pass = hold.holdAnswered && hold.holdOffer && /On hold/.test(hold.onHoldStatus) &&
    hold.resumeAnswered && Math.abs(hold.toneBefore - 1000) <= 10 && Math.abs(hold.toneAfter - 1000) <= 10;

  const ice = {};
  results.ice = ice;
  const before = await snapshot(page);
  ice.ufragBefore = ufrag(before.localSdp);
  ice.remoteUfragBefore = ufrag(before.remoteSdp);
  ice.renegotiate = await page.evaluate(() => new Promise((res) => {
    const s = window.rtcgateDemo.session;
    const started = s.renegotiate({ rtcOfferConstraints: { iceRestart: true } }, () => res('done'));
    if (!started) res('refused');
    setTimeout(() => res('timeout'), 10000);
  }));
  ice.answered = await until(() => count200(frames, mark) >= 4, 5000);
  // Packets received and the selected pair each 250 ms for 2 s after the restart.
  ice.timeline = [];
  for (let i = 0; i < 8; i++) {
    const sn = await snapshot(page);
    const pr = await selectedPair(page);
    ice.timeline.push(`${sn.packetsReceived}/${sn.packetsSent} ${pr ? pr.local + '>' + pr.remote : '-'}`);
    await sleep(250);
  }
  const snap = await snapshot(page);
  ice.ufragAfter = ufrag(snap.localSdp);
  ice.remoteUfragAfter = ufrag(snap.remoteSdp);
  const t = await tone(page, 3000);
  ice.toneAfter = t.freq;
  ice.toneDb = t.db;
  ice.connectionState = (await snapshot(page)).connectionState;
  ice.pass = ice.renegotiate === 'done' && ice.answered && !!ice.ufragAfter &&
    ice.ufragAfter !== ice.ufragBefore && Math.abs(ice.toneAfter - 1000) <= 10 && ice.toneDb > -80 &&
    ice.connectionState === 'connected';

  await page.click('#hangup');
  hold.end = await waitState(page, ['ended'], 5000);
  hold.sipp = await phone.result(10000);
  hold.pass = hold.pass && hold.end === 'ended' && hold.sipp === 0;
  if (!hold.pass || !ice.pass) hold.sippErrors = phone.errors();
  if (process.env.RG_FLOWS_DEBUG) {
    console.error(JSON.stringify(ice));
    for (const x of frames.slice(mark)) {
      const cs = (x.text.match(/^CSeq:.*$/mi) || [''])[0];
      const uf = (x.text.match(/^a=ice-ufrag:.*$/mg) || []).join(',');
      const cand = (x.text.match(/^a=candidate:.*$/mg) || []).map((c) => c.split(' ').slice(4, 6).join(':')).join(',');
      console.error(`${x.t} ${x.dir} ${x.text.split('\r\n')[0]} | ${cs} | ${uf} | ${cand}`);
    }
    console.error((await page.evaluate(() => window.rtcgateDemo.events.filter((e) => !/SDP/.test(e)))).join('\n'));
  }
}

async function incoming(demo) {
  const { page } = demo;
  const out = {};
  await page.click('#regbox summary'); /* open the Register box, as a user would */
  await page.fill('#user', 'alice');
  await page.click('#register');
  out.registered = await page.waitForFunction(() => window.rtcgateDemo.registered, null,
    { timeout: 10000 }).then(() => true, () => false);
  if (!out.registered) {
    out.status = await page.textContent('#statusText');
    return out;
  }
  const err = path.join(tmp, 'incoming.err');
  const p = spawn('sipp', ['-sn', 'uac', '-s', 'alice', '127.0.0.1:5060', '-i', '127.0.0.1', '-p', '5070',
    '-mi', '127.0.0.1', '-mp', '16100', '-ci', '127.0.0.1', '-rtp_echo', '-nostdin', '-m', '1',
    '-d', '6000', '-timeout', '40s', '-timeout_error', '-trace_err', '-error_file', err],
  { stdio: 'ignore' });
  const done = new Promise((r) => p.on('exit', (code, sig) => r(code === null ? sig : code)));
  out.ringing = await waitState(page, ['ringing'], 10000);
  out.from = await page.textContent('#incomingFrom');
  await page.click('#answer');
  out.state = await waitState(page, ['in-call', 'failed', 'ended'], 10000);
  if (out.state === 'in-call') out.tone = (await tone(page, 3000)).freq;
  out.end = await waitState(page, ['ended'], 15000);
  out.endStatus = await page.textContent('#statusText');
  out.sipp = await Promise.race([done, sleep(15000).then(() => { p.kill('SIGKILL'); return 'timeout'; })]);
  out.pass = out.ringing === 'ringing' && /alice|sipp/.test(out.from) && out.state === 'in-call' &&
    Math.abs(out.tone - 1000) <= 10 && out.end === 'ended' && /by remote/.test(out.endStatus) &&
    out.sipp === 0;
  if (!out.pass) { try { out.sippErrors = fs.readFileSync(err, 'utf8').slice(-1500); } catch (e) { /* none */ } }
  return out;
}

async function main() {
  const demo = await openDemo(url);
  const results = {};
  try {
    results.busy = await busy(demo);
    results.cancel = await cancel(demo);
    await holdIceStatus(demo, results);
    await idle(demo.page);
    results.incoming = await incoming(demo);
  } catch (e) {
    results.error = String(e);
  }
  results.pageErrors = demo.errors;
  await demo.close();
  const flows = ['busy', 'cancel', 'hold', 'ice', 'status', 'incoming'];
  for (const k of flows) results[k] = results[k] || { pass: false, error: 'not run' };
  console.log(JSON.stringify(results));
  process.exit(!results.error && flows.every((k) => results[k].pass) ? 0 : 1);
}

main().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
