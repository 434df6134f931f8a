// Bad input through the real SFU: what people's clients may send the agent on lk.chat (a 1 MB
// message, bytes instead of text, a stream cut off by its sender leaving) neither crashes nor
// stalls it, and the next ordinary message is answered; microphones that are not the usual
// 48 kHz mono (a phone headset's 8 kHz, a stereo interface, a gain set 20 dB too hot that clips)
// are heard word for word and answered. (Ten minutes of silence is a unit test of the microphone
// chain, agent/src/conversation/input/listener.long_silence.test.ts: in real time it would add
// ten minutes here.)
// Needs: root (private network namespace), livekit-server, espeak-ng, sox, pocketsphinx, a built
// agent. `npm test` provides it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHAT_TOPIC } from '@voice-agent/common';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { SimParticipant, untilQuiet } from '../src/participants.js';
import { FIXTURE_API_KEY, fixtureProviders, normalise, scriptedReply } from '../src/script.js';
import { utteranceAs } from '../src/speech.js';
import type { MicFormat } from '../src/speech.js';
import { AgentProcess, startLivekit } from '../src/stack.js';
import { teardown } from '../src/teardown.js';

/** What people say into the odd microphones, and the fixture's answers. */
const SPOKEN: Record<string, string> = {
  'what time does the museum open': 'The museum opens at nine in the morning.',
  'how much is a ticket': 'A ticket costs twelve euros.',
  'is there a cafe inside': 'Yes, there is a small cafe on the ground floor.',
};

/** Microphones that are not the usual 48 kHz mono, and what is said into each. */
const MICROPHONES: { what: string; format: MicFormat; gainDb?: number; said: string }[] = [
  {
    what: 'an 8 kHz microphone',
    format: { sampleRate: 8_000, channels: 1 },
    // Short and without a pause inside: the fixture knows 8 kHz speech only as a whole reference,
    // and VAD cut the longer "what time does the museum | open" in two in 1 of 3 runs (a real
    // STT would transcribe both parts and the turn detector join them; the fixture cannot).
    said: 'how much is a ticket',
  },
  {
    what: 'a 48 kHz stereo microphone',
    format: { sampleRate: 48_000, channels: 2 },
    said: 'what time does the museum open',
  },
  {
    what: 'a clipping microphone (20 dB too hot)',
    format: { sampleRate: 48_000, channels: 1 },
    gainDb: 20,
    said: 'is there a cafe inside',
  },
];

describe("bad input from people's clients", () => {
  let fixture: OpenAiFixture;
  let agent: AgentProcess;
  before(async () => {
    await startLivekit();
    fixture = await startOpenAiFixture({
      phrases: Object.keys(SPOKEN),
      // The fixture's phone decoder is trained on 16 kHz speech and hears nothing in telephone
      // band audio, where a real STT hears words: what the 8 kHz question sounds like is given
      // to it as a reference (matched against the audio the agent sends on, so it must arrive
      // intact: a wrong rate or a lost stretch does not match).
      references: MICROPHONES.filter((m) => m.format.sampleRate === 8_000).map((m) => ({
        text: m.said,
        samples: utteranceAs(m.said, m.format),
        sampleRate: m.format.sampleRate,
      })),
      apiKey: FIXTURE_API_KEY,
    });
    fixture.script.chat.reply = scriptedReply({
      ...SPOKEN,
      'when does the museum open': 'It opens at nine.',
    });
    agent = await AgentProcess.start({
      ...fixtureProviders(fixture),
      // Two people in the room: answer every message, not only those that name the agent.
      AGENT_REPLY_POLICY: 'always',
    });
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });
  /** The agent's error and fatal log lines since `at` (epoch ms). */
  /**
   * Error and fatal lines of the agent's log from `at` on, except rtc-node's own line about the
   * chat stream the first case cuts off on purpose (which the agent then drops): it may come
   * late, in a later case's time.
   */
  const errorsSince = (at: number) =>
    agent
      .logs()
      .filter((l) => l.time >= at && Number(l.level ?? 0) >= 50)
      .filter(
        (l) =>
          !(
            l.name === 'lk-rtc' &&
            l.msg.includes('unexpectedly disconnected in the middle of sending')
          ),
      );

  it(
    'a 1 MB message, bytes, a cut-off stream: ignored; the next message is answered',
    {
      timeout: 60_000,
    },
    async () => {
      const startedAt = Date.now();
      const room = `bad-chat-${startedAt}`;
      const ana = await SimParticipant.join(room, 'ana-1', 'Ana');
      const mallory = await SimParticipant.join(room, 'mallory-1', 'Mallory');
      // The agent hears lk.chat once it has joined and started: its greeting says so.
      await ana.waitFor(
        'the greeting',
        () => ana.transcripts.some((t) => t.text.startsWith('Hello Ana')),
        15_000,
      );
      const chatsBefore = fixture.requests.filter((r) => r.endpoint === 'chat').length;
      const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat').slice(chatsBefore);

      // 1 MB of text on lk.chat.
      await ana.room.localParticipant!.sendText('a'.repeat(1_000_000), { topic: CHAT_TOPIC });
      await agent.waitForLog((l) => l.msg === 'typed message too long, ignored', 15_000);
      // Bytes (not UTF-8) on the same topic.
      const bytes = await ana.room.localParticipant!.streamBytes({ topic: CHAT_TOPIC });
      await bytes.write(new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1]));
      await bytes.close();
      // A text stream its sender leaves in the middle of.
      const cut = await mallory.room.localParticipant!.streamText({ topic: CHAT_TOPIC });
      await cut.write('When does the museum');
      await mallory.room.disconnect();

      await ana.room.localParticipant!.sendText('When does the museum open?', {
        topic: CHAT_TOPIC,
      });
      await ana.waitFor('the typed question at the LLM', () => chats().length >= 1, 15_000);
      const asked = chats().map((r) => (r.body as { messages: { content: string }[] }).messages);
      assert.equal(asked.length, 1, 'only the ordinary message reached the model');
      assert.equal(asked[0]!.at(-1)!.content, 'Ana: When does the museum open?');
      await ana.waitFor(
        'the answer heard',
        () => ana.transcripts.some((t) => t.text.includes('It opens at nine.')),
        15_000,
      );
      assert.deepEqual(errorsSince(startedAt), [], 'no error or fatal log line');
      assert.equal((await agent.status()).connected, true);
    },
  );

  for (const [i, mic] of MICROPHONES.entries()) {
    it(`${mic.what}: the words are heard and answered aloud`, { timeout: 60_000 }, async () => {
      const samples = utteranceAs(mic.said, mic.format, { gainDb: mic.gainDb ?? 0 });
      assertIsWhatItClaims(samples, mic);
      const startedAt = Date.now();
      const room = `bad-mic-${i}-${startedAt}`;
      const ana = await SimParticipant.join(room, `ana-${room}`, 'Ana');
      await ana.publishMicrophone({ format: mic.format });
      const joinedAt = Date.now();
      await ana.waitFor('the greeting', () => ana.firstSoundAfter(joinedAt), 30_000);
      await untilQuiet(ana, joinedAt);
      const chatsBefore = fixture.requests.filter((r) => r.endpoint === 'chat').length;

      const silence = new Int16Array((mic.format.sampleRate / 2) * mic.format.channels);
      await ana.play(silence);
      const spoken = await ana.play(samples);
      await ana.play(silence);

      // Heard: the person's own words, transcribed and sent as theirs.
      const heard = await ana.waitFor(
        'their words transcribed',
        () => ana.transcripts.find((t) => t.speaker === ana.identity && t.final),
        20_000,
      );
      assert.equal(normalise(heard.text), mic.said);
      // Asked: the words reached the model as Ana's turn.
      const asked = await ana.waitFor(
        'the turn at the LLM',
        () =>
          fixture.requests.filter((r) => r.endpoint === 'chat').slice(chatsBefore)[0]?.body as
            { messages: { content: string }[] } | undefined,
        20_000,
      );
      assert.equal(normalise(asked.messages.at(-1)!.content.replace(/^Ana:/, '')), mic.said);
      // Answered aloud: sound after the question, and the answer's transcript.
      await ana.waitFor('the answer heard', () => ana.firstSoundAfter(spoken.startAt), 20_000);
      await ana.waitFor(
        "the answer's words",
        () => ana.transcripts.some((t) => !t.speaker && t.text.includes(SPOKEN[mic.said]!)),
        20_000,
      );
      assert.deepEqual(errorsSince(startedAt), [], 'no error or fatal log line');
      assert.equal((await agent.status()).connected, true);
      await ana.leave();
    });
  }
});

/** The test signal really is the bad input it stands for (clipped, stereo with two channels). */
function assertIsWhatItClaims(
  samples: Int16Array,
  mic: { format: MicFormat; gainDb?: number },
): void {
  const frames = samples.length / mic.format.channels;
  assert.ok(frames > mic.format.sampleRate * 0.8, 'about a second of speech or more');
  if (mic.gainDb) {
    const clipped = samples.filter((v) => v >= 32_767 || v <= -32_768).length;
    assert.ok(clipped / samples.length > 0.05, `${clipped} of ${samples.length} samples clipped`);
  }
  if (mic.format.channels === 2) {
    let left = 0;
    let right = 0;
    for (let f = 0; f < frames; f++) {
      left += Math.abs(samples[2 * f]!);
      right += Math.abs(samples[2 * f + 1]!);
    }
    assert.ok(right > 0 && right < left * 0.7, 'two channels, the right one quieter');
  }
}
