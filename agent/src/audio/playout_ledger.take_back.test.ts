import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAMPLES_PER_FRAME } from './format.js';
import { PlayoutLedger, RECENT_FRAMES } from './playout_ledger.js';

/** Frame number `i`, told apart by its first sample. */
const frame = (i: number) => Int16Array.from({ length: SAMPLES_PER_FRAME }, () => i);
const ids = (frames: Int16Array[]) => frames.map((f) => f[0]);

/** A ledger that has been handed frames 0..n-1. */
function handed(n: number): PlayoutLedger {
  const ledger = new PlayoutLedger();
  for (let i = 0; i < n; i++) ledger.handed(frame(i));
  return ledger;
}

describe('PlayoutLedger: the playout position and what a pause takes back', () => {
  it('what has played is what was pushed less what the source still has queued', () => {
    const ledger = handed(10);
    assert.equal(ledger.pushed, 10 * SAMPLES_PER_FRAME);
    assert.equal(ledger.played(3 * SAMPLES_PER_FRAME), 7 * SAMPLES_PER_FRAME);
    assert.equal(ledger.played(20 * SAMPLES_PER_FRAME), 0, 'never below nothing');
  });

  it('a pause takes back the queued frames, newest last, and the position stays', () => {
    const ledger = handed(10);
    const queued = 3 * SAMPLES_PER_FRAME;
    const before = ledger.played(queued);
    assert.deepEqual(ids(ledger.takeBack(queued, false)), [7, 8, 9]);
    assert.equal(ledger.pushed, 7 * SAMPLES_PER_FRAME);
    assert.equal(ledger.played(0), before, 'the queue now empty: played where it was');
  });

  it('a frame partly played is taken back whole', () => {
    const ledger = handed(10);
    assert.deepEqual(ids(ledger.takeBack(2.5 * SAMPLES_PER_FRAME, false)), [7, 8, 9]);
  });

  it('a frame being handed over is in the queue but not the ledger: one frame fewer', () => {
    const ledger = handed(10);
    assert.deepEqual(ids(ledger.takeBack(3 * SAMPLES_PER_FRAME, true)), [8, 9]);
    assert.deepEqual(ledger.takeBack(0, true), [], 'never fewer than none');
  });

  it('only the last frames are remembered, and no more can be taken back', () => {
    const ledger = handed(RECENT_FRAMES + 20);
    const back = ledger.takeBack(1_000 * SAMPLES_PER_FRAME, false);
    assert.equal(back.length, RECENT_FRAMES);
    assert.equal(back[0]![0], 20);
    assert.equal(ledger.pushed, 20 * SAMPLES_PER_FRAME);
  });
});
