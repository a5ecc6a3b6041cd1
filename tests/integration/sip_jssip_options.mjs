// sip_jssip_options.mjs — JsSIP (npm, the library the demo page uses) over
// rtcgate's SIP-over-WebSocket listener: JsSIP's own Via (WS, .invalid host)
// and Contact (;ob) go through the codec, and its OPTIONS is answered 200 on
// the same WebSocket (RFC 7118 §5).  Node has no browser WebSocket without a
// flag, so the npm `ws` package stands in for it.
// Usage: node sip_jssip_options.mjs URL
import { createRequire } from 'node:module';
const require = createRequire(new URL('../peers/package.json', import.meta.url));
globalThis.WebSocket = require('ws');
const JsSIP = require('jssip');
const url = process.argv[2];
let fails = 0;
const ok = (c, what) => { console.log(`${c ? 'ok' : 'FAIL'} - jssip/${what}`); if (!c) fails++; };
const socket = new JsSIP.WebSocketInterface(url);
const ua = new JsSIP.UA({ sockets: [socket], uri: 'sip:alice@127.0.0.1', register: false,
                          connection_recovery_min_interval: 60 });
const done = () => { clearTimeout(timer); ua.stop(); setTimeout(() => process.exit(fails ? 1 : 0), 200); };
const timer = setTimeout(() => { ok(false, 'timeout'); done(); }, 10000);
ua.on('connected', () => {
  ok(true, 'WebSocket connected with subprotocol sip');
  ua.sendOptions('sip:probe@127.0.0.1', null, {
    eventHandlers: {
      succeeded: (e) => {
        ok(e.response.status_code === 200, `OPTIONS answered ${e.response.status_code}`);
        done();
      },
      failed: (e) => { ok(false, `OPTIONS failed: ${e.cause}`); done(); },
    },
  });
});
ua.on('disconnected', () => { });
ua.start();
