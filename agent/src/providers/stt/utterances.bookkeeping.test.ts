import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../log.js';
import { emptyUtterance, finalEvent, interimEvent, Utterances } from './utterances.js';
import type { Utterance } from './utterances.js';

/** 1 kHz audio: one sample a millisecond, so sizes read as milliseconds. */
const RATE = 1000;

interface Named extends Utterance {
  name: string;
}

/** Utterances named a, b, c… in the order they are begun; warnings recorded. */
function bookkeeping(maxBufferedMs = 100) {
  const warnings: string[] = [];
  const log = { warn: (_: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
  let next = 0;
  const create = (): Named => ({ ...emptyUtterance(), name: 'abcdefgh'[next++] ?? '?' });
  const utterances = new Utterances('fake', { maxBufferedMs, log }, RATE, create);
  return { utterances, warnings };
}

const audio = (ms: number) => new Int16Array(ms).fill(1);
const names = (us: readonly Named[]) => us.map((u) => u.name);

describe('Utterances: the utterance being spoken and those owed a final', () => {
  it('a commit puts the current utterance in flight, after the ones before it, and begins a new one', () => {
    const { utterances } = bookkeeping();
    assert.equal(utterances.current.name, 'a');
    assert.equal(utterances.commit().name, 'a');
    assert.equal(utterances.commit().name, 'b');
    assert.equal(utterances.current.name, 'c');
    assert.deepEqual(names(utterances.inflight), ['a', 'b']);
  });

  it('pushed audio is copied into the current utterance', () => {
    const { utterances } = bookkeeping();
    const samples = audio(10);
    const copy = utterances.push(samples, () => true);
    samples.fill(7);
    assert.notEqual(copy, samples);
    assert.deepEqual(utterances.current.chunks, [audio(10)]);
    assert.equal(utterances.current.samples, 10);
  });

  it('past the bound the oldest audio is let go, and the newest chunk is always kept', () => {
    const { utterances, warnings } = bookkeeping(100);
    for (let i = 0; i < 3; i++) utterances.push(audio(40), () => false);
    assert.equal(utterances.current.samples, 80, 'the first 40 ms let go');
    assert.equal(utterances.current.truncated, true);
    utterances.push(audio(500), () => false);
    assert.equal(utterances.current.samples, 500, 'one chunk over the bound stays');
    assert.equal(utterances.current.chunks.length, 1);
    assert.deepEqual(warnings, [], 'all of it had been sent');
  });

  it('audio let go before it was sent is logged as lost, once per utterance', () => {
    const { utterances, warnings } = bookkeeping(100);
    const letGo: Int16Array[] = [];
    const unsent = (chunk: Int16Array) => letGo.push(chunk) > 0;
    for (let i = 0; i < 5; i++) utterances.push(audio(40), unsent);
    assert.equal(letGo.length, 3);
    assert.deepEqual(warnings, ['stt audio dropped while disconnected']);
    utterances.commit();
    for (let i = 0; i < 3; i++) utterances.push(audio(40), unsent);
    assert.equal(warnings.length, 2, 'the next utterance warns again');
  });

  it('finals are taken in commit order, never past an utterance that is not done', () => {
    const { utterances } = bookkeeping();
    const [a, b, c] = [utterances.commit(), utterances.commit(), utterances.commit()];
    const done = (u: Named) => u.final !== undefined;
    b.final = 'second';
    assert.deepEqual([...utterances.takeDone(done)], [], 'b waits for a');
    a.final = 'first';
    assert.deepEqual(names([...utterances.takeDone(done)]), ['a', 'b']);
    assert.deepEqual(names(utterances.inflight), ['c']);
    c.final = '';
    assert.deepEqual(names([...utterances.takeDone(done)]), ['c']);
    assert.deepEqual(utterances.inflight, []);
  });

  it('a caller that stops taking (its stream closed) leaves the rest in flight', () => {
    const { utterances } = bookkeeping();
    for (let i = 0; i < 3; i++) utterances.commit().final = 'words';
    for (const u of utterances.takeDone(() => true)) {
      assert.equal(u.name, 'a');
      break;
    }
    assert.deepEqual(names(utterances.inflight), ['b', 'c']);
  });

  it('an answer is owed while an utterance in flight has no final', () => {
    const { utterances } = bookkeeping();
    assert.equal(utterances.owed(), false);
    utterances.push(audio(10), () => false);
    assert.equal(utterances.owed(), false, 'the utterance being spoken is owed nothing yet');
    const a = utterances.commit();
    assert.equal(utterances.owed(), true);
    a.final = '';
    assert.equal(utterances.owed(), false);
  });

  it('abandon() lets the current utterance go without a final; reset() forgets them all', () => {
    const { utterances } = bookkeeping();
    utterances.commit();
    utterances.push(audio(10), () => false);
    utterances.abandon();
    assert.equal(utterances.current.name, 'c');
    assert.equal(utterances.current.samples, 0);
    assert.deepEqual(names(utterances.inflight), ['a']);
    utterances.reset();
    assert.deepEqual(utterances.inflight, []);
    assert.equal(utterances.current.name, 'd');
    assert.equal(utterances.owed(), false);
  });
});

describe('final and interim events', () => {
  it('a final counts its latency from the commit, and from now when there was none', () => {
    const u = emptyUtterance();
    const before = finalEvent(u, 'words');
    assert.deepEqual(before, { type: 'final', text: 'words', at: before.at, latencyMs: 0 });
    u.committedAt = performance.now() - 250;
    const after = finalEvent(u, 'words');
    assert.ok(after.latencyMs >= 250 && after.latencyMs < 1_000, `${after.latencyMs} ms`);
  });

  it('an interim is given for words that changed, never for none or the same again', () => {
    const u = emptyUtterance();
    assert.equal(interimEvent(u, ''), undefined);
    assert.equal(interimEvent(u, 'what')?.text, 'what');
    assert.equal(interimEvent(u, 'what'), undefined);
    assert.equal(interimEvent(u, 'what time')?.type, 'interim');
    assert.equal(u.interimSent, 'what time');
  });
});
