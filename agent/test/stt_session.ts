/**
 * Shared by the STT provider tests: phrases the fixture recognises, the fixture and providers on
 * it, pushing audio, recording events.
 */
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { FixtureScriptOverrides, OpenAiFixture } from '@voice-agent/fixtures';
import { SAMPLES_PER_FRAME } from '../src/audio/format.js';
import type { ProviderError, Stt, SttEvent, SttStream } from '../src/providers/types.js';
import { until } from './until.js';

export const STT_PHRASES = ['What time is it?', 'Turn on the kitchen lights.'];

/** STT_KEYTERMS as the tests set it: a plain word, spaces and `&`, non-ASCII letters. */
export const KEYTERMS = ['LiveKit', 'Bang & Olufsen', 'Zürich', '東京'];

/** The fixture, recognising STT_PHRASES, with `apiKey` and `script` over its defaults. */
export function startSttFixture(apiKey: string, script: FixtureScriptOverrides = {}) {
  return startOpenAiFixture({ phrases: STT_PHRASES, apiKey, script });
}

/** The settings of an OpenAI realtime STT on `fx` (key 'sk-rt', gpt-4o-transcribe). */
export function realtimeSettings(fx: OpenAiFixture) {
  return { baseURL: fx.baseUrl, apiKey: 'sk-rt', model: 'gpt-4o-transcribe' };
}

/** Pushes audio in 10 ms frames (faster than real time). */
export function pushFrames(stream: SttStream, samples: Int16Array): void {
  for (let at = 0; at < samples.length; at += SAMPLES_PER_FRAME) {
    stream.pushAudio(samples.subarray(at, at + SAMPLES_PER_FRAME));
  }
}

/** One utterance said: its audio pushed, then committed (VAD's end of speech). */
export function say(stream: SttStream, samples: Int16Array): void {
  pushFrames(stream, samples);
  stream.commit();
}

export type SttRecorder = ReturnType<typeof sttRecorder>;

/** The events and errors of one STT stream, with waits on them. */
export function sttRecorder() {
  const events: SttEvent[] = [];
  const errors: ProviderError[] = [];
  const finals = () => events.filter((e) => e.type === 'final');
  return {
    events,
    errors,
    finals,
    /** The finals' texts, in order. */
    texts: () => finals().map((f) => f.text),
    until: (done: () => boolean, what: string, timeoutMs = 10_000) => until(done, what, timeoutMs),
    /** Resolves with the finals once there are `n`; rejects with the first error. */
    waitForFinals: async (n: number, timeoutMs = 10_000) => {
      await until(
        () => {
          if (errors.length > 0) throw errors[0];
          return finals().length >= n;
        },
        `${n} finals`,
        timeoutMs,
      );
      return finals();
    },
    onEvent: (e: SttEvent) => events.push(e),
    onError: (e: ProviderError) => errors.push(e),
  };
}

/** A stream on `stt` (alive until `signal` aborts or it is closed), and its recorder. */
export function sttSession(stt: Stt, signal = new AbortController().signal) {
  const rec = sttRecorder();
  return { rec, stream: stt.stream({ signal, ...rec }) };
}

/**
 * Sessions on providers of their own, made by `make` with `over` its settings; `closeStreams()`
 * after each test, `close()` (the providers) after all.
 */
export function sttSessions<O>(make: (over: Partial<O>) => Stt) {
  const providers: Stt[] = [];
  const streams: SttStream[] = [];
  return {
    open(over: Partial<O> = {}) {
      const stt = make(over);
      providers.push(stt);
      const session = sttSession(stt);
      streams.push(session.stream);
      return session;
    },
    closeStreams: async () => {
      await Promise.all(streams.splice(0).map((s) => s.close()));
    },
    close: async () => {
      await Promise.all(providers.map((p) => p.close()));
    },
  };
}
