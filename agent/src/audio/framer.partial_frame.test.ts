import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAMPLES_PER_FRAME } from './format.js';
import { Framer } from './framer.js';

/** Cuts `chunks` into frames as the speaker does: the frames' first samples, and what was left. */
function cut(chunks: Int16Array[]): { frames: Int16Array[]; framer: Framer } {
  const framer = new Framer();
  const frames: Int16Array[] = [];
  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.length;) {
      offset += framer.put(chunk, offset);
      if (framer.full) frames.push(framer.take());
    }
  }
  return { frames, framer };
}

const ramp = (from: number, n: number) => Int16Array.from({ length: n }, (_, i) => from + i);

describe('Framer: chunks of any length into whole frames', () => {
  it('chunks that straddle frames come out as consecutive whole frames', () => {
    const third = SAMPLES_PER_FRAME / 3;
    const { frames, framer } = cut([
      ramp(0, 2 * third),
      ramp(2 * third, 2 * third),
      ramp(4 * third, 2 * third),
    ]);
    assert.equal(frames.length, 2);
    assert.deepEqual(frames[0], ramp(0, SAMPLES_PER_FRAME));
    assert.deepEqual(frames[1], ramp(SAMPLES_PER_FRAME, SAMPLES_PER_FRAME));
    assert.equal(framer.partial, false);
  });

  it("a segment's last partial frame is padded with silence, and the padding counted", () => {
    const { frames, framer } = cut([ramp(1, SAMPLES_PER_FRAME + 10)]);
    assert.equal(frames.length, 1);
    assert.equal(framer.partial, true);
    assert.equal(framer.pad(), SAMPLES_PER_FRAME - 10);
    assert.equal(framer.full, true);
    const last = framer.take();
    assert.deepEqual(last.subarray(0, 10), ramp(SAMPLES_PER_FRAME + 1, 10));
    assert.ok(last.subarray(10).every((v) => v === 0));
    assert.equal(framer.partial, false, 'the next frame starts empty');
  });

  it('a frame taken is a copy: the next frame does not overwrite it', () => {
    const { frames } = cut([ramp(0, 2 * SAMPLES_PER_FRAME)]);
    assert.equal(frames[0]![0], 0);
    assert.equal(frames[1]![0], SAMPLES_PER_FRAME);
  });
});
