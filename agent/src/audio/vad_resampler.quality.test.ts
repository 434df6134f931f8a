import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolyphaseResampler } from './vad_resampler.js';

const tone = (hz: number, rate: number, n: number, amp = 16384) =>
  Int16Array.from({ length: n }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)),
  );

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

/** Resamples 24 kHz -> 16 kHz in 10 ms chunks; returns the output after the filter settles. */
function through(input: Int16Array): Float32Array {
  const r = new PolyphaseResampler(24_000, 16_000);
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += 240) parts.push(r.push(input.subarray(i, i + 240)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.subarray(800);
}

describe('24 kHz -> 16 kHz polyphase resampler', () => {
  it('makes exactly 160 samples of every 10 ms frame', () => {
    const r = new PolyphaseResampler(24_000, 16_000);
    for (let i = 0; i < 10; i++) assert.equal(r.push(new Int16Array(240)).length, 160);
  });

  it('passes speech frequencies at unity gain', () => {
    for (const hz of [200, 1000, 3000, 5000]) {
      const out = through(tone(hz, 24_000, 24_000));
      const gainDb = 20 * Math.log10(rms(out) / (0.5 / Math.SQRT2));
      assert.ok(Math.abs(gainDb) < 0.2, `${hz} Hz: ${gainDb.toFixed(2)} dB`);
    }
  });

  it('removes what would alias above the new Nyquist', () => {
    for (const hz of [8500, 10_000, 11_500]) {
      const out = through(tone(hz, 24_000, 24_000));
      const gainDb = 20 * Math.log10(rms(out) / (0.5 / Math.SQRT2));
      assert.ok(gainDb < -60, `${hz} Hz: ${gainDb.toFixed(1)} dB`);
    }
  });

  it('gives the same output whatever the chunking, even varying push to push', () => {
    const input = tone(440, 24_000, 7_000);
    const whole = new PolyphaseResampler(24_000, 16_000).push(input);
    const r = new PolyphaseResampler(24_000, 16_000);
    const pieces: number[] = [];
    const sizes = [1, 2, 3, 239, 241, 500, 13];
    for (let at = 0, k = 0; at < input.length; k++) {
      const size = sizes[k % sizes.length]!;
      pieces.push(...r.push(input.subarray(at, at + size)));
      at += size;
    }
    assert.equal(pieces.length, whole.length);
    pieces.forEach((v, i) => assert.ok(Math.abs(v - whole[i]!) < 1e-6, `sample ${i}`));
  });
});
