'use strict';
// ng control client over UDP: "<cookie> <bencoded dict>" (test tool only).
const dgram = require('dgram');
const crypto = require('crypto');
const { encode, decode, textify } = require('./bencode');

class NgClient {
  constructor(host, port) {
    this.host = host; this.port = port;
    this.sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.pending = new Map();
    this.sock.on('message', (msg) => {
      const sp = msg.indexOf(0x20);
      const cookie = msg.slice(0, sp).toString();
      const p = this.pending.get(cookie);
      if (!p) return;
      this.pending.delete(cookie);
      clearTimeout(p.timer);
      try { p.resolve(textify(decode(msg.slice(sp + 1)))); } catch (e) { p.reject(e); }
    });
  }
  command(dict, timeoutMs = 3000) {
    const cookie = crypto.randomBytes(6).toString('hex');
    const pkt = Buffer.concat([Buffer.from(cookie + ' '), encode(dict)]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.pending.delete(cookie); reject(new Error(`ng ${dict.command}: timeout`)); }, timeoutMs);
      this.pending.set(cookie, { resolve, reject, timer });
      this.sock.send(pkt, this.port, this.host);
    });
  }
  close() { this.sock.close(); }
}

module.exports = { NgClient };
