import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoEvidence } from './echo_evidence.js';

const make = () => new EchoEvidence({ prerollFrames: 3, minFrames: 2 });

/** Feeds frames: 'L' louder than the echo could be, '.' not; `inSpeech` for all of them. */
function feed(e: EchoEvidence, frames: string, inSpeech: boolean): void {
  for (const c of frames) e.frame(c === 'L', inSpeech);
}

describe('EchoEvidence', () => {
  it('an utterance never louder than the echo could be may be echo alone', () => {
    const e = make();
    feed(e, '...', false);
    e.started();
    feed(e, '.L.....', true); // one louder frame is not enough
    e.committed();
    assert.equal(e.final(), false);
  });

  it('the pre-roll sent with the utterance counts, frames before it do not', () => {
    const e = make();
    feed(e, 'LL', false); // pushed out of the 3-frame pre-roll by the next three
    feed(e, '..L', false);
    e.started();
    feed(e, '....', true);
    e.committed();
    assert.equal(e.final(), false, 'only one louder frame went to STT');

    feed(e, 'L.L', false);
    e.started();
    feed(e, '..', true);
    e.committed();
    assert.equal(e.final(), true);
  });

  it('each final takes its own utterance, in commit order', () => {
    const e = make();
    e.started();
    feed(e, 'LLL', true);
    e.committed();
    e.started();
    feed(e, '...', true);
    e.committed();
    e.started();
    feed(e, '.', true); // still speaking: interim words are of the oldest owed a final
    assert.equal(e.interim(), true);
    assert.equal(e.final(), true);
    assert.equal(e.interim(), false);
    assert.equal(e.final(), false);
    feed(e, 'LL', true);
    assert.equal(e.interim(), true, 'the utterance being spoken');
    e.committed();
    assert.equal(e.final(), true);
  });

  it('a final nobody is owed (the stream was replaced) claims nothing', () => {
    const e = make();
    e.started();
    feed(e, '...', true);
    e.committed();
    e.reset();
    assert.equal(e.final(), true);
    assert.equal(e.interim(), true);
  });
});
