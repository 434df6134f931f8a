// The voice loop through the real SFU: simulated people speak espeak-ng questions, the agent
// transcribes them (the fixture really recognises the audio), asks the LLM fixture and speaks
// the reply (the fixture really synthesises it); a simulated listener hears what comes back.
// Needs: root (private network namespace), livekit-server, espeak-ng, sox, pocketsphinx, a built
// agent. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { SimParticipant } from '../src/participants.js';
import { timeline } from '../src/speech.js';
import { AgentProcess, startLivekit } from '../src/stack.js';
import { teardown } from '../src/teardown.js';
import {
  FIXTURE_API_KEY,
  fixtureProviders,
  normalise,
  scriptedReply,
  STORY,
} from '../src/script.js';

const ANSWERS: Record<string, string> = {
  'what time does the museum open': 'The museum opens at nine in the morning.',
  'how much is a ticket': 'A ticket costs twelve euros.',
  'is there a cafe inside': 'Yes, there is a small cafe on the ground floor.',
  'what is the weather like today': 'It is sunny and warm today.',
  'can you recommend a book': 'Try a good mystery novel.',
  wait: 'Sure, I stopped.',
};
ANSWERS['tell me a long story'] = STORY;

/** What the agent says when a provider stays down (AGENT_APOLOGY's default). */
const APOLOGY = 'Sorry, something went wrong on my side. Please say that again.';

/** Fixture latencies: the floor of every turn is hold + STT final + TTFT + TTFB. */
const HOLD_MS = 500;
const STT_FINAL_MS = 100;
const TTFT_MS = 150;
const TTFB_MS = 100;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

describe('the voice loop', () => {
  let fixture: OpenAiFixture;
  let agent: AgentProcess;
  before(async () => {
    await startLivekit();
    fixture = await startOpenAiFixture({ phrases: Object.keys(ANSWERS), apiKey: FIXTURE_API_KEY });
    fixture.script.chat = {
      reply: scriptedReply(ANSWERS),
      ttftMs: TTFT_MS,
      tokenIntervalMs: 20,
      faults: [],
    };
    fixture.script.realtime = { finalDelayMs: STT_FINAL_MS, deltaIntervalMs: 20, faults: [] };
    fixture.script.speech = { ttfbMs: TTFB_MS, chunkMs: 100, realtimeFactor: 2, faults: [] };
    agent = await AgentProcess.start({
      ...fixtureProviders(fixture),
      AGENT_TURN_HOLD_MS: String(HOLD_MS),
      // Each room has two people (one asks, one listens), which makes `auto` mean `addressed`:
      // these tests are about the loop, so the agent answers every turn.
      AGENT_REPLY_POLICY: 'always',
      // The fault test takes speech synthesis down and expects the apology; a cached answer
      // (said earlier in this file) would rightly be heard instead. The cache has tests of its own.
      AGENT_TTS_CACHE_BYTES: '0',
    });
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  /** Everything the agent said in the room (its own transcripts), greetings excluded. */
  const agentSaid = (sim: SimParticipant) =>
    sim.transcripts
      .filter((t) => t.from === sim.agent()?.identity && !t.speaker && !t.text.startsWith('Hello '))
      .map((t) => t.text);
  /**
   * What the agent transcribed of `identity`'s speech (final transcripts). Each is sent with the
   * person as its sender, as LiveKit's own agents do, so LiveKit's front ends (useTranscriptions)
   * label it as theirs.
   */
  const heardFrom = (sim: SimParticipant, identity: string) => {
    const theirs = sim.transcripts.filter((t) => t.speaker === identity && t.final);
    assert.deepEqual(
      theirs.filter((t) => t.from !== identity).map((t) => t.from),
      [],
      `${identity}'s words sent as someone else`,
    );
    return theirs.map((t) => t.text);
  };
  const chatRequests = () => fixture.requests.filter((r) => r.endpoint === 'chat');

  /** Joins a speaker (with a microphone) and a listener, and waits until both were greeted. */
  async function joinPair(room: string, speaker: string, listener: string) {
    const sam = await SimParticipant.join(room, `${speaker.toLowerCase()}-${room}`, speaker);
    await sam.publishMicrophone();
    const lee = await SimParticipant.join(room, `${listener.toLowerCase()}-${room}`, listener);
    const greeted = (name: string) =>
      lee.transcripts.some((t) => t.text.startsWith(`Hello ${name},`));
    await lee.waitFor('greetings', () => greeted(speaker) && greeted(listener), 30_000);
    await lee.waitFor(
      'greetings played',
      () => lee.agent()?.attributes['lk.agent.state'] === 'listening',
      15_000,
    );
    return { sam, lee };
  }

  it(
    'answers three questions in order, never while the person is still talking',
    { timeout: 150_000 },
    async () => {
      const { sam, lee } = await joinPair(`loop-${Date.now()}`, 'Sam', 'Lee');
      const questions = [
        'what time does the museum open',
        'how much is a ticket',
        'is there a cafe inside',
      ];
      const v2v: number[] = [];
      for (const [i, question] of questions.entries()) {
        const [spoken] = await sam.speak(
          timeline([{ silenceMs: 200 }, { say: question }, { silenceMs: 300 }]),
        );
        assert.ok(spoken);
        const heardAt = await lee.waitFor(
          `reply ${i + 1}`,
          () => lee.firstSoundAfter(spoken.startAt),
          15_000,
        );
        assert.ok(
          heardAt > spoken.endAt,
          `reply ${i + 1} began ${spoken.endAt - heardAt} ms before the question ended`,
        );
        v2v.push(heardAt - spoken.endAt);
        await lee.waitFor(`reply ${i + 1} spoken`, () => agentSaid(lee).length > i, 20_000);
        await lee.waitFor(
          'agent listening',
          () => lee.agent()?.attributes['lk.agent.state'] === 'listening',
          20_000,
        );
      }
      assert.deepEqual(
        agentSaid(lee),
        questions.map((q) => ANSWERS[q]),
      );
      assert.deepEqual(
        heardFrom(lee, sam.identity).map(normalise),
        questions,
        'the agent published what Sam said',
      );
      // Each turn is reported to the room and logged with its breakdown.
      const fields = ['endOfUtteranceMs', 'sttFinalMs', 'llmTtftMs', 'ttsTtfbMs', 'endToEndMs'];
      await lee.waitFor('three turn reports', () => lee.turnMetrics.length >= 3, 5_000);
      for (const m of lee.turnMetrics) {
        assert.equal(m.speaker, sam.identity);
        for (const f of fields) {
          const v = (m as unknown as Record<string, number>)[f]!;
          assert.ok(Number.isFinite(v) && v >= 0, `${f} = ${v}`);
        }
        assert.ok(m.llmTtftMs >= TTFT_MS, `LLM TTFT ${m.llmTtftMs} < the fixture's ${TTFT_MS}`);
        assert.ok(m.ttsTtfbMs >= TTFB_MS, `TTS TTFB ${m.ttsTtfbMs} < the fixture's ${TTFB_MS}`);
        // The reply is prepared during the hold (LLM and TTS run before the turn is over), so
        // it is heard no earlier than the turn's end, and no earlier than the pipeline allows.
        assert.ok(m.endToEndMs >= m.endOfUtteranceMs, `heard before the turn was over`);
        assert.ok(m.endToEndMs >= m.llmTtftMs + m.ttsTtfbMs, 'faster than the providers');
      }
      const turnLines = () =>
        agent.logs().filter((l) => l.msg === 'turn' && l.speaker === sam.identity);
      await lee.waitFor('three turn log lines', () => turnLines().length >= 3, 5_000);
      assert.equal(turnLines().length, 3, 'one log line per turn');
      console.log(JSON.stringify({ metric: 'turn_breakdown_ms', turns: lee.turnMetrics }));
      const floor = HOLD_MS + STT_FINAL_MS + TTFT_MS + TTFB_MS;
      console.log(
        JSON.stringify({
          metric: 'voice_to_voice_ms',
          turns: v2v.length,
          values: v2v.map(Math.round),
          p50: Math.round(percentile(v2v, 50)),
          floorMs: floor,
          overheadP50: Math.round(percentile(v2v, 50) - floor),
        }),
      );
      await Promise.all([sam.leave(), lee.leave()]);
    },
  );

  it(
    'withdraws its voice while idle and speaks the next reply in full on a new track',
    { timeout: 120_000 },
    async () => {
      const { sam, lee } = await joinPair(`idle-voice-${Date.now()}`, 'Sam', 'Lee');
      const question = 'how much is a ticket';
      const voiceSids = () => [...(lee.agent()?.trackPublications.keys() ?? [])];
      /** Asks; returns the reply's voice-to-voice and the sound Lee heard of it. */
      const ask = async (label: string) => {
        const [spoken] = await sam.speak(
          timeline([{ silenceMs: 200 }, { say: question }, { silenceMs: 300 }]),
        );
        assert.ok(spoken);
        const heardAt = await lee.waitFor(label, () => lee.firstSoundAfter(spoken.endAt), 15_000);
        await lee.waitFor(`${label} spoken`, () => agentSaid(lee).length > 0, 20_000);
        await lee.waitFor(
          'agent listening',
          () => lee.agent()?.attributes['lk.agent.state'] === 'listening',
          20_000,
        );
        // Listening is set as the last frame is handed over; its playout follows.
        await new Promise((r) => setTimeout(r, 500));
        lee.transcripts.length = 0;
        return { v2vMs: heardAt - spoken.endAt, soundMs: lee.soundMs(spoken.endAt) };
      };

      // Asked at once: the voice published for the greeting speaks it.
      const [greetingVoice] = voiceSids();
      assert.ok(greetingVoice, 'the agent publishes its voice');
      const published = await ask('reply on the published voice');
      assert.deepEqual(voiceSids(), [greetingVoice], 'the same track while busy');

      // AGENT_VOICE_IDLE_MS (2 s by default) later, the voice is withdrawn...
      await lee.waitFor('the voice withdrawn', () => voiceSids().length === 0, 15_000);
      // ...published again as Sam starts speaking, and the reply is heard whole.
      const republished = await ask('reply on a republished voice');
      const [newVoice] = voiceSids();
      assert.ok(newVoice && newVoice !== greetingVoice, 'a new track carries the reply');
      console.log(JSON.stringify({ metric: 'voice_republished', published, republished }));
      // The same words in the same voice (no cache: synthesised again): a reply whose start
      // was lost while the track came back would be shorter by the part lost.
      assert.ok(
        republished.soundMs >= published.soundMs - 60,
        `republished reply ${republished.soundMs} ms of sound, ${published.soundMs} ms before`,
      );
      await Promise.all([sam.leave(), lee.leave()]);
    },
  );

  it(
    'stops at once when interrupted and remembers only what was played',
    { timeout: 120_000 },
    async () => {
      const { sam, lee } = await joinPair(`barge-${Date.now()}`, 'Sam', 'Lee');
      const [asked] = await sam.speak(
        timeline([{ say: 'tell me a long story' }, { silenceMs: 300 }]),
      );
      const storyStart = await lee.waitFor(
        'the story',
        () => lee.firstSoundAfter(asked!.endAt),
        15_000,
      );
      await new Promise((r) => setTimeout(r, 2_500)); // well into the story
      const [interruption] = await sam.speak(timeline([{ say: 'wait' }, { silenceMs: 200 }]));
      assert.ok(interruption);
      // The agent's voice at the listener: the story ends in a silence that starts soon after "wait".
      await lee.waitFor(
        'the answer to "wait"',
        () => agentSaid(lee).includes(ANSWERS.wait!),
        20_000,
      );
      const storySpan = lee.soundSpans(400, storyStart)[0]!;
      const stopMs = storySpan.endAt - interruption.startAt;
      console.log(JSON.stringify({ metric: 'barge_in_stop_ms', stopMs: Math.round(stopMs) }));
      assert.ok(storySpan.endAt - storySpan.startAt < 8_000, 'the story did not play to its end');
      assert.ok(
        stopMs < 1_000,
        `the agent went on for ${Math.round(stopMs)} ms after "wait" began`,
      );

      // The request that answered "wait" shows only the heard part of the story.
      const request = chatRequests().find((r) =>
        (r.body as { messages: { role: string; content: string }[] }).messages.some((m) =>
          /: wait$/i.test(m.content),
        ),
      );
      assert.ok(request, 'the LLM was asked about "wait"');
      const messages = (request.body as { messages: { role: string; content: string }[] }).messages;
      const told = messages.filter((m) => m.role === 'assistant').at(-1)?.content ?? '';
      assert.ok(told.length > 20, `some of the story was heard: "${told}"`);
      assert.ok(
        told.length < STORY.length * 0.8,
        'the context does not claim the whole story was heard',
      );
      assert.ok(STORY.startsWith(told), `the context holds a prefix of the story: "${told}"`);
      await Promise.all([sam.leave(), lee.leave()]);
    },
  );

  it(
    'two people each ask; both are transcribed with their names and answered',
    { timeout: 120_000 },
    async () => {
      const room = `pair-${Date.now()}`;
      const { sam: ana, lee: ben } = await joinPair(room, 'Ana', 'Ben');
      await ben.publishMicrophone();
      const before = chatRequests().length;
      const [anaAsked] = await ana.speak(
        timeline([{ say: 'what is the weather like today' }, { silenceMs: 300 }]),
      );
      await ben.waitFor(
        'answer to Ana',
        () => agentSaid(ben).includes(ANSWERS['what is the weather like today']!),
        20_000,
      );
      await ben.waitFor(
        'agent listening',
        () => ben.agent()?.attributes['lk.agent.state'] === 'listening',
        20_000,
      );
      await ben.speak(timeline([{ say: 'can you recommend a book' }, { silenceMs: 300 }]));
      await ana.waitFor(
        'answer to Ben',
        () => agentSaid(ana).includes(ANSWERS['can you recommend a book']!),
        20_000,
      );
      assert.ok(anaAsked);

      assert.deepEqual(
        heardFrom(ben, ana.identity).map((t) => t.toLowerCase()),
        ['what is the weather like today'],
      );
      assert.deepEqual(
        heardFrom(ana, ben.identity).map((t) => t.toLowerCase()),
        ['can you recommend a book'],
      );
      const last = chatRequests().slice(before).at(-1)!.body as {
        messages: { role: string; content: string }[];
      };
      const users = last.messages
        .filter((m) => m.role === 'user')
        .map((m) => m.content.toLowerCase());
      assert.deepEqual(users.slice(-2), [
        'ana: what is the weather like today',
        'ben: can you recommend a book',
      ]);
      await Promise.all([ana.leave(), ben.leave()]);
    },
  );
  it(
    'provider faults: retried and answered; a provider that stays down gets a spoken apology',
    { timeout: 150_000 },
    async () => {
      const room = `fault-${Date.now()}`;
      const since = fixture.requests.length;
      const requests = (endpoint: string) =>
        fixture.requests.slice(since).filter((r) => r.endpoint === endpoint);
      // Sam's transcription socket drops at the first event after his first utterance's audio
      // was sent (the commit), and the first chat request gets a 500.
      fixture.script.realtime.faults = [{ kind: 'drop', afterChunks: 1 }];
      fixture.script.chat.faults = [{ kind: 'status', status: 500 }];
      const { sam, lee } = await joinPair(room, 'Sam', 'Lee');
      try {
        const ask = async (question: string) => {
          const [spoken] = await sam.speak(timeline([{ say: question }, { silenceMs: 300 }]));
          assert.ok(spoken);
          return spoken;
        };
        const saidCount = agentSaid(lee).length;
        await ask('what time does the museum open');
        await lee.waitFor(
          'the answer despite the faults',
          () => agentSaid(lee).length > saidCount,
          25_000,
        );
        assert.equal(agentSaid(lee).at(-1), ANSWERS['what time does the museum open']);
        assert.ok(requests('realtime').length >= 2, 'the dropped STT socket was reopened');
        assert.ok(requests('chat').length >= 2, 'the failed chat request was retried');
        assert.deepEqual(fixture.script.realtime.faults, [], 'the drop fault was taken');
        await lee.waitFor(
          'listening',
          () => lee.agent()?.attributes['lk.agent.state'] === 'listening',
          20_000,
        );

        // The LLM stays down: an apology instead of silence.
        fixture.script.chat.faults = Array.from({ length: 20 }, () => ({
          kind: 'status' as const,
          status: 503,
        }));
        const llmDown = await ask('how much is a ticket');
        await lee.waitFor('an apology (LLM down)', () => agentSaid(lee).includes(APOLOGY), 30_000);
        assert.ok(lee.firstSoundAfter(llmDown.endAt), 'the apology was heard');
        fixture.script.chat.faults = [];
        await lee.waitFor(
          'listening',
          () => lee.agent()?.attributes['lk.agent.state'] === 'listening',
          20_000,
        );

        // Speech synthesis stays down: the apology comes in the embedded voice.
        fixture.script.speech.faults = Array.from({ length: 20 }, () => ({
          kind: 'status' as const,
          status: 503,
        }));
        const apologies = agentSaid(lee).filter((t) => t === APOLOGY).length;
        const ttsDown = await ask('is there a cafe inside');
        await lee.waitFor(
          'an apology (TTS down)',
          () => agentSaid(lee).filter((t) => t === APOLOGY).length > apologies,
          30_000,
        );
        assert.ok(lee.firstSoundAfter(ttsDown.endAt), 'the embedded voice was heard');
        fixture.script.speech.faults = [];
        await lee.waitFor(
          'listening',
          () => lee.agent()?.attributes['lk.agent.state'] === 'listening',
          20_000,
        );

        // Everything is back: the next question is answered normally.
        await ask('can you recommend a book');
        await lee.waitFor(
          'answered again',
          () => agentSaid(lee).at(-1) === ANSWERS['can you recommend a book'],
          25_000,
        );
        const logs = agent.logs();
        assert.equal(logs.filter((l) => l.msg === 'unhandled rejection').length, 0);
        assert.ok(
          logs.some((l) => l.msg === 'stt socket dropped'),
          'the drop was seen',
        );
        assert.equal((await agent.status()).connected, true, 'the agent is still registered');
      } finally {
        fixture.script.realtime.faults = [];
        fixture.script.chat.faults = [];
        fixture.script.speech.faults = [];
        await Promise.all([sam.leave(), lee.leave()]);
      }
    },
  );
});
