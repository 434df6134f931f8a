import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BargeIn, classify } from './barge_in.js';
import { FakeClock } from '../../../test/fake_clock.js';
import { recordingFloor } from '../../../test/fake_floor.js';

/** A reply that records what barge-in did to it, in order. */
function setup(playing = true) {
  const clock = new FakeClock();
  const floor = recordingFloor(playing);
  const events = floor.events;
  const barge = new BargeIn(
    { maxBackchannelMs: 700, wordsTimeoutMs: 1500 },
    floor,
    () => {},
    clock,
  );
  return { clock, events, barge };
}

describe('classify', () => {
  for (const text of ['mm-hmm', 'Yeah.', 'right', 'uh-huh', 'Okay', 'yeah, yeah', 'I see.'])
    it(`"${text}" is a backchannel`, () => assert.equal(classify(text), 'backchannel'));
  for (const text of ['wait', 'Stop!', 'okay stop', 'What time does the museum open?', 'no'])
    it(`"${text}" is an interruption`, () => assert.equal(classify(text), 'interruption'));
  for (const text of ['', '  ', '...'])
    it(`"${text}" is noise`, () => assert.equal(classify(text), 'noise'));
});

describe('BargeIn: echo, backchannels and interruptions', () => {
  it('words of an utterance never louder than the echo are noise; louder, they stop it', () => {
    const { clock, events, barge } = setup();
    const echoAlone = { beyondEcho: false };
    barge.speechStarted('ben');
    clock.advance(300);
    barge.speechEnded('ben');
    // A recogniser made words of the leaked echo that the agent never said.
    assert.equal(barge.final('ben', 'Could you', echoAlone), 'noise', 'not a turn either');
    assert.deepEqual(events, ['pause by ben', 'resume']);
    barge.speechStarted('ben');
    barge.interim('ben', 'stop', echoAlone);
    clock.advance(300);
    barge.speechEnded('ben');
    barge.interim('ben', 'stop', echoAlone);
    assert.deepEqual(events, ['pause by ben', 'resume', 'pause by ben']);
    assert.equal(barge.final('ben', 'stop', { beyondEcho: true }), 'interruption');
    assert.deepEqual(events, ['pause by ben', 'resume', 'pause by ben', 'stop by ben']);
  });

  it('a backchannel pauses the reply at its onset and resumes it on its words', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    clock.advance(400);
    barge.speechEnded('ana');
    clock.advance(150);
    assert.equal(barge.final('ana', 'Mm-hmm.'), 'backchannel', 'the caller drops its words');
    assert.deepEqual(events, ['pause by ana', 'resume']);
    assert.equal(barge.holding, false);
  });

  it('"wait" stops the reply on its words; the pause already silenced it at the onset', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    clock.advance(350);
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'wait'), 'interruption');
    assert.deepEqual(events, ['pause by ana', 'stop by ana']);
    assert.equal(barge.final('ana', 'later words'), undefined, 'then back to ordinary turns');
  });

  it('a new question stops the reply once it outlasts any backchannel, before its words', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.speechLasting('ana', 300);
    assert.deepEqual(events, ['pause by ana']);
    barge.speechLasting('ana', 700);
    assert.deepEqual(events, ['pause by ana', 'stop by ana']);
  });

  it('words streamed after the utterance ended that are not a backchannel stop it at once', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.speechEnded('ana');
    barge.interim('ana', 'but');
    assert.deepEqual(events, ['pause by ana', 'stop by ana']);
  });

  it('a guess at other words while the person still speaks keeps it paused; the final decides', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'tell me');
    assert.deepEqual(events, ['pause by ana'], 'no stop on a guess');
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'yeah'), 'backchannel');
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });
});

describe('BargeIn: noise, timeouts and several people', () => {
  it('a cough (no words) resumes the reply', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    clock.advance(300);
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', ''), 'noise');
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });

  it('words that never come (STT down) resume the reply after the timeout', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    clock.advance(300);
    barge.speechEnded('ana');
    clock.advance(1499);
    assert.deepEqual(events, ['pause by ana']);
    clock.advance(1);
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });

  it('with two people over the reply, it resumes only when both were backchannels', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.speechStarted('ben');
    barge.speechEnded('ana');
    barge.final('ana', 'yeah');
    assert.deepEqual(events, ['pause by ana'], 'ben still holds it');
    barge.speechEnded('ben');
    barge.final('ben', 'right');
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });

  it('speech while the agent is silent is not barge-in: its words are an ordinary turn', () => {
    const { events, barge } = setup(false);
    barge.speechStarted('ana');
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'yeah'), undefined);
    assert.deepEqual(events, []);
  });

  it('someone who leaves mid-pause releases the reply', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.forget('ana');
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });

  it('"mm-hmm… wait": the backchannel\'s words do not resume a reply its speaker is still holding', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.speechEnded('ana'); // "mm-hmm", then 120 ms of silence
    barge.speechStarted('ana'); // "… wait, stop"
    assert.equal(barge.final('ana', 'mm-hmm'), 'backchannel');
    assert.deepEqual(events, ['pause by ana'], 'still paused: she is speaking');
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'wait, stop'), 'interruption');
    assert.deepEqual(events, ['pause by ana', 'stop by ana']);
  });

  it('a backchannel whose words come after the timeout is still no turn; a late "wait" still stops', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    barge.speechEnded('ana');
    clock.advance(1500);
    assert.deepEqual(events, ['pause by ana', 'resume']);
    assert.equal(barge.final('ana', 'mm-hmm'), 'backchannel', 'judged, so its words are dropped');
    barge.speechStarted('ana');
    barge.speechEnded('ana');
    clock.advance(1500);
    assert.equal(barge.final('ana', 'wait'), 'interruption');
    assert.deepEqual(events, ['pause by ana', 'resume', 'pause by ana', 'resume', 'stop by ana']);
    assert.equal(barge.final('ana', 'so anyway'), undefined, 'then ordinary turns again');
  });

  it("when one person stops the reply, another's backchannel over it is still no turn", () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.speechStarted('ben');
    barge.speechEnded('ana');
    barge.final('ana', 'wait');
    assert.deepEqual(events, ['pause by ana', 'stop by ana']);
    barge.speechEnded('ben');
    assert.equal(barge.final('ben', 'yeah'), 'backchannel');
  });
});

describe('BargeIn with words while the person speaks (a streaming STT)', () => {
  it('a backchannel in interim words resumes the reply before the person has finished', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    clock.advance(250);
    barge.interim('ana', 'mm');
    assert.deepEqual(events, ['pause by ana', 'resume'], 'resumed while still speaking');
    assert.equal(barge.holding, false);
    clock.advance(200);
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'Mm-hmm.'), 'backchannel', 'its final is still not a turn');
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });

  it('"yeah... wait": the reply resumed on "yeah" pauses again, and its final stops it', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    clock.advance(250);
    barge.interim('ana', 'yeah');
    clock.advance(300);
    barge.interim('ana', 'yeah wait');
    assert.deepEqual(events, ['pause by ana', 'resume', 'pause by ana']);
    assert.equal(barge.holding, true);
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'yeah wait'), 'interruption');
    assert.deepEqual(events, ['pause by ana', 'resume', 'pause by ana', 'stop by ana']);
  });

  it('"yeah... " guessed wrong: paused again, then released by its final', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'yeah');
    barge.interim('ana', 'yeah what');
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'yeah yeah'), 'backchannel');
    assert.deepEqual(events, ['pause by ana', 'resume', 'pause by ana', 'resume']);
    assert.equal(barge.final('ana', 'later words'), undefined, 'nothing left to judge');
  });

  it('a reply resumed on "yeah" stops if the speech goes on too long for a backchannel', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'yeah');
    barge.speechLasting('ana', 700);
    assert.deepEqual(events, ['pause by ana', 'resume', 'stop by ana']);
  });

  it('a final that turns "yeah" into more words stops the resumed reply', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'yeah');
    clock.advance(300);
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'yeah, no'), 'interruption');
    assert.deepEqual(events, ['pause by ana', 'resume', 'stop by ana']);
  });

  it('interim words after the utterance ended do not release: the final decides', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    clock.advance(300);
    barge.speechEnded('ana');
    barge.interim('ana', 'okay');
    assert.deepEqual(events, ['pause by ana'], 'still paused');
    assert.equal(barge.final('ana', 'okay'), 'backchannel');
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });

  it("once that utterance is over, the person's next words are an ordinary turn", () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'right');
    clock.advance(300);
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'right'), 'backchannel');
    barge.interim('ana', 'what time is it');
    barge.speechLasting('ana', 900);
    assert.deepEqual(events, ['pause by ana', 'resume'], 'no stop without a new onset');
  });

  it("someone else's pause still holds the reply when one person's backchannel releases", () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.speechStarted('ben');
    barge.interim('ana', 'mm-hmm');
    assert.deepEqual(events, ['pause by ana'], 'Ben still holds it');
    assert.equal(barge.holding, true);
  });
});

describe('BargeIn: finals of earlier utterances come first', () => {
  it('"yeah" (resumed on it) then "wait, which day?": the reply stays paused until "wait" stops it', () => {
    const { clock, events, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'yeah');
    clock.advance(200);
    barge.speechEnded('ana');
    barge.speechStarted('ana'); // the second utterance pauses the resumed reply
    clock.advance(600);
    barge.speechEnded('ana');
    assert.equal(
      barge.final('ana', 'yeah'),
      'backchannel',
      'the first final is the first utterance',
    );
    assert.deepEqual(events, ['pause by ana', 'resume', 'pause by ana'], 'still paused');
    assert.equal(barge.final('ana', 'wait, which day?'), 'interruption');
    assert.deepEqual(events, ['pause by ana', 'resume', 'pause by ana', 'stop by ana']);
  });

  it('no count is left over: a later answer is an ordinary turn', () => {
    const { clock, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'yeah');
    barge.speechEnded('ana');
    barge.speechStarted('ana');
    assert.equal(barge.final('ana', 'yeah'), 'backchannel');
    clock.advance(300);
    barge.speechEnded('ana');
    assert.equal(barge.final('ana', 'mm-hmm'), 'backchannel');
    assert.equal(barge.final('ana', 'yes'), undefined, 'not judged: a turn');
  });

  it('a "yeah yeah okay sure" too long for a backchannel stops the reply and is a turn', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    barge.interim('ana', 'yeah');
    barge.speechLasting('ana', 700);
    barge.speechEnded('ana');
    assert.deepEqual(events, ['pause by ana', 'resume', 'stop by ana']);
    assert.equal(barge.final('ana', 'yeah yeah okay sure'), undefined, 'its words are a turn');
  });

  it('words that came before the speech ended release it when it ends, without the timeout', () => {
    const { events, barge } = setup();
    barge.speechStarted('ana');
    assert.equal(barge.final('ana', 'mm-hmm'), 'backchannel');
    assert.deepEqual(events, ['pause by ana']);
    barge.speechEnded('ana');
    assert.deepEqual(events, ['pause by ana', 'resume']);
  });
});
