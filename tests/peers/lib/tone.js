'use strict';
// Tone generation and frequency measurement for audio tests (test tool only).

// Returns an Int16Array of `frames` samples of a sine at freqHz, continuing
// from phase state {phase}.
function sine(freqHz, sampleRate, frames, state, amplitude = 12000) {
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    out[i] = Math.round(amplitude * Math.sin(state.phase));
    state.phase += 2 * Math.PI * freqHz / sampleRate;
    if (state.phase > 2 * Math.PI) state.phase -= 2 * Math.PI;
  }
  return out;
}

// Dominant frequency of a block by scanning Goertzel power from 100 Hz to
// 4000 Hz in 5 Hz steps, refined to 1 Hz around the peak.  Returns
// {freq, power, rms}.
function dominant(samples, sampleRate) {
  const n = samples.length;
  let rms = 0;
  for (let i = 0; i < n; i++) rms += samples[i] * samples[i];
  rms = Math.sqrt(rms / Math.max(1, n));
  const goertzel = (f) => {
    const w = 2 * Math.PI * f / sampleRate, c = 2 * Math.cos(w);
    let s1 = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const s = samples[i] + c * s1 - s2; s2 = s1; s1 = s; }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
  };
  let best = 0, bestP = -1;
  for (let f = 100; f <= 4000; f += 5) { const p = goertzel(f); if (p > bestP) { bestP = p; best = f; } }
  for (let f = best - 5; f <= best + 5; f++) { const p = goertzel(f); if (p > bestP) { bestP = p; best = f; } }
  return { freq: best, power: bestP, rms };
}

module.exports = { sine, dominant };
