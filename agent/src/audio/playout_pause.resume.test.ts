import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlayoutPause } from './playout_pause.js';

const frame = (i: number) => Int16Array.of(i);
const ids = (frames: Int16Array[] | undefined) => frames?.map((f) => f[0]);

describe('PlayoutPause: pause, resume and what is replayed', () => {
  it('a pause holds the frames taken back; the resume gives them back to replay', async () => {
    const pause = new PlayoutPause();
    assert.equal(pause.pending, false);
    assert.equal(
      pause.pause(() => [frame(1), frame(2)]),
      true,
    );
    assert.equal(pause.holding, true);
    assert.equal(pause.heldFrames, 2);
    const replay = pause.resumed(new AbortController().signal);
    pause.resume();
    assert.deepEqual(ids(await replay), [1, 2]);
    assert.equal(pause.pending, false);
  });

  it('a second pause while holding takes nothing back and says so', () => {
    const pause = new PlayoutPause();
    pause.pause(() => [frame(1)]);
    let asked = false;
    const again = pause.pause(() => {
      asked = true;
      return [frame(2)];
    });
    assert.equal(again, false);
    assert.equal(asked, false, 'the source was not touched');
    assert.equal(pause.heldFrames, 1);
  });

  it('a pause right after a resume not yet replayed holds again, the old frames first', async () => {
    const pause = new PlayoutPause();
    const signal = new AbortController().signal;
    pause.pause(() => [frame(1)]);
    const waiting = pause.resumed(signal); // the playout loop waits out the pause
    pause.resume();
    assert.equal(pause.holding, false);
    assert.equal(pause.pending, true, 'the playout has not replayed them yet');
    assert.equal(
      pause.pause(() => [frame(2)]),
      true,
    );
    assert.equal(pause.holding, true);
    assert.equal(await waiting, undefined, 'woken by the resume, but paused again: nothing yet');
    assert.equal(pause.heldFrames, 2);
    const replay = pause.resumed(signal);
    pause.resume();
    assert.deepEqual(ids(await replay), [1, 2]);
    assert.equal(pause.pending, false);
  });

  it('an abort wakes the playout without resuming: nothing to replay, the pause stays', async () => {
    const pause = new PlayoutPause();
    const abort = new AbortController();
    pause.pause(() => [frame(1)]);
    const replay = pause.resumed(abort.signal);
    abort.abort();
    pause.wake();
    assert.equal(await replay, undefined);
    assert.equal(pause.heldFrames, 1);
  });

  it('frames kept while paused go after those taken back; without a pause they are not kept', () => {
    const pause = new PlayoutPause();
    pause.keep([frame(9)]);
    assert.equal(pause.heldFrames, 0);
    pause.pause(() => [frame(1)]);
    pause.keep([frame(2), frame(3)]);
    assert.equal(pause.heldFrames, 3);
  });

  it('resume without a pause does nothing', () => {
    const pause = new PlayoutPause();
    pause.resume();
    assert.equal(pause.pending, false);
    assert.equal(
      pause.pause(() => []),
      true,
    );
  });
});
