import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../test/fake_clock.js';
import type { CompletedTurn } from './turn_detector.js';
import { DRAFT_LEAD_MS, TurnDetector } from './turn_detector.js';

function setup(completeHoldMs = 500, incompleteHoldMs = completeHoldMs) {
  const clock = new FakeClock();
  const turns: CompletedTurn[] = [];
  const drafts: string[] = [];
  const detector = new TurnDetector(
    { completeHoldMs, incompleteHoldMs },
    { onTurn: (t) => turns.push(t), onDraft: (text) => drafts.push(text) },
    clock,
  );
  return { clock, turns, drafts, detector };
}

describe('TurnDetector: when a turn ends', () => {
  it('ends the turn after the hold when the final came first', () => {
    const { clock, turns, detector } = setup(500);
    detector.speechStarted();
    clock.advance(1000);
    detector.speechEnded(clock.now() - 200); // VAD saw 200 ms of silence already
    clock.advance(100);
    detector.final('what time is it', 100);
    assert.equal(turns.length, 0, 'still inside the hold');
    clock.advance(199);
    assert.equal(turns.length, 0);
    clock.advance(1);
    assert.deepEqual(turns, [
      { text: 'what time is it', speechEndAt: 800, endedAt: 1300, sttFinalMs: 100 },
    ]);
    assert.equal(detector.pending, false);
  });

  it('ends the turn when a late final arrives after the hold', () => {
    const { clock, turns, detector } = setup(300);
    detector.speechStarted();
    clock.advance(500);
    detector.speechEnded(clock.now());
    clock.advance(900);
    assert.equal(turns.length, 0, 'waits for the transcript');
    assert.equal(detector.pending, true);
    detector.final('hello there', 900);
    assert.equal(turns.length, 1);
    assert.equal(turns[0]!.endedAt - turns[0]!.speechEndAt, 900);
  });

  it('speech that resumes inside the hold continues the same turn', () => {
    const { clock, turns, detector } = setup(500);
    detector.speechStarted();
    clock.advance(800);
    detector.speechEnded(clock.now());
    detector.final('I would like to book a table for', 50);
    clock.advance(300);
    detector.speechStarted();
    clock.advance(800);
    detector.speechEnded(clock.now());
    detector.final('four people', 60);
    clock.advance(500);
    assert.deepEqual(
      turns.map((t) => t.text),
      ['I would like to book a table for four people'],
    );
  });

  it('an utterance that transcribes to nothing is no turn', () => {
    const { clock, turns, detector } = setup(200);
    detector.speechStarted();
    clock.advance(300);
    detector.speechEnded(clock.now());
    detector.final('  ', 40);
    clock.advance(1000);
    assert.equal(turns.length, 0);
    assert.equal(detector.pending, false);
  });

  it('speech whose transcription failed while it went on owes no final: the next turn ends', () => {
    const { clock, turns, detector } = setup(200);
    detector.speechStarted();
    clock.advance(300);
    detector.reset(); // the STT failed mid-speech
    detector.speechEnded(clock.now()); // VAD's end of that speech: its commit goes nowhere
    assert.equal(detector.pending, false);
    detector.speechStarted(); // a fresh STT stream
    clock.advance(300);
    detector.speechEnded(clock.now());
    detector.final('are you there', 40);
    clock.advance(200);
    assert.deepEqual(
      turns.map((t) => t.text),
      ['are you there'],
    );
  });
});

describe('TurnDetector: resets and holds', () => {
  it('reset() drops the turn in progress', () => {
    const { clock, turns, detector } = setup(200);
    detector.speechStarted();
    clock.advance(300);
    detector.speechEnded(clock.now());
    detector.reset();
    detector.final('late words', 40);
    clock.advance(1000);
    assert.deepEqual(
      turns.map((t) => t.text),
      ['late words'],
      'a final after reset is a turn of its own, not joined to the dropped one',
    );
  });

  it('holds longer after an unfinished sentence, so a pause inside it does not end the turn', () => {
    const { clock, turns, drafts, detector } = setup(400, 1600);
    detector.speechStarted();
    clock.advance(1200);
    detector.speechEnded(clock.now());
    clock.advance(400);
    detector.final('I would like to book a table for', 150);
    clock.advance(400); // an 800 ms pause: past the short hold, inside the long one
    assert.equal(turns.length, 0);
    assert.deepEqual(drafts, [], 'unfinished words: no reply asked for yet');
    detector.speechStarted();
    clock.advance(900);
    detector.speechEnded(clock.now());
    clock.advance(150);
    detector.final('four people tonight at eight.', 150);
    assert.deepEqual(drafts, ['I would like to book a table for four people tonight at eight.']);
    clock.advance(249);
    assert.equal(turns.length, 0);
    clock.advance(1);
    assert.deepEqual(
      turns.map((t) => [t.text, t.endedAt - t.speechEndAt]),
      [['I would like to book a table for four people tonight at eight.', 400]],
    );
  });

  it('ends a finished question as soon as its final is in when the short hold has passed', () => {
    const { clock, turns, drafts, detector } = setup(300, 1600);
    detector.speechStarted();
    clock.advance(900);
    detector.speechEnded(clock.now() - 250); // VAD needed 250 ms of silence
    clock.advance(150);
    detector.final('How much is a ticket?', 150);
    assert.deepEqual(drafts, [], 'no draft: the turn is over at once');
    assert.deepEqual(
      turns.map((t) => [t.text, t.endedAt - t.speechEndAt]),
      [['How much is a ticket?', 400]],
    );
  });
});

describe('TurnDetector: drafts and settling', () => {
  it('offers each draft once, however often the hold is re-armed', () => {
    const { clock, drafts, detector } = setup(200, 2000);
    detector.speechStarted();
    clock.advance(500);
    detector.speechEnded(clock.now());
    detector.final('and then the', 50);
    clock.advance(1000);
    detector.final('', 10); // a late empty final of nothing
    clock.advance(2000);
    assert.deepEqual(drafts, ['and then the']);
  });

  it('says when a hold ends in no turn, so turns waiting for this person can be answered', () => {
    const clock = new FakeClock();
    let settled = 0;
    const detector = new TurnDetector(
      { completeHoldMs: 300, incompleteHoldMs: 300 },
      { onTurn: () => assert.fail('noise is no turn'), onSettled: () => settled++ },
      clock,
    );
    detector.speechStarted();
    clock.advance(200);
    detector.speechEnded(clock.now());
    detector.final('', 50); // a cough: the final comes before the hold ends
    assert.equal(settled, 0);
    assert.equal(detector.pending, true);
    clock.advance(300);
    assert.equal(settled, 1);
    assert.equal(detector.pending, false);
  });

  it('offers the same draft again after speech that dropped it', () => {
    const { clock, drafts, detector } = setup(200, 2000);
    detector.speechStarted();
    clock.advance(500);
    detector.speechEnded(clock.now());
    detector.final('and then the', 50);
    clock.advance(1_500);
    assert.deepEqual(drafts, ['and then the']);
    detector.speechStarted(); // a cough in the hold
    clock.advance(100);
    detector.speechEnded(clock.now());
    detector.final('', 20);
    clock.advance(1_500);
    assert.deepEqual(drafts, ['and then the', 'and then the']);
  });

  it("asks for an unfinished text's reply DRAFT_LEAD_MS before its long hold ends", () => {
    const { clock, turns, drafts, detector } = setup(500, 1_500);
    detector.speechStarted();
    clock.advance(800);
    detector.speechEnded(clock.now());
    clock.advance(150);
    detector.final('I wanted to buy', 150);
    clock.advance(1_500 - DRAFT_LEAD_MS - 150 - 1);
    assert.deepEqual(drafts, [], 'a pause of up to 999 ms asks for nothing');
    clock.advance(1);
    assert.deepEqual(drafts, ['I wanted to buy']);
    clock.advance(DRAFT_LEAD_MS);
    assert.deepEqual(
      turns.map((t) => t.text),
      ['I wanted to buy'],
      'the turn ends when the hold does',
    );
  });

  it('asks at once for a text that sounds finished', () => {
    const { clock, drafts, detector } = setup(500, 1_500);
    detector.speechStarted();
    clock.advance(800);
    detector.speechEnded(clock.now());
    clock.advance(150);
    detector.final('That is the number I wanted to call.', 150);
    assert.deepEqual(drafts, ['That is the number I wanted to call.']);
  });
});
