// Shared by the test pages: the dominant frequency of what a remote audio
// track plays (test tool only).
async function measure(stream, ms) {
  // Samples the spectrum every 250 ms over the window and keeps the
  // strongest peak: one late or starved audio callback on a loaded machine
  // must not read as silence.
  const el = document.getElementById('remote');
  el.srcObject = stream; el.muted = true; await el.play().catch(() => {});
  const ac = new AudioContext();
  await ac.resume().catch(() => {});
  const an = ac.createAnalyser(); an.fftSize = 8192;
  ac.createMediaStreamSource(stream).connect(an);
  const bins = new Float32Array(an.frequencyBinCount);
  let best = { freq: 0, db: -Infinity };
  for (const end = Date.now() + ms; Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 250));
    an.getFloatFrequencyData(bins);
    let k = 1;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[k]) k = i;
    if (bins[k] > best.db) best = { freq: Math.round(k * ac.sampleRate / an.fftSize), db: bins[k] };
  }
  ac.close();
  return best;
}
