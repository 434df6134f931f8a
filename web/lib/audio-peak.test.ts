import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldPoll, formatPeak, mergeStats, SILENT, windowPeak } from './audio-peak';

describe('audio peak hooks', () => {
  it('silence keeps the peak at 0 and no first-audio time', () => {
    const stats = foldPoll(SILENT, new Float32Array(256), 1_000);
    assert.equal(stats, SILENT);
    assert.deepEqual(formatPeak(stats), { peak: '0.0000', firstAudioAt: '' });
  });

  it('noise under 0.01 raises the peak but does not count as audio', () => {
    const stats = foldPoll(SILENT, [0.004, -0.009, 0.002], 1_000);
    assert.deepEqual(stats, { peak: 0.009, firstAudioAtMs: undefined });
    assert.deepEqual(formatPeak(stats), { peak: '0.0090', firstAudioAt: '' });
  });

  it('the first audible poll sets the time; later louder polls raise only the peak', () => {
    const first = foldPoll(SILENT, [0.0, -0.25, 0.1], 1_700_000_000_123.4);
    assert.deepEqual(first, { peak: 0.25, firstAudioAtMs: 1_700_000_000_123.4 });
    const later = foldPoll(first, [0.5], 1_700_000_000_200);
    assert.deepEqual(later, { peak: 0.5, firstAudioAtMs: 1_700_000_000_123.4 });
    const quieter = foldPoll(later, [0.2], 1_700_000_000_300);
    assert.equal(quieter, later);
    assert.deepEqual(formatPeak(later), { peak: '0.5000', firstAudioAt: '1700000000123' });
  });

  it('samples beyond full scale are clamped to 1', () => {
    assert.equal(windowPeak([-1.7, 0.3]), 1);
  });

  it('two tracks of one participant: largest peak, earliest first audio', () => {
    assert.deepEqual(
      mergeStats([{ peak: 0.2, firstAudioAtMs: 500 }, { peak: 0.7, firstAudioAtMs: 900 }, SILENT]),
      { peak: 0.7, firstAudioAtMs: 500 },
    );
  });
});
