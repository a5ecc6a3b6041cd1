'use strict';
// Headless Chromium opens the demo page rtcgated serves (build/web) and
// reports what a user's browser would do with it: every request it makes
// (all must go back to rtcgate itself: no CDN), console errors, the JsSIP
// version bundled, and whether pressing Call reaches rtcgate's WebSocket at
// the default URL (ws://<page host>/).  The call's outcome is not judged
// here (tests/integration/demo_call.sh does that).
//
//   node demo_page.js --url http://127.0.0.1:8080/
//
// Prints one JSON line; exit 0 when the page passes.
const { launch } = require('./lib/chromium');

const argv = process.argv.slice(2);
const arg = (name, dflt) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : dflt);
const url = arg('--url', 'http://127.0.0.1:8080/');

async function main() {
  const origin = new URL(url);
  const browser = await launch();
  const out = { requests: [], websockets: [], consoleErrors: [], pageErrors: [] };
  const { page } = browser;
  page.on('request', (r) => out.requests.push(r.url()));
  page.on('websocket', (ws) => out.websockets.push(ws.url()));
  page.on('console', (m) => { if (m.type() === 'error') out.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => out.pageErrors.push(String(e)));
  try {
    const resp = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    out.status = resp && resp.status();
    out.title = await page.title();
    out.jssip = await page.evaluate(() => window.rtcgateDemo && window.rtcgateDemo.JsSIP.version);
    out.wsField = await page.inputValue('#ws');
    out.target = await page.inputValue('#target');
    out.controls = await page.evaluate(() => ['call', 'hangup', 'mute', 'hold', 'register', 'remote',
      'micLevel', 'remoteLevel', 'timer', 'statusText'].filter((id) => !document.getElementById(id)));
    out.keypad = await page.evaluate(() =>
      [...document.querySelectorAll('#keypad button')].map((b) => b.dataset.digit).join(''));
    await page.click('#call');
    await page.waitForFunction(() => document.getElementById('wsstate').textContent === 'connected',
      null, { timeout: 10000 }).then(() => { out.wsConnected = true; }, () => { out.wsConnected = false; });
    out.statusText = await page.textContent('#statusText');
    await page.click('#hangup').catch(() => {});
    await page.waitForTimeout(300);
  } catch (e) {
    out.error = String(e);
  }
  await browser.close();
  const local = (u) => u.startsWith(origin.origin + '/') || u.startsWith('data:');
  out.external = out.requests.filter((u) => !local(u));
  const wsWant = `ws://${origin.host}/`;
  out.pass = !out.error && out.status === 200 && out.title === 'rtcgate demo phone' &&
    /^\d+\.\d+\.\d+$/.test(out.jssip || '') && out.wsField === wsWant && out.controls.length === 0 &&
    out.keypad === '123456789*0#' && out.requests.length >= 2 && out.external.length === 0 &&
    out.pageErrors.length === 0 && out.wsConnected === true &&
    out.websockets.length >= 1 && out.websockets.every((w) => w === wsWant);
  console.log(JSON.stringify(out));
  process.exit(out.pass ? 0 : 1);
}

main().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });
