import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock, CompletedTurn } from './turn_detector.js';
import { TurnDetector } from './turn_detector.js';

/** A clock that only moves when the test says so. */
class FakeClock implements Clock {
  time = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown) => void this.#timers.delete(id as number);
  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= until)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = until;
  }
}

function setup(holdMs = 500) {
  const clock = new FakeClock();
  const turns: CompletedTurn[] = [];
  const detector = new TurnDetector({ holdMs }, (t) => turns.push(t), clock);
  return { clock, turns, detector };
}

describe('TurnDetector', () => {
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
});
