import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import type { Logger } from '../../log.js';
import { LinkedAbort, retryingStream, withDeadline } from '../base.js';
import { TTS_STALL_MS } from './stall.js';
import type { RetryPolicy } from '../base.js';
import { KeepAliveHttp } from '../http.js';
import { Pcm16Assembler, StreamResampler } from '../pcm.js';
import type { SpeechSynthesizer } from '../types.js';

/** `response_format: 'pcm'` is raw s16le mono at 24 kHz. */
export const OPENAI_PCM_SAMPLE_RATE = 24_000;

export interface OpenAiTtsOptions {
  baseURL: string;
  apiKey: string;
  model: string;
  voice: string;
  /** Extra request fields (`speed`, `instructions`...). */
  extraBody?: Record<string, unknown> | undefined;
  /** Metrics/log label. Default 'openai'. */
  label?: string | undefined;
  /** Request -> first audio bytes, per attempt. Default 5000. */
  firstChunkTimeoutMs?: number | undefined;
  /** Longest gap between audio chunks once they began. Default TTS_STALL_MS (1500). */
  stallTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

/**
 * OpenAI-compatible `/v1/audio/speech`, streamed as raw PCM: chunks are yielded as they arrive
 * from the network (a sample split across two network chunks is reassembled). Retries only
 * before the first chunk; keeps its own keep-alive connection, opened early by warmUp().
 */
export class OpenAiTts implements SpeechSynthesizer {
  readonly label: string;
  readonly #opts: OpenAiTtsOptions;
  readonly #http: KeepAliveHttp;
  readonly #closing = new AbortController();

  constructor(opts: OpenAiTtsOptions) {
    this.#opts = opts;
    this.label = opts.label ?? 'openai';
    this.#http = new KeepAliveHttp({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey,
      label: { provider: this.label, kind: 'tts' },
    });
  }

  synthesize(text: string, { signal }: { signal: AbortSignal }): AsyncIterable<Int16Array> {
    if (text.trim() === '') return empty();
    return this.#stream(text, signal);
  }

  /** Opens the keep-alive connection (GET /models), so the first request skips TCP/TLS setup. */
  async warmUp(): Promise<void> {
    const started = performance.now();
    try {
      await withDeadline((signal) => this.#http.warm('/models', signal), {
        provider: this.label,
        kind: 'tts',
        signal: this.#closing.signal,
        timeoutMs: 5_000,
        what: 'warm-up',
      });
      this.#opts.log?.debug(
        { provider: this.label, warmUpMs: performance.now() - started },
        'tts connection warm',
      );
    } catch (err) {
      // A server without /models still gets its connection opened; nothing else depends on it.
      this.#opts.log?.debug({ provider: this.label, err: String(err) }, 'tts warm-up failed');
    }
  }

  /** GET /models on the keep-alive connection (nothing billed): the server answers. */
  async probe(signal: AbortSignal): Promise<void> {
    await this.#http.warm('/models', signal);
  }

  async close(): Promise<void> {
    this.#closing.abort(new DOMException('provider closed', 'AbortError'));
    this.#http.close();
  }

  async *#stream(text: string, signal: AbortSignal): AsyncGenerator<Int16Array, void, undefined> {
    const request = new LinkedAbort(signal, this.#closing.signal);
    try {
      yield* retryingStream((attemptSignal) => this.#attempt(text, attemptSignal), {
        provider: this.label,
        kind: 'tts',
        signal: request.signal,
        firstChunkTimeoutMs: this.#opts.firstChunkTimeoutMs ?? 5_000,
        stallTimeoutMs: this.#opts.stallTimeoutMs ?? TTS_STALL_MS,
        log: this.#opts.log,
        ...this.#opts.retry,
      });
    } finally {
      request.dispose();
    }
  }

  async *#attempt(text: string, signal: AbortSignal): AsyncGenerator<Int16Array, void, undefined> {
    const res = await this.#http.request({
      method: 'POST',
      path: '/audio/speech',
      signal,
      json: {
        ...this.#opts.extraBody,
        model: this.#opts.model,
        voice: this.#opts.voice,
        input: text,
        response_format: 'pcm',
      },
    });
    const pcm = new Pcm16Assembler();
    const resampler =
      OPENAI_PCM_SAMPLE_RATE === PIPELINE_SAMPLE_RATE
        ? undefined
        : new StreamResampler(OPENAI_PCM_SAMPLE_RATE, PIPELINE_SAMPLE_RATE);
    try {
      for await (const bytes of res as AsyncIterable<Buffer>) {
        signal.throwIfAborted();
        const samples = pcm.push(bytes);
        const out = resampler ? resampler.push(samples) : samples;
        if (out.length > 0) yield out;
      }
      signal.throwIfAborted();
      const tail = resampler?.flush();
      if (tail && tail.length > 0) yield tail;
      if (pcm.pending) {
        this.#opts.log?.debug({ provider: this.label }, 'tts stream ended inside a sample');
      }
    } finally {
      resampler?.close();
      // An unfinished body (abort, stall) must not go back to the pool; a finished one may.
      if (!res.complete) res.destroy();
    }
  }
}

async function* empty(): AsyncGenerator<Int16Array, void, undefined> {}
