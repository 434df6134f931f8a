/**
 * A voice with made-up audio, for tests of what sits in front of a voice (the TTS cache): each
 * text gets `samplesOf(text)` samples of a value of its own, in chunks, one event-loop turn
 * apart. It records every request and can fail part-way.
 */
import { abortReason } from '../src/util/backoff.js';
import { ProviderError } from '../src/providers/types.js';
import type { SpeechSynthesizer } from '../src/providers/types.js';

export class ScriptedTts implements SpeechSynthesizer {
  readonly label: string;
  /** Every text asked for, in order. */
  readonly requests: string[] = [];
  /** The next request fails after this many chunks (then it is cleared). */
  failAfterChunks: number | undefined;
  readonly #samplesOf: (text: string) => number;
  readonly #chunkSamples: number;

  constructor(opts: {
    label?: string;
    samplesOf: (text: string) => number;
    chunkSamples?: number;
  }) {
    this.label = opts.label ?? 'scripted';
    this.#samplesOf = opts.samplesOf;
    this.#chunkSamples = opts.chunkSamples ?? 100;
  }

  /** The sample value every sample of `text`'s audio has. */
  static valueOf(text: string): number {
    let h = 7;
    for (const c of text) h = (h * 31 + c.charCodeAt(0)) % 30_000;
    return h + 1;
  }

  async *synthesize(
    text: string,
    { signal }: { signal: AbortSignal },
  ): AsyncGenerator<Int16Array, void, undefined> {
    this.requests.push(text);
    const failAfter = this.failAfterChunks;
    this.failAfterChunks = undefined;
    const total = this.#samplesOf(text);
    for (let at = 0, n = 0; at < total; at += this.#chunkSamples, n++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) throw abortReason(signal);
      if (n === failAfter) {
        throw new ProviderError({
          provider: this.label,
          kind: 'tts',
          message: 'connection dropped',
          retryable: true,
        });
      }
      const length = Math.min(this.#chunkSamples, total - at);
      yield new Int16Array(length).fill(ScriptedTts.valueOf(text));
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
