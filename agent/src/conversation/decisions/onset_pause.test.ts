import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BargeIn } from './barge_in.js';
import { FakeClock } from '../../../test/fake_clock.js';
import { recordingFloor } from '../../../test/fake_floor.js';
import { OnsetPause } from './onset_pause.js';

/** A reply that records what was done to it, with BargeIn deciding through an OnsetPause. */
function setup(playing = true) {
  const clock = new FakeClock();
  const reply = recordingFloor(playing);
  const events = reply.events;
  const lapsed: string[] = [];
  const onset = new OnsetPause(
    reply,
    { confirmWithinMs: 300, onLapsed: (who) => lapsed.push(who) },
    clock,
  );
  const barge = new BargeIn(
    { maxBackchannelMs: 700, wordsTimeoutMs: 1500 },
    onset,
    () => {},
    clock,
  );
  return { clock, events, lapsed, onset, barge };
}

describe('OnsetPause', () => {
  it('a sound that never becomes speech pauses the reply, which plays on after confirmWithinMs', () => {
    const { clock, events, lapsed, onset } = setup();
    assert.equal(onset.soundOnset('ana'), true);
    assert.equal(onset.tentative, true);
    clock.advance(299);
    assert.deepEqual(events, ['pause by ana']);
    clock.advance(1);
    assert.deepEqual(events, ['pause by ana', 'resume']);
    assert.deepEqual(lapsed, ['ana']);
    assert.equal(onset.tentative, false);
  });

  it('speech confirmed in time takes the pause over: no resume, and "wait" stops the reply', () => {
    const { clock, events, lapsed, onset, barge } = setup();
    onset.soundOnset('ana');
    clock.advance(150);
    barge.speechStarted('ana');
    clock.advance(1000); // long after confirmWithinMs: the pause is barge-in's now
    assert.deepEqual(events, ['pause by ana']);
    barge.speechEnded('ana');
    barge.final('ana', 'wait');
    assert.deepEqual(events, ['pause by ana', 'stop by ana']);
    assert.deepEqual(lapsed, []);
  });

  it('a confirmed backchannel resumes the reply once, through barge-in', () => {
    const { clock, events, onset, barge } = setup();
    onset.soundOnset('ana');
    clock.advance(100);
    barge.speechStarted('ana');
    clock.advance(300);
    barge.speechEnded('ana');
    barge.final('ana', 'mm-hmm');
    clock.advance(2000);
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });

  it("someone else's speech claims the pause a sound made", () => {
    const { clock, events, onset, barge } = setup();
    onset.soundOnset('ana');
    clock.advance(50);
    barge.speechStarted('ben');
    clock.advance(500);
    assert.deepEqual(events, ['pause by ana'], 'still paused, for Ben now');
    barge.speechEnded('ben');
    barge.final('ben', 'stop');
    assert.deepEqual(events, ['pause by ana', 'stop by ben']);
  });

  it('does nothing while nothing plays, or while barge-in already holds the reply', () => {
    const idle = setup(false);
    assert.equal(idle.onset.soundOnset('ana'), false);
    idle.clock.advance(1000);
    assert.deepEqual(idle.events, []);

    const { clock, events, onset, barge } = setup();
    barge.speechStarted('ana');
    assert.equal(onset.soundOnset('ben'), false);
    clock.advance(1000);
    assert.deepEqual(events, ['pause by ana'], 'the lapse of a pause never made resumes nothing');
  });

  it('speech that starts after the lapse pauses the reply again', () => {
    const { clock, events, onset, barge } = setup();
    onset.soundOnset('ana');
    clock.advance(300);
    barge.speechStarted('ana');
    assert.deepEqual(events, ['pause by ana', 'resume', 'pause by ana']);
  });
});
