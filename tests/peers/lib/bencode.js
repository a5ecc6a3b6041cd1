'use strict';
// Minimal bencode encoder/decoder for the rtpengine "ng" control protocol
// (test tool only).  Strings decode to Buffers unless they are valid UTF-8
// text the caller asks for with toString().
function encode(v) {
  if (Buffer.isBuffer(v)) return Buffer.concat([Buffer.from(`${v.length}:`), v]);
  if (typeof v === 'string') return encode(Buffer.from(v, 'utf8'));
  if (typeof v === 'number') return Buffer.from(`i${Math.trunc(v)}e`);
  if (Array.isArray(v)) return Buffer.concat([Buffer.from('l'), ...v.map(encode), Buffer.from('e')]);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    const parts = [Buffer.from('d')];
    for (const k of keys) parts.push(encode(k), encode(v[k]));
    parts.push(Buffer.from('e'));
    return Buffer.concat(parts);
  }
  throw new Error('cannot bencode ' + typeof v);
}

function decode(buf, pos = 0) {
  const c = String.fromCharCode(buf[pos]);
  if (c === 'i') {
    const end = buf.indexOf(0x65, pos);
    return [parseInt(buf.slice(pos + 1, end).toString(), 10), end + 1];
  }
  if (c === 'l') {
    const out = []; pos++;
    while (buf[pos] !== 0x65) { const [v, p] = decode(buf, pos); out.push(v); pos = p; }
    return [out, pos + 1];
  }
  if (c === 'd') {
    const out = {}; pos++;
    while (buf[pos] !== 0x65) {
      const [k, p1] = decode(buf, pos); const [v, p2] = decode(buf, p1);
      out[k.toString()] = v; pos = p2;
    }
    return [out, pos + 1];
  }
  const colon = buf.indexOf(0x3a, pos);
  const len = parseInt(buf.slice(pos, colon).toString(), 10);
  return [buf.slice(colon + 1, colon + 1 + len), colon + 1 + len];
}

// Converts Buffers to strings recursively (for SDP and result fields).
function textify(v) {
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (Array.isArray(v)) return v.map(textify);
  if (v && typeof v === 'object') {
    const o = {}; for (const k of Object.keys(v)) o[k] = textify(v[k]); return o;
  }
  return v;
}

module.exports = { encode, decode: (b) => decode(b)[0], textify };
