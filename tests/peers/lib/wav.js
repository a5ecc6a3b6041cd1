'use strict';
// Writes a mono 16-bit PCM WAV file of a sine tone (test tool only).
const fs = require('fs');
const { sine } = require('./tone');

function writeToneWav(path, freqHz, sampleRate, seconds) {
  const samples = sine(freqHz, sampleRate, Math.round(sampleRate * seconds), { phase: 0 });
  const data = Buffer.from(samples.buffer);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0); h.writeUInt32LE(36 + data.length, 4); h.write('WAVE', 8);
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24); h.writeUInt32LE(sampleRate * 2, 28); h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34); h.write('data', 36); h.writeUInt32LE(data.length, 40);
  fs.writeFileSync(path, Buffer.concat([h, data]));
}

module.exports = { writeToneWav };
