import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeardFrame } from '@voice-agent/e2e/participants';
import { containsPhrase, judgeReplyDecisions, storyStopMs } from './measure.js';

/** Frames every 10 ms in [from, to), loud where `sound(at)` says so. */
function frames(from: number, to: number, sound: (at: number) => boolean): HeardFrame[] {
  const out: HeardFrame[] = [];
  for (let at = from; at < to; at += 10) out.push({ at, peak: sound(at) ? 5_000 : 3 });
  return out;
}

describe('storyStopMs', () => {
  it('is the last sound before the first long silence after the onset', () => {
    const heard = frames(0, 5_000, (at) => at < 1_300 || at >= 2_500);
    assert.equal(storyStopMs(heard, 1_000), 290);
  });
  it('bridges pauses shorter than the gap', () => {
    const heard = frames(0, 5_000, (at) => at < 1_300 || (at >= 1_500 && at < 2_000));
    assert.equal(storyStopMs(heard, 1_000), 990);
  });
  it('ignores what comes after the reply to the interruption was requested', () => {
    const heard = frames(0, 5_000, (at) => at < 4_000);
    assert.equal(storyStopMs(heard, 1_000, 1_800), 790);
  });
  it('is 0 when the agent was already silent at the onset', () => {
    const heard = frames(0, 5_000, (at) => at < 500 || at >= 2_000);
    assert.equal(storyStopMs(heard, 1_000), 0);
  });
});

describe('containsPhrase', () => {
  it('finds a whole sentence inside a speaker-tagged message', () => {
    assert.ok(
      containsPhrase(
        'Ana: I would like to book a table for four people tonight at eight.',
        'I would like to book a table for four people tonight at eight.',
      ),
    );
  });
  it('does not take a leading part for the whole', () => {
    assert.ok(!containsPhrase('Ana: I would like to book a table for', 'book a table for four'));
  });
  it('matches whole words only', () => {
    assert.ok(!containsPhrase('stopwatch', 'stop'));
  });
});

describe('judgeReplyDecisions', () => {
  const turn = (index: number, startAt: number, endAt: number, expectReply: boolean) => ({
    index,
    speaker: 'Ana' as const,
    text: `turn ${index}`,
    expectReply,
    startAt,
    endAt,
  });
  it('counts a reply within 4 s as answered, and quiet within 3 s as not', () => {
    const turns = [turn(0, 0, 1_000, true), turn(1, 5_000, 6_000, false)];
    const judged = judgeReplyDecisions([{ startAt: 2_200 }], turns);
    assert.deepEqual(
      judged.map((t) => [t.replied, t.correct]),
      [
        [true, true],
        [false, true],
      ],
    );
  });
  it('gives a reply that starts during the next turn to the earlier turn only', () => {
    const turns = [turn(0, 0, 1_000, false), turn(1, 2_000, 3_500, false)];
    const judged = judgeReplyDecisions([{ startAt: 2_500 }], turns);
    assert.deepEqual(
      judged.map((t) => t.correct),
      [false, true],
    );
  });
  it('misses a reply that came too late', () => {
    const judged = judgeReplyDecisions([{ startAt: 5_500 }], [turn(0, 0, 1_000, true)]);
    assert.equal(judged[0]!.correct, false);
  });
});
