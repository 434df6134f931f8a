/** Shared by the STT provider tests: phrases the fixture recognises, pushing audio, recording events. */
import { SAMPLES_PER_FRAME } from '../src/audio/format.js';
import type { ProviderError, SttEvent, SttStream } from '../src/providers/types.js';
import { until } from './until.js';

export const STT_PHRASES = ['What time is it?', 'Turn on the kitchen lights.'];

/** Pushes audio in 10 ms frames (faster than real time). */
export function pushFrames(stream: SttStream, samples: Int16Array): void {
  for (let at = 0; at < samples.length; at += SAMPLES_PER_FRAME) {
    stream.pushAudio(samples.subarray(at, at + SAMPLES_PER_FRAME));
  }
}

/** The events and errors of one STT stream, with waits on them. */
export function sttRecorder() {
  const events: SttEvent[] = [];
  const errors: ProviderError[] = [];
  const finals = () => events.filter((e) => e.type === 'final');
  return {
    events,
    errors,
    finals,
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
