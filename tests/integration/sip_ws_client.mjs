// sip_ws_client.mjs — a SIP-over-WebSocket client (RFC 7118) as JsSIP and
// SIP.js behave: subprotocol "sip", Via transport WS with a .invalid host,
// Contact with ;ob, CRLFCRLF keep-alive.  Uses the npm `ws` package of
// tests/peers (it can skip certificate checks for wss with a self-signed
// certificate).  Sends OPTIONS, a malformed request, a keep-alive and
// OPTIONS again; all answers must come back on the same connection.
// Usage: node sip_ws_client.mjs URL NAME
// Prints "ok - NAME/..." / "FAIL - NAME/..." lines; exit 0 only if all passed.
import { createRequire } from 'node:module';
const require = createRequire(new URL('../peers/package.json', import.meta.url));
const WebSocket = require('ws');
const [url, name] = process.argv.slice(2);
const opt = (id) => `OPTIONS sip:127.0.0.1 SIP/2.0\r\n` +
  `Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK${id};rport\r\n` +
  `Max-Forwards: 69\r\nTo: <sip:127.0.0.1>\r\nFrom: "Zoë" <sip:zoe@example.com>;tag=${id}\r\n` +
  `Call-ID: ${id}\r\nCSeq: 1 OPTIONS\r\n` +
  `Contact: <sip:zoe@df7jal23ls0d.invalid;transport=ws;ob>\r\nContent-Length: 0\r\n\r\n`;
const bad = `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WSS x.invalid;branch=z9hG4bKbad\r\n` +
  `To: <sip:127.0.0.1>\r\nFrom: <sip:z@example.com>;tag=b\r\nCSeq: 1 OPTIONS\r\n\r\n`;
let fails = 0;
const ok = (c, what) => { console.log(`${c ? 'ok' : 'FAIL'} - ${name}/${what}`); if (!c) fails++; };
const timer = setTimeout(() => { ok(false, 'timeout'); process.exit(1); }, 10000);
const ws = new WebSocket(url, ['sip'], { rejectUnauthorized: false });
const want = [
  (m) => {
    ok(/^SIP\/2\.0 200 OK\r\n/.test(m) && m.includes('Call-ID: a1\r\n'),
       'OPTIONS answered 200 on the same connection');
    ok(/\r\nVia: SIP\/2\.0\/WSS df7jal23ls0d\.invalid;branch=z9hG4bKa1;rport=\d+;received=127\.0\.0\.1\r\n/.test(m),
       'top Via stamped with rport= and received= (RFC 3581)');
  },
  (m) => ok(/^SIP\/2\.0 400 Bad Request - Missing Call-ID\r\n/.test(m), 'malformed request gets 400'),
  (m) => ok(m === '\r\n', 'CRLFCRLF keep-alive answered with CRLF'),
  (m) => ok(/^SIP\/2\.0 200 OK\r\n/.test(m) && m.includes('Call-ID: a2\r\n'),
            'connection still serves after the 400'),
];
ws.on('open', () => {
  ok(ws.protocol === 'sip', 'subprotocol sip agreed');
  ws.send(opt('a1'));
});
ws.on('message', (data) => {
  const m = data.toString();
  const f = want.shift();
  if (!f) { ok(false, `unexpected message ${m.slice(0, 40)}`); return; }
  f(m);
  if (want.length === 3) ws.send(bad);
  else if (want.length === 2) ws.send('\r\n\r\n');
  else if (want.length === 1) ws.send(opt('a2'));
  else ws.close(1000);
});
ws.on('close', () => {
  clearTimeout(timer);
  ok(want.length === 0, 'all answers received');
  process.exit(fails ? 1 : 0);
});
ws.on('error', (e) => { ok(false, `error ${e.message}`); });
