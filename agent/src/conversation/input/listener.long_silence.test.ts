import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AudioFrame, dispose } from '@livekit/rtc-node';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { FRAME_MS, PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from '../../audio/format.js';
import { DEFAULT_ACTIVITY } from '../../audio/level.js';
import { SileroVad } from '../../audio/vad.js';
import { OpenAiRealtimeStt } from '../../providers/stt/openai_realtime.js';
import { recording } from '../../../test/recording_stt.js';
import { layout, speech } from '../../../test/vad_audio.js';
import { until } from '../../../test/until.js';
import { listen } from './listener.js';

/**
 * A microphone that sends pure silence for ten minutes, then a question: the whole microphone
 * chain (level meter, real Silero VAD, segmenter, the realtime STT fixture over its WebSocket)
 * fed the frames as fast as it takes them. The chain is clocked by the frames it reads (VAD's
 * stream time), not by the wall clock, so ten minutes of audio take seconds and mean the same to
 * it as ten minutes would; in real time this case would add ten minutes to every test run.
 */
const PHRASE = 'What time does the museum open?';
const SILENCE_MS = 10 * 60_000;
const SILENT_FRAMES = SILENCE_MS / FRAME_MS;
const VAD_SILENCE_MS = 300;
/** The listener's pre-roll (listener.ts PREROLL_MS): sent to STT before each utterance. */
const PREROLL_MS = 300;

/** The JS heap in use after a full collection, in MB. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

let vad: SileroVad;
let fx: OpenAiFixture;

before(async () => {
  vad = await SileroVad.load();
  fx = await startOpenAiFixture({
    phrases: [PHRASE],
    apiKey: 'sk-rt',
    script: { realtime: { finalDelayMs: 50, deltaIntervalMs: 0 } },
  });
});
after(async () => {
  await fx.close();
  await dispose();
});

describe('listener: ten minutes of pure silence, then speech', () => {
  it('sends nothing to STT, starts no turn, holds no more memory; the question after is heard', async (t) => {
    const real = new OpenAiRealtimeStt({ baseURL: fx.baseUrl, apiKey: 'sk-rt', model: 'm' });
    const { stt, calls } = recording(real);
    const ask = layout([{ audio: speech(PHRASE), label: 'question' }, { silenceMs: 1_000 }]);
    const speechMs = (speech(PHRASE).length * 1000) / PIPELINE_SAMPLE_RATE;

    // What the listener did, and at which frame it had taken (frames taken so far).
    let taken = 0;
    const seen: { what: string; frame: number; text?: string }[] = [];
    const heap: { frame: number; mb: number }[] = [];
    const started = performance.now();
    let silenceDoneAt = 0;
    const frames = new ReadableStream<AudioFrame>(
      {
        pull(controller) {
          let samples: Int16Array;
          if (taken < SILENT_FRAMES) {
            samples = new Int16Array(SAMPLES_PER_FRAME);
            // After the first minute (everything warmed up) and at the end of the silence.
            if (taken === 6_000 || taken === SILENT_FRAMES - 1)
              heap.push({ frame: taken, mb: heapMb() });
            if (taken === SILENT_FRAMES - 1) silenceDoneAt = performance.now();
          } else {
            const off = (taken - SILENT_FRAMES) * SAMPLES_PER_FRAME;
            // All fed: the microphone stays open (and silent to the reader) until the test ends.
            if (off >= ask.samples.length) return new Promise<void>(() => undefined);
            samples = ask.samples.slice(off, off + SAMPLES_PER_FRAME);
          }
          taken++;
          controller.enqueue(new AudioFrame(samples, PIPELINE_SAMPLE_RATE, 1, samples.length));
        },
      },
      { highWaterMark: 1 },
    );
    const ac = new AbortController();
    const note = (what: string, text?: string) =>
      seen.push({ what, frame: taken, ...(text === undefined ? {} : { text }) });
    const listening = listen(
      frames,
      {
        vad,
        vadOptions: { minSilenceMs: VAD_SILENCE_MS, minSpeechMs: 64 },
        stt,
        interruptMinSpeechMs: 1_000,
        draftSilenceMs: 96,
        activity: { thresholdDbfs: -45, ...DEFAULT_ACTIVITY },
        signal: ac.signal,
      },
      {
        onLevel: (change) => note(change.active ? 'level up' : 'level down'),
        onSpeechStart: () => note('speech start'),
        onSpeechLasting: () => note('speech lasting'),
        onSpeechEnd: () => note('speech end'),
        onTranscript: (event) => note(event.type, event.text),
        onSttError: (error) => note(`stt error: ${error.message}`),
        onSoundWithoutSpeech: () => note('sound without speech'),
      },
    );
    await until(() => seen.some((s) => s.what === 'final'), 'the final of the question', 180_000);
    ac.abort();
    await listening;
    await real.close();

    // During the silence: nothing at all.
    const inSilence = seen.filter((s) => s.frame <= SILENT_FRAMES);
    assert.deepEqual(inSilence, [], 'no level change, speech, transcript or error in the silence');
    const pushedMs = (n: number) => (n * 1000) / PIPELINE_SAMPLE_RATE;
    const firstPush = calls.findIndex((c) => c.what === 'push');
    assert.ok(firstPush >= 0, 'the question was sent');
    assert.ok(
      calls[firstPush]!.at >= silenceDoneAt,
      'no audio went to STT before the question began',
    );
    // The question: one utterance, heard word for word, with no more audio than the design
    // sends (the pre-roll, the speech, the silence that ended it).
    assert.deepEqual(
      seen.filter((s) => s.what !== 'interim' && !s.what.startsWith('level')).map((s) => s.what),
      ['speech start', 'speech lasting', 'speech end', 'final'],
    );
    assert.equal(seen.find((s) => s.what === 'final')!.text, PHRASE);
    const sentMs = pushedMs(calls.reduce((n, c) => n + (c.samples ?? 0), 0));
    assert.ok(
      sentMs <= PREROLL_MS + speechMs + VAD_SILENCE_MS + 100,
      `${Math.round(sentMs)} ms sent to STT for ${Math.round(speechMs)} ms of speech`,
    );
    assert.equal(calls.filter((c) => c.what === 'commit').length, 1);
    const sessions = fx.requests.filter((r) => r.endpoint === 'realtime').length;
    assert.equal(sessions, 1, 'one STT session all along');
    // Memory: nothing kept per frame (nine minutes of audio would be 26 MB of samples).
    const [atMinute, atEnd] = heap;
    assert.ok(atMinute && atEnd);
    assert.ok(
      atEnd.mb - atMinute.mb < 3,
      `JS heap after GC: ${atMinute.mb.toFixed(1)} MB after a minute, ${atEnd.mb.toFixed(1)} MB after ten`,
    );
    const wallS = (silenceDoneAt - started) / 1000;
    t.diagnostic(
      `ten minutes of silence through the chain in ${wallS.toFixed(1)} s ` +
        `(${Math.round(SILENCE_MS / 1000 / wallS)}x real time); JS heap after GC ` +
        `${atMinute.mb.toFixed(1)} MB at 1 min, ${atEnd.mb.toFixed(1)} MB at 10 min; ` +
        `${Math.round(sentMs)} ms sent to STT for ${Math.round(speechMs)} ms of speech`,
    );
  });
});
