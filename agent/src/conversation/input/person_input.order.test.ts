import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../test/fake_clock.js';
import { createLogger } from '../../log.js';
import type { ProviderError, SttEvent } from '../../providers/types.js';
import type { Verdict } from '../decisions/barge_in.js';
import type { ListenerEvents } from './listener.js';
import type { EchoVerdict } from './echo_evidence.js';
import type { AgentWords } from './echo_judge.js';
import { PersonInput, PersonInputs } from './person_input.js';
import type { BargeInDecisions, TurnSink } from './person_input.js';

const HOLD_MS = 500;
const CLEAR = { beyondEcho: true };
const final = (text: string): SttEvent => ({ type: 'final', text, at: 0, latencyMs: 120 });
const interim = (text: string): SttEvent => ({ type: 'interim', text, at: 0 });

/**
 * A person's input over fakes: a microphone the test drives through the listener's events, a
 * barge-in that answers `verdict` and a conversation, both recording what is asked of them, in
 * one log with the transcripts shown in the room.
 */
function setup(
  opts: {
    verdict?: Verdict;
    apologize?: boolean;
    wordsLateAfterMs?: number;
    agentWords?: AgentWords;
  } = {},
) {
  const log: string[] = [];
  const clock = new FakeClock();
  let mic: ListenerEvents | undefined;
  let endMic: (err?: Error) => void = () => {};
  const bargeIn: BargeInDecisions = {
    holding: false,
    speechStarted: (who) => void log.push(`barge-in: ${who} started`),
    speechLasting: (who, ms) => void log.push(`barge-in: ${who} lasting ${ms}`),
    speechEnded: (who) => void log.push(`barge-in: ${who} ended`),
    interim: (who, text) => void log.push(`barge-in: ${who} interim "${text}"`),
    final: (who, text) => {
      log.push(`barge-in: ${who} final "${text}"`);
      return opts.verdict;
    },
    forget: (who) => void log.push(`barge-in: forget ${who}`),
  };
  const turns: TurnSink = {
    userTurn: (t) => void log.push(`turn: ${t.name} "${t.text}"`),
    draftTurn: (_id, name, text) => void log.push(`draft: ${name} "${text}"`),
    speechStarted: () => void log.push('conversation: speech started'),
    maybeReply: () => void log.push('reply decision'),
    forget: (who) => void log.push(`conversation: forget ${who}`),
    apologize: async (reason) => void log.push(`apology: ${reason}`),
    wordsLate: (who, endAt) => void log.push(`words late: ${who} (speech ended at ${endAt})`),
  };
  const input = new PersonInput({
    person: { identity: 'ana-1', name: 'Ana' },
    listen: (events) => {
      mic = events;
      return new Promise<void>((resolve, reject) => {
        endMic = (err) => (err ? reject(err) : resolve());
      });
    },
    carriesEcho: () => false,
    ...(opts.agentWords ? { agentWords: opts.agentWords } : {}),
    turnDetector: { completeHoldMs: HOLD_MS, incompleteHoldMs: 1_500 },
    bargeIn,
    onsetPause: { soundOnset: () => false },
    turns,
    events: {
      transcript: (t) => void log.push(`shown: ${t.segmentId} "${t.text}" final=${t.final}`),
      heard: () => {},
    },
    apologizeForLostTurns: opts.apologize ?? true,
    wordsLateAfterMs: opts.wordsLateAfterMs,
    log: createLogger('silent'),
    clock,
  });
  const people = new PersonInputs();
  people.add(input, 'TR_ana', () => endMic());
  assert.ok(mic, 'the input listens at once');
  assert.ok(people.hears('ana-1', 'TR_ana'));
  return { input, people, mic, log, clock, end: endMic };
}

/** One utterance, start to final, with the final `afterMs` after the speech ended. */
function utterance(s: ReturnType<typeof setup>, text: string, afterMs: number): void {
  s.mic.onSpeechStart(s.clock.now());
  s.mic.onSpeechEnd(s.clock.now());
  s.clock.advance(afterMs);
  s.log.length = 0; // only the final's decisions
  s.mic.onTranscript(final(text), CLEAR);
}

describe('PersonInput: the order of decisions on a final transcript', () => {
  it('asks barge-in first, then the turn detector ends the turn, then the reply decision', () => {
    const s = setup();
    utterance(s, 'What time is it?', HOLD_MS);
    assert.deepEqual(s.log, [
      'shown: ana-1-1 "What time is it?" final=true',
      'barge-in: ana-1 final "What time is it?"',
      'turn: Ana "What time is it?"',
      'reply decision',
    ]);
  });

  it('offers a draft while the hold runs, and the turn once it is over', () => {
    const s = setup();
    utterance(s, 'What time is it?', 100);
    assert.deepEqual(s.log, [
      'shown: ana-1-1 "What time is it?" final=true',
      'barge-in: ana-1 final "What time is it?"',
      'draft: Ana "What time is it?"',
      'reply decision',
    ]);
    assert.equal(s.input.busy, true, 'mid-turn while the hold runs');
    s.log.length = 0;
    s.clock.advance(HOLD_MS);
    assert.deepEqual(s.log, ['turn: Ana "What time is it?"']);
    assert.equal(s.input.busy, false);
  });

  for (const verdict of ['backchannel', 'noise'] as const) {
    it(`drops the words of a ${verdict} that paused the agent: no turn, the floor is freed`, () => {
      const s = setup({ verdict });
      utterance(s, 'mm-hmm', HOLD_MS);
      assert.deepEqual(s.log, [
        'shown: ana-1-1 "mm-hmm" final=true',
        'barge-in: ana-1 final "mm-hmm"',
        'reply decision', // the detector settled: only noise, nobody mid-turn
        'reply decision',
      ]);
      assert.equal(s.input.busy, false);
    });
  }

  it('keeps the words of an interruption as the turn', () => {
    const s = setup({ verdict: 'interruption' });
    utterance(s, 'Wait, how much?', HOLD_MS);
    assert.ok(s.log.includes('turn: Ana "Wait, how much?"'));
  });
});

describe('PersonInput: echo is judged first, on every path', () => {
  /** The agent said "Paris is the capital" while this utterance (level: could be echo) was spoken. */
  const agentSaid: AgentWords = {
    saidBetween: (text) => /^(paris|is|the|capital|\s)+$/i.test(text),
    spokeBetween: () => true,
  };
  const couldBeEcho: EchoVerdict = { beyondEcho: true, provenPerson: false, span: { fromAt: 0 } };

  it("the agent's own words reach barge-in and the turn detector as none: no draft, no turn", () => {
    const s = setup({ agentWords: agentSaid });
    s.mic.onSpeechStart(s.clock.now());
    s.mic.onTranscript(interim('Paris is'), couldBeEcho);
    s.mic.onSpeechEnd(s.clock.now());
    s.mic.onTranscript(final('Paris is the capital'), couldBeEcho);
    s.clock.advance(HOLD_MS * 4);
    assert.deepEqual(s.log, [
      'conversation: speech started',
      'barge-in: ana-1 started',
      'barge-in: ana-1 interim ""',
      'barge-in: ana-1 ended',
      'barge-in: ana-1 final ""',
      'reply decision', // the detector settled: no words, no turn
      'reply decision',
    ]);
    assert.equal(s.input.busy, false);
  });

  it('a word the agent did not say is theirs ("wait"), and a level that proved a person too', () => {
    const s = setup({ agentWords: agentSaid });
    utterance(s, 'wait', HOLD_MS);
    assert.ok(s.log.includes('barge-in: ana-1 final "wait"'));
    s.mic.onSpeechStart(s.clock.now());
    s.mic.onSpeechEnd(s.clock.now());
    s.log.length = 0;
    s.mic.onTranscript(final('the capital'), { ...couldBeEcho, provenPerson: true });
    assert.ok(s.log.includes('barge-in: ana-1 final "the capital"'));
  });

  it('a duration stops the agent only once the level proved a person', () => {
    const s = setup({ agentWords: agentSaid });
    s.mic.onSpeechStart(s.clock.now());
    s.log.length = 0;
    s.mic.onSpeechLasting(performance.now() - 1_000, couldBeEcho);
    assert.deepEqual(s.log, [], 'left to its words');
    s.mic.onSpeechLasting(performance.now() - 1_000, { ...couldBeEcho, provenPerson: true });
    assert.match(s.log[0] ?? '', /^barge-in: ana-1 lasting/);
  });
});

describe('PersonInput: what the room sees and hears of it', () => {
  it('numbers utterances for transcript segments: interim words replace in place', () => {
    const s = setup();
    s.mic.onSpeechStart(0);
    s.mic.onTranscript(interim('what'), CLEAR);
    s.mic.onSpeechEnd(0);
    s.mic.onTranscript(final('What time?'), CLEAR);
    s.mic.onSpeechStart(0);
    s.mic.onSpeechEnd(0);
    s.mic.onTranscript(final('  '), CLEAR);
    s.mic.onTranscript(interim('and'), CLEAR);
    assert.deepEqual(
      s.log.filter((l) => l.startsWith('shown')),
      [
        'shown: ana-1-1 "what" final=false',
        'shown: ana-1-1 "What time?" final=true',
        'shown: ana-1-3 "and" final=false',
      ],
      'an empty final is not shown, but it ends its utterance',
    );
  });

  it('tells the conversation, then barge-in, of speech in the order the listener heard it', () => {
    const s = setup();
    s.mic.onSpeechStart(0);
    s.mic.onSpeechLasting(performance.now() - 400, CLEAR);
    s.mic.onSpeechEnd(0);
    assert.equal(s.log.length, 4);
    assert.deepEqual(s.log.slice(0, 2), [
      'conversation: speech started',
      'barge-in: ana-1 started',
    ]);
    assert.match(s.log[2]!, /^barge-in: ana-1 lasting (\d+)/);
    assert.ok(Number(/lasting (\d+)/.exec(s.log[2]!)![1]) >= 400, 'measured from the speech start');
    assert.equal(s.log[3], 'barge-in: ana-1 ended');
  });
});

describe('PersonInput: when words or the microphone are lost', () => {
  const failure = new Error('socket closed') as ProviderError;

  it('apologises for a turn lost to a failed transcription, and forgets it', () => {
    const s = setup();
    s.mic.onSpeechStart(0);
    s.mic.onSpeechEnd(0);
    s.log.length = 0;
    s.mic.onSttError(failure);
    assert.deepEqual(s.log, [
      'barge-in: forget ana-1',
      'conversation: forget ana-1',
      'apology: transcription failed',
      'reply decision',
    ]);
    assert.equal(s.input.busy, false);
  });

  it('does not apologise when no turn was under way', () => {
    const s = setup();
    utterance(s, 'Hello.', HOLD_MS); // the turn is over and given to the conversation
    s.mic.onSttError(failure);
    assert.ok(!s.log.some((l) => l.startsWith('apology')));
  });

  it('does not apologise when the agent could not have answered (no language model)', () => {
    const s = setup({ apologize: false });
    s.mic.onSpeechStart(0);
    s.mic.onSttError(failure);
    assert.ok(s.log.includes('conversation: forget ana-1'));
    assert.ok(!s.log.some((l) => l.startsWith('apology')));
  });

  it('forgets the turn in progress when the microphone ends, and frees the floor', async () => {
    const s = setup();
    s.mic.onSpeechStart(0);
    assert.equal(s.people.busy(), true);
    assert.equal(s.people.busy('ana-1'), false, 'nobody else is busy');
    s.log.length = 0;
    s.end(new Error('track ended badly'));
    await s.people.closed();
    assert.deepEqual(s.log, [
      'barge-in: forget ana-1',
      'conversation: forget ana-1',
      'reply decision',
    ]);
    assert.equal(s.people.busy(), false);
    assert.equal(s.people.hears('ana-1', 'TR_ana'), false, 'the room may hear their next mic');
  });

  it('a newer microphone of the same person stops the older one (they rejoined)', async () => {
    const s = setup();
    s.mic.onSpeechStart(0);
    let secondEnded = false;
    const second = new PersonInput({
      person: { identity: 'ana-1', name: 'Ana' },
      listen: () => new Promise<void>(() => {}),
      carriesEcho: () => false,
      turnDetector: { completeHoldMs: HOLD_MS, incompleteHoldMs: 1_500 },
      bargeIn: { holding: false } as never,
      onsetPause: { soundOnset: () => false },
      turns: {} as never,
      events: { transcript: () => {}, heard: () => {} },
      apologizeForLostTurns: true,
      log: createLogger('silent'),
      clock: s.clock,
    });
    assert.equal(s.people.hears('ana-1', 'TR_ana2'), false, 'a new track is not heard yet');
    s.people.add(second, 'TR_ana2', () => (secondEnded = true));
    assert.ok(s.people.hears('ana-1', 'TR_ana2'));
    assert.equal(s.people.hears('ana-1', 'TR_ana'), false);
    // The first input's microphone was stopped: its run ends, and it forgets its turn.
    await new Promise((r) => setImmediate(r));
    assert.ok(s.log.includes('conversation: forget ana-1'), 'the old input wound down');
    assert.equal(s.people.get('ana-1'), second, 'the old input ending leaves the new one');
    assert.equal(secondEnded, false);
    // The old connection's departure names its own track: the new microphone stays heard.
    assert.equal(s.people.stop('ana-1', ['TR_ana']), false);
    assert.equal(secondEnded, false);
    assert.equal(s.people.stop('ana-1', ['TR_ana2']), true, 'their own departure stops it');
    assert.equal(secondEnded, true);
  });

  it('a person who left is no longer heard, even if their stream never ended', async () => {
    const s = setup();
    s.mic.onSpeechStart(0);
    assert.equal(s.people.stop('bo-2', ['TR_ana']), false, 'another identity: nothing stopped');
    assert.equal(s.people.stop('ana-1', ['TR_cam']), false, 'not their microphone');
    assert.equal(s.people.busy(), true);
    assert.equal(s.people.stop('ana-1', ['TR_cam', 'TR_ana']), true);
    await s.people.closed();
    assert.ok(s.log.includes('conversation: forget ana-1'), 'their turn in progress is gone');
    assert.equal(s.people.busy(), false);
    assert.equal(s.people.get('ana-1'), undefined);
  });
});

describe('PersonInput: words that are late', () => {
  it('no final by the filler time after the speech ended: the conversation is told, once', () => {
    const s = setup({ wordsLateAfterMs: 1_500 });
    s.mic.onSpeechStart(s.clock.now());
    const endAt = s.clock.now();
    s.mic.onSpeechEnd(endAt);
    s.clock.advance(1_499);
    assert.ok(!s.log.some((l) => l.startsWith('words late')));
    s.clock.advance(1);
    assert.deepEqual(
      s.log.filter((l) => l.startsWith('words late')),
      [`words late: ana-1 (speech ended at ${endAt})`],
    );
    s.clock.advance(5_000);
    assert.equal(s.log.filter((l) => l.startsWith('words late')).length, 1);
  });

  it('a final in time, or speech again, and nothing is late', () => {
    const s = setup({ wordsLateAfterMs: 1_500 });
    utterance(s, 'What time is it?', 300);
    s.clock.advance(3_000);
    s.mic.onSpeechStart(s.clock.now());
    s.mic.onSpeechEnd(s.clock.now());
    s.clock.advance(1_000);
    s.mic.onSpeechStart(s.clock.now());
    s.clock.advance(3_000);
    assert.ok(!s.log.some((l) => l.startsWith('words late')), s.log.join('\n'));
  });
});
