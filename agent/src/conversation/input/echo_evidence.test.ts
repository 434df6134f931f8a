import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoEvidence } from './echo_evidence.js';

const make = () =>
  new EchoEvidence({ prerollFrames: 3, minFrames: 2, marginDb: 7, proofMarginDb: 9 });

/**
 * Feeds frames: 'L' louder than the echo could be (10 dB over it), '.' not (3 dB over it), '_'
 * too quiet to count; `inSpeech` for all of them.
 */
function feed(e: EchoEvidence, frames: string, inSpeech: boolean): void {
  for (const c of frames) e.frame(c === 'L' ? 10 : c === '.' ? 3 : -Infinity, inSpeech);
}

describe('EchoEvidence', () => {
  it('an utterance never louder than the echo could be may be echo alone', () => {
    const e = make();
    feed(e, '...', false);
    e.started(0);
    feed(e, '.L..__.', true); // one louder frame is not enough
    e.committed(0);
    assert.deepEqual(e.final(), {
      beyondEcho: false,
      provenPerson: false,
      span: { fromAt: 0, toAt: 0 },
      echoPath: false,
      louderFrames: 1,
      loudestOverEchoDb: 10,
    });
  });

  it('the pre-roll sent with the utterance counts, frames before it do not', () => {
    const e = make();
    feed(e, 'LL', false); // pushed out of the 3-frame pre-roll by the next three
    feed(e, '..L', false);
    e.started(0);
    feed(e, '....', true);
    e.committed(0);
    assert.equal(e.final().beyondEcho, false, 'only one louder frame went to STT');

    feed(e, 'L.L', false);
    e.started(0);
    feed(e, '..', true);
    e.committed(0);
    assert.equal(e.final().beyondEcho, true);
  });

  it('each final takes its own utterance, in commit order', () => {
    const e = make();
    e.started(0);
    feed(e, 'LLL', true);
    e.committed(0);
    e.started(0);
    feed(e, '...', true);
    e.committed(0);
    e.started(0);
    feed(e, '.', true); // still speaking: interim words are of the oldest owed a final
    assert.equal(e.interim().beyondEcho, true);
    assert.equal(e.final().beyondEcho, true);
    assert.equal(e.interim().beyondEcho, false);
    assert.equal(e.final().beyondEcho, false);
    feed(e, 'LL', true);
    assert.equal(e.interim().beyondEcho, true, 'the utterance being spoken');
    e.committed(0);
    assert.equal(e.final().beyondEcho, true);
  });

  it('a final nobody is owed (the stream was replaced) claims nothing', () => {
    const e = make();
    e.started(0);
    feed(e, '...', true);
    e.committed(0);
    e.reset();
    assert.equal(e.final().beyondEcho, true);
    assert.equal(e.interim().beyondEcho, true);
  });

  it('proves a person only by frames louder than a measured echo path, and keeps the span', () => {
    const e = make();
    e.started(1_000);
    // The level could not tell (echo path unmeasured, or too loud): Infinity, no proof.
    for (let i = 0; i < 5; i++) e.frame(Infinity, true);
    assert.deepEqual(
      { ...e.current(), louderFrames: undefined },
      {
        beyondEcho: true,
        provenPerson: false,
        span: { fromAt: 1_000 },
        echoPath: false,
        louderFrames: undefined,
      },
    );
    feed(e, '.', true);
    e.frame(8, true); // over the margin, not clearly: no proof
    e.frame(8, true);
    assert.equal(e.current().provenPerson, false);
    feed(e, 'LL', true);
    e.committed(1_800);
    const verdict = e.final();
    assert.equal(verdict.provenPerson, true);
    assert.deepEqual(verdict.span, { fromAt: 1_000, toAt: 1_800 });
  });

  it('says whether an echo path was measured while the utterance was spoken', () => {
    const e = make();
    e.frame(3, false, true); // before the utterance: not its own
    e.started(0);
    feed(e, 'LL', true);
    assert.equal(e.current().echoPath, false);
    e.frame(10, true, true);
    e.frame(10, true, false); // measured once is enough
    e.committed(100);
    assert.equal(e.final().echoPath, true);
  });
});
