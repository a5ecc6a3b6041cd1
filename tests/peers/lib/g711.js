'use strict';
// G.711 decoding for test endpoints (ITU-T G.711 tables 1a/2a expressed as
// the usual segment/quantisation formulas).  Test tool only.

function ulaw(b) {
  const u = ~b & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}

function alaw(b) {
  const a = b ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = seg === 0 ? t + 8 : seg === 1 ? t + 0x108 : (t + 0x108) << (seg - 1);
  return (a & 0x80) ? t : -t;
}

// Decodes a PCMU or PCMA payload to an array of 16-bit samples.
function decodeG711(payload, codec) {
  const f = codec === 'PCMA' ? alaw : ulaw;
  const out = new Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = f(payload[i]);
  return out;
}

module.exports = { decodeG711 };
