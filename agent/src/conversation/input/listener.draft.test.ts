import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AudioFrame, AudioSource, dispose, LocalAudioTrack } from '@livekit/rtc-node';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture, RealtimeRecord } from '@voice-agent/fixtures';
import { PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from '../../audio/format.js';
import { DEFAULT_ACTIVITY } from '../../audio/level.js';
import { SileroVad } from '../../audio/vad.js';
import { OpenAiRealtimeStt } from '../../providers/stt/openai_realtime.js';
import type { SttEvent } from '../../providers/types.js';
import { recording } from '../../../test/recording_stt.js';
import { layout, speech, whiteNoise } from '../../../test/vad_audio.js';
import type { Part } from '../../../test/vad_audio.js';
import { listen, microphoneFrames } from './listener.js';

/**
 * The listener drafts an utterance to STT at a short silence inside speech, so its words are
 * ready about when VAD ends it. Real rtc-node audio (a local track), real Silero VAD, the
 * realtime fixture; the STT is wrapped only to record what the listener asked of it.
 */
const PHRASES = ['What time is it?', 'Turn on the kitchen lights.'];
const VAD_SILENCE_MS = 300;

let vad: SileroVad;
let fx: OpenAiFixture;

before(async () => {
  vad = await SileroVad.load();
  fx = await startOpenAiFixture({
    phrases: PHRASES,
    apiKey: 'sk-rt',
    script: { realtime: { finalDelayMs: 150, deltaIntervalMs: 0 } },
  });
});
after(async () => {
  await fx.close();
  await dispose();
});

/** Plays `parts` into a local track in real time and listens to it; what the listener did. */
async function hear(parts: Part[], draftSilenceMs: number | undefined) {
  const real = new OpenAiRealtimeStt({ baseURL: fx.baseUrl, apiKey: 'sk-rt', model: 'm' });
  const { stt, calls } = recording(real);
  const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, 1000);
  const track = LocalAudioTrack.createAudioTrack('mic', source);
  const ac = new AbortController();
  const seen: { what: 'end' | SttEvent['type']; at: number; text?: string }[] = [];
  const drafts: string[] = [];
  const listening = listen(
    microphoneFrames(track),
    {
      vad,
      vadOptions: { minSilenceMs: VAD_SILENCE_MS, minSpeechMs: 64 },
      stt,
      interruptMinSpeechMs: 1_000,
      draftSilenceMs,
      activity: { thresholdDbfs: -45, ...DEFAULT_ACTIVITY },
      signal: ac.signal,
    },
    {
      onLevel: () => undefined,
      onSpeechStart: () => undefined,
      onSpeechLasting: () => undefined,
      onSpeechEnd: () => seen.push({ what: 'end', at: performance.now() }),
      onTranscript: (event) => seen.push({ what: event.type, at: event.at, text: event.text }),
      onSttError: (error) => assert.fail(error),
      onSttDraft: (outcome) => drafts.push(outcome),
    },
  );
  const { samples } = layout(parts);
  for (let at = 0; at < samples.length; at += SAMPLES_PER_FRAME) {
    const data = samples.slice(at, at + SAMPLES_PER_FRAME);
    await source.captureFrame(new AudioFrame(data, PIPELINE_SAMPLE_RATE, 1, data.length));
  }
  await source.waitForPlayout();
  await new Promise((resolve) => setTimeout(resolve, 400)); // the last final
  ac.abort();
  await listening;
  await real.close();
  await source.close();
  const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
  return { calls, seen, drafts, server: body };
}

describe('listener: a draft to STT at a short silence', () => {
  it('a finished utterance: drafted once quiet, its final given at the commit, after the end', async (t) => {
    const parts: Part[] = [
      { silenceMs: 300 },
      { audio: speech(PHRASES[1]!), label: 'command' },
      { silenceMs: 700 },
    ];
    const drafted = await hear(parts, 96);
    const plain = await hear(parts, undefined);

    for (const run of [drafted, plain]) {
      assert.deepEqual(
        run.seen.filter((s) => s.what === 'final').map((s) => s.text),
        [PHRASES[1]],
      );
      const order = run.seen.map((s) => s.what).filter((w) => w !== 'interim');
      assert.deepEqual(order, ['end', 'final'], 'the speech end before its final');
    }
    const calls = drafted.calls.map((c) => c.what).filter((w, i, all) => w !== all[i - 1]);
    assert.deepEqual(calls, ['push', 'draft', 'commit'], 'no audio between the draft and commit');
    assert.equal(
      drafted.server.clientEvents.filter((e) => e === 'input_audio_buffer.commit').length,
      1,
    );
    assert.deepEqual(drafted.drafts, ['confirmed']);
    assert.ok(!plain.calls.some((c) => c.what === 'draft'));
    assert.deepEqual(plain.drafts, []);

    const endToFinal = (run: typeof drafted) =>
      Math.round(run.seen.find((s) => s.what === 'final')!.at - run.seen[0]!.at);
    t.diagnostic(
      `VAD end -> final: ${endToFinal(drafted)} ms with a draft at 96 ms of silence, ` +
        `${endToFinal(plain)} ms without (fixture final delay 150 ms, VAD silence ${VAD_SILENCE_MS} ms)`,
    );
  });

  it('speech going on after a draft drops it: one final, of the whole utterance', async () => {
    // "What", a pause VAD hears as more than 96 ms of silence (and less than its 300), the rest.
    const run = await hear(
      [
        { silenceMs: 300 },
        { audio: speech('What'), label: 'what' },
        { silenceMs: 150 },
        { audio: speech('time is it?'), label: 'rest' },
        { silenceMs: 700 },
      ],
      96,
    );
    const calls = run.calls.map((c) => c.what).filter((w, i, all) => w !== all[i - 1]);
    assert.deepEqual(calls, ['push', 'draft', 'push', 'draft', 'commit'], 'drafted at the gap');
    assert.deepEqual(run.drafts, ['dropped', 'confirmed']);
    assert.deepEqual(
      run.seen.filter((s) => s.what === 'final').map((s) => s.text),
      [PHRASES[0]],
    );
    // The server transcribed the part, then the whole utterance (the second draft, confirmed).
    assert.equal(run.calls.filter((c) => c.what === 'draft').length, 2, 'one draft per silence');
    const [part, whole] = run.server.finals;
    const pushedMs =
      (run.calls.reduce((n, c) => n + (c.samples ?? 0), 0) * 1000) / PIPELINE_SAMPLE_RATE;
    assert.ok(part && whole && whole.audioMs > part.audioMs + 300, 'the whole, not the rest');
    // Everything the listener sent, held-back silence included, in the one commit.
    assert.ok(
      Math.abs(whole.audioMs - pushedMs) < 20,
      `the server's last commit held ${whole.audioMs} ms of the ${pushedMs} ms pushed`,
    );
  });
});

describe("listener: sound around a draft and at VAD's end", () => {
  it('sound after a draft that VAD calls silence (a release, a soft end) drops it too', async () => {
    const run = await hear(
      [
        { silenceMs: 300 },
        { audio: speech(PHRASES[1]!), label: 'command' },
        { silenceMs: 180 },
        { audio: whiteNoise(40, 3000), label: 'a click of sound' },
        { silenceMs: 700 },
      ],
      96,
    );
    // Drafted in the quiet before the sound; the sound was over by VAD's end, so it was the
    // utterance's and dropped the draft.
    assert.deepEqual(run.drafts, ['dropped'], 'the sound dropped the draft');
    const whole = run.server.finals.at(-1);
    const pushedMs =
      (run.calls.reduce((n, c) => n + (c.samples ?? 0), 0) * 1000) / PIPELINE_SAMPLE_RATE;
    assert.ok(whole && Math.abs(whole.audioMs - pushedMs) < 20, 'the sound went with it');
    assert.deepEqual(
      run.seen.filter((s) => s.what === 'final').map((s) => s.text),
      [PHRASES[1]],
    );
  });

  it('sound still going on as VAD ends the speech is left to the next utterance', async () => {
    // The next words' onset as VAD hears it before it calls it speech ("…tomorrow, | Sam?"):
    // sound from 200 ms after the command until after VAD's 300 ms of silence, then quiet.
    const parts: Part[] = [
      { silenceMs: 300 },
      { audio: speech(PHRASES[1]!), label: 'command' },
      { silenceMs: 200 },
      { audio: whiteNoise(200, 1000), label: 'onset' },
      { silenceMs: 500 },
      { audio: speech(PHRASES[0]!), label: 'question' },
      { silenceMs: 700 },
    ];
    for (const draftSilenceMs of [96, undefined]) {
      const run = await hear(parts, draftSilenceMs);
      const firstCommit = run.calls.findIndex((c) => c.what === 'commit');
      const sent = run.calls.slice(0, firstCommit).filter((c) => c.what === 'push');
      const tail = sent.slice(-10).map((c) => Math.round(c.db!));
      assert.ok(
        tail.every((db) => db < -45),
        `drafts ${draftSilenceMs}: the command's utterance ended with ${tail.join(', ')} dBFS`,
      );
      assert.ok(
        run.calls.slice(firstCommit).some((c) => c.what === 'push' && c.db! > -45),
        'the onset or the question was sent after the command',
      );
      assert.deepEqual(run.drafts, draftSilenceMs ? ['confirmed', 'confirmed'] : []);
      assert.deepEqual(
        run.seen.filter((s) => s.what === 'final').map((s) => s.text),
        [PHRASES[1], PHRASES[0]],
      );
    }
  });

  it('sound right on from the speech, with no quiet before it, stays with the utterance', async () => {
    // A soft end, noise or echo above the threshold all through VAD's silence: not an onset.
    const run = await hear(
      [
        { silenceMs: 300 },
        { audio: speech(PHRASES[1]!), label: 'command' },
        { audio: whiteNoise(800, 1000), label: 'sound' },
        { silenceMs: 700 },
      ],
      96,
    );
    const firstCommit = run.calls.findIndex((c) => c.what === 'commit');
    // White noise at 1000 RMS: every 10 ms frame within a dB of -30.3 dBFS. VAD's 300 ms of
    // silence end the speech inside it; sent to the next pre-roll, only the frames before VAD's
    // silence began (25 in one run) would be this utterance's, against 57 with them.
    const noiseFrames = run.calls
      .slice(0, firstCommit)
      .filter((c) => c.what === 'push' && Math.abs(c.db! + 30.3) < 1).length;
    assert.ok(noiseFrames >= 40, `${noiseFrames} frames of the sound went with the utterance`);
  });
});
