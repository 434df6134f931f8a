import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeTranscriptStream,
  EMPTY_TRANSCRIPT,
  MAX_TRANSCRIPT_ENTRIES,
  transcriptReducer,
  type TranscriptAction,
  type TranscriptState,
} from './transcript';

const AGENT = 'agent-1';
const ANA = 'user-aaaaaaaaaa';
const BEN = 'user-bbbbbbbbbb';

function run(actions: readonly TranscriptAction[], from = EMPTY_TRANSCRIPT): TranscriptState {
  return actions.reduce(transcriptReducer, from);
}

/** What the page shows: speaker name, text, and final/interim/streaming. */
function view(state: TranscriptState): string[] {
  return state.entries.map((e) => {
    const status = e.final ? 'final' : e.streaming ? 'streaming' : e.interim ? 'interim' : 'ended';
    return `${e.speakerName}${e.fromAgent ? ' (agent)' : ''}: ${e.text} [${status}]`;
  });
}

/** One whole stream as `sendText` delivers it: open, one chunk, close. */
function userStream(
  streamId: string,
  segment: string,
  speaker: string,
  text: string,
  interim: boolean,
  atMs: number,
): TranscriptAction[] {
  const key = `${AGENT}/${segment}`;
  const speakerName = speaker === ANA ? 'Ana' : 'Ben';
  return [
    { type: 'stream-opened', key, streamId, speaker, speakerName, fromAgent: false, interim, atMs },
    { type: 'stream-text', key, streamId, text },
    { type: 'stream-closed', key, streamId, interim },
  ];
}

function agentOpen(streamId: string, segment: string, atMs: number): TranscriptAction {
  return {
    type: 'stream-opened',
    key: `${AGENT}/${segment}`,
    streamId,
    speaker: AGENT,
    speakerName: 'Agent',
    fromAgent: true,
    interim: false,
    atMs,
  };
}

function agentText(streamId: string, segment: string, text: string): TranscriptAction {
  return { type: 'stream-text', key: `${AGENT}/${segment}`, streamId, text };
}

describe('transcript: interim and final user transcripts', () => {
  it('interims of one segment replace each other in place; the final replaces them', () => {
    const s = run([
      ...userStream('s1', 'ana-1', ANA, 'what is', true, 100),
      ...userStream('s2', 'ana-1', ANA, 'what is the weather', true, 200),
    ]);
    assert.deepEqual(view(s), ['Ana: what is the weather [interim]']);
    const done = run(userStream('s3', 'ana-1', ANA, 'What is the weather?', false, 300), s);
    assert.deepEqual(view(done), ['Ana: What is the weather? [final]']);
    assert.equal(done.entries[0]?.startedAtMs, 100, 'keeps its place from the first interim');
  });

  it('a new stream keeps the old text until its own first chunk arrives', () => {
    const s = run([
      ...userStream('s1', 'ana-1', ANA, 'hello', true, 100),
      {
        type: 'stream-opened',
        key: `${AGENT}/ana-1`,
        streamId: 's2',
        speaker: ANA,
        speakerName: 'Ana',
        fromAgent: false,
        interim: false,
        atMs: 150,
      },
    ]);
    assert.deepEqual(view(s), ['Ana: hello [streaming]']);
  });

  it('an interim arriving after the final is ignored, text and all', () => {
    const s = run([
      ...userStream('s1', 'ana-1', ANA, 'Good morning.', false, 100),
      ...userStream('s2', 'ana-1', ANA, 'good mor', true, 200),
    ]);
    assert.deepEqual(view(s), ['Ana: Good morning. [final]']);
  });

  it('text of a superseded stream is ignored', () => {
    const s = run([
      ...userStream('s1', 'ana-1', ANA, 'one', true, 100).slice(0, 1),
      ...userStream('s2', 'ana-1', ANA, 'one two', true, 150).slice(0, 2),
      { type: 'stream-text', key: `${AGENT}/ana-1`, streamId: 's1', text: ' late' },
      { type: 'stream-closed', key: `${AGENT}/ana-1`, streamId: 's1', interim: true },
    ]);
    assert.deepEqual(view(s), ['Ana: one two [streaming]']);
  });

  it('a segment that ends empty is dropped', () => {
    const s = run([
      ...userStream('s1', 'ana-1', ANA, 'uh', true, 100),
      ...userStream('s2', 'ana-1', ANA, '  ', false, 200),
    ]);
    assert.deepEqual(view(s), []);
  });
});

describe('transcript: the agent speaking', () => {
  it('paced chunks of one stream are appended; final once the stream ends', () => {
    const words = ['It ', 'is ', 'sunny.'];
    const partial = run([
      agentOpen('a1', 'agent-1', 500),
      ...words.slice(0, 2).map((w) => agentText('a1', 'agent-1', w)),
    ]);
    assert.deepEqual(view(partial), ['Agent (agent): It is  [streaming]']);
    const done = run(
      [
        agentText('a1', 'agent-1', 'sunny.'),
        { type: 'stream-closed', key: `${AGENT}/agent-1`, streamId: 'a1', interim: false },
      ],
      partial,
    );
    assert.deepEqual(view(done), ['Agent (agent): It is sunny. [final]']);
  });

  it('a trailer marking the stream interim leaves it interim', () => {
    const s = run([
      agentOpen('a1', 'agent-1', 500),
      agentText('a1', 'agent-1', 'Hel'),
      { type: 'stream-closed', key: `${AGENT}/agent-1`, streamId: 'a1', interim: true },
    ]);
    assert.deepEqual(view(s), ['Agent (agent): Hel [interim]']);
  });

  it('a stream that fails keeps the words that arrived, not final', () => {
    const s = run([
      agentOpen('a1', 'agent-1', 500),
      agentText('a1', 'agent-1', 'Let me '),
      { type: 'stream-failed', key: `${AGENT}/agent-1`, streamId: 'a1' },
    ]);
    assert.deepEqual(view(s), ['Agent (agent): Let me  [ended]']);
  });
});

describe('transcript: order', () => {
  it('two people and the agent, in the order their words arrived', () => {
    const s = run([
      ...userStream('s1', 'ana-1', ANA, 'Hi', true, 100),
      ...userStream('s2', 'ben-1', BEN, 'Hello there', false, 150),
      ...userStream('s3', 'ana-1', ANA, 'Hi all.', false, 300),
      agentOpen('a1', 'agent-1', 400),
      agentText('a1', 'agent-1', 'Hello Ana and Ben.'),
      {
        type: 'chat-message',
        streamId: 'c1',
        speaker: ANA,
        speakerName: 'Ana',
        fromAgent: false,
        text: 'typed',
        atMs: 450,
      },
    ]);
    assert.deepEqual(view(s), [
      'Ana: Hi all. [final]',
      'Ben: Hello there [final]',
      'Agent (agent): Hello Ana and Ben. [streaming]',
      'Ana: typed [final]',
    ]);
  });

  it('an entry stamped earlier than the last is inserted before it', () => {
    const s = run([
      ...userStream('s1', 'ana-1', ANA, 'second', false, 200),
      ...userStream('s2', 'ben-1', BEN, 'first', false, 100),
    ]);
    assert.deepEqual(view(s), ['Ben: first [final]', 'Ana: second [final]']);
  });

  it(`keeps the newest ${MAX_TRANSCRIPT_ENTRIES} entries`, () => {
    const actions = Array.from({ length: MAX_TRANSCRIPT_ENTRIES + 2 }, (_, i) =>
      userStream(`s${i}`, `seg-${i}`, ANA, `line ${i}`, false, i),
    ).flat();
    const s = run(actions);
    assert.equal(s.entries.length, MAX_TRANSCRIPT_ENTRIES);
    assert.equal(s.entries[0]?.text, 'line 2');
  });
});

describe('transcript: typed messages and reset', () => {
  it('a typed message is final at once; the same stream twice is shown once; blank is ignored', () => {
    const msg: TranscriptAction = {
      type: 'chat-message',
      streamId: 'c1',
      speaker: ANA,
      speakerName: 'Ana',
      fromAgent: false,
      text: 'What time is it?',
      atMs: 10,
    };
    const s = run([msg, msg, { ...msg, streamId: 'c2', text: '   ' }]);
    assert.deepEqual(view(s), ['Ana: What time is it? [final]']);
    assert.equal(s.entries[0]?.source, 'chat');
  });

  it('reset empties the transcript', () => {
    const s = run([...userStream('s1', 'ana-1', ANA, 'hi', false, 1), { type: 'reset' }]);
    assert.deepEqual(s, EMPTY_TRANSCRIPT);
  });
});

describe('transcript: whose words a stream carries', () => {
  it('the agent sending on behalf of a person: that person, not from the agent', () => {
    assert.deepEqual(
      describeTranscriptStream({
        sender: AGENT,
        senderIsAgent: true,
        streamId: 'x',
        attributes: {
          'lk.segment_id': 'ana-1',
          'lk.transcription_final': 'false',
          'lk.transcribed_track_id': 'TR_ana',
          'voice_agent.speaker': ANA,
        },
        trackOwner: ANA,
      }),
      { key: `${AGENT}/ana-1`, speaker: ANA, fromAgent: false, interim: true },
    );
  });

  it("the agent's own words: from the agent, final unless said otherwise", () => {
    assert.deepEqual(
      describeTranscriptStream({
        sender: AGENT,
        senderIsAgent: true,
        streamId: 'x',
        attributes: { 'lk.segment_id': 'agent-7', 'lk.transcription_final': 'true' },
      }),
      { key: `${AGENT}/agent-7`, speaker: AGENT, fromAgent: true, interim: false },
    );
  });

  it('LiveKit-style user transcript without our attribute: the owner of the transcribed track', () => {
    const d = describeTranscriptStream({
      sender: AGENT,
      senderIsAgent: true,
      streamId: 'x',
      attributes: { 'lk.segment_id': 'seg', 'lk.transcribed_track_id': 'TR_ben' },
      trackOwner: BEN,
    });
    assert.equal(d.speaker, BEN);
    assert.equal(d.fromAgent, false);
  });

  it('no segment id: each stream is its own entry', () => {
    const d = describeTranscriptStream({
      sender: BEN,
      senderIsAgent: false,
      streamId: 'abc',
      attributes: {},
    });
    assert.deepEqual(d, {
      key: `${BEN}/stream-abc`,
      speaker: BEN,
      fromAgent: false,
      interim: false,
    });
  });
});
