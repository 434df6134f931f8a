import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PIPELINE_SAMPLE_RATE } from './format.js';
import { toPipelineRate } from './resample.js';

const sine = (rate: number, hz: number, seconds: number) =>
  Int16Array.from({ length: rate * seconds }, (_, i) =>
    Math.round(10_000 * Math.sin((2 * Math.PI * hz * i) / rate)),
  );

describe('toPipelineRate: a whole utterance to 24 kHz', () => {
  it('a 16 kHz tone comes out as the same tone at 24 kHz, aligned, the same length', () => {
    const out = toPipelineRate(sine(16_000, 440, 1), 16_000);
    assert.equal(out.length, PIPELINE_SAMPLE_RATE);
    const ideal = sine(PIPELINE_SAMPLE_RATE, 440, 1);
    // Away from the edges (where the filter sees silence), within 1% of full scale.
    let worst = 0;
    for (let i = 1_000; i < out.length - 1_000; i++) {
      worst = Math.max(worst, Math.abs(out[i]! - ideal[i]!));
    }
    assert.ok(worst < 330, `largest error ${worst}`);
  });

  it('audio already at the pipeline rate is returned as it is', () => {
    const same = sine(PIPELINE_SAMPLE_RATE, 440, 0.1);
    assert.equal(toPipelineRate(same, PIPELINE_SAMPLE_RATE), same);
  });
});
