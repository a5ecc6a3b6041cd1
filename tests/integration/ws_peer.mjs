// ws_peer.mjs — a real WebSocket client (Node's built-in WebSocket, from
// undici) talking to the rg_ws_conn server in tests/unit/test_ws_peer.c.
// Usage: node --experimental-websocket ws_peer.mjs PORT
// Prints "ok - ..." / "FAIL - ..." lines; exits 0 only if all passed.
const port = process.argv[2];
const sip = 'OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS h.invalid;branch=z9hG4bK1\r\n' +
            'From: "Zoë" <sip:zoe@example.com>;tag=1\r\nContent-Length: 0\r\n\r\n';
const big = new Uint8Array(100000).map((_, i) => (i * 7) & 0xff);
let fails = 0, step = 0;
const ok = (c, what) => { console.log(`${c ? 'ok' : 'FAIL'} - node-peer/${what}`); if (!c) fails++; };
const timer = setTimeout(() => { ok(false, 'timeout'); process.exit(1); }, 10000);
const ws = new WebSocket(`ws://127.0.0.1:${port}/`, ['sip']);
ws.binaryType = 'arraybuffer';
ws.onopen = () => { ok(ws.protocol === 'sip', 'subprotocol sip'); ws.send(sip); };
ws.onmessage = (ev) => {
  step++;
  if (step === 1) {
    ok(ev.data === sip, 'text echo (UTF-8)');
    ws.send(big);
  } else if (step === 2) {
    const got = new Uint8Array(ev.data);
    ok(got.length === big.length && got.every((v, i) => v === big[i]), 'binary echo 100000 bytes');
    ws.send('close-me');
  } else {
    ok(false, 'unexpected message');
  }
};
ws.onclose = (ev) => {
  ok(ev.code === 1000 && ev.reason === 'bye' && ev.wasClean, `server close ${ev.code} ${ev.reason}`);
  clearTimeout(timer);
  process.exit(fails ? 1 : 0);
};
ws.onerror = () => ok(false, 'error event');
