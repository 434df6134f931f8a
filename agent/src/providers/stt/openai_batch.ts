import { encodeWav } from '@voice-agent/common/wav';
import OpenAI, { toFile } from 'openai';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import type { Logger } from '../../log.js';
import { providerMetrics } from '../../metrics/providers.js';
import { LinkedAbort, retry, toProviderError, withDeadline } from '../base.js';
import type { RetryPolicy } from '../base.js';
import { concat } from '../pcm.js';
import type { Stt, SttEvent, SttStream, SttStreamOptions } from '../types.js';
import { keytermPrompt } from './keyterms.js';

/** OpenAI rejects audio shorter than 0.1 s; anything that short is no words anyway. */
const MIN_AUDIO_SAMPLES = PIPELINE_SAMPLE_RATE / 10;

export interface OpenAiBatchSttOptions {
  baseURL: string;
  apiKey: string;
  model: string;
  language?: string | undefined;
  /** Words to expect (names, jargon), sent as the transcription prompt. */
  keyterms?: readonly string[] | undefined;
  /** Metrics/log label. Default 'openai-batch'. */
  label?: string | undefined;
  /** One transcription request, per attempt. Default 10000. */
  requestTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

/**
 * Speech to text for OpenAI-compatible servers without streaming: each committed utterance is
 * posted as a 24 kHz mono 16-bit WAV to `/v1/audio/transcriptions`. No interim events.
 */
export class OpenAiBatchStt implements Stt {
  readonly label: string;
  readonly #opts: OpenAiBatchSttOptions;
  readonly #client: OpenAI;
  readonly #closing = new AbortController();
  readonly #streams = new Set<BatchSttStream>();

  constructor(opts: OpenAiBatchSttOptions) {
    this.#opts = opts;
    this.label = opts.label ?? 'openai-batch';
    this.#client = new OpenAI({ baseURL: opts.baseURL, apiKey: opts.apiKey, maxRetries: 0 });
  }

  stream(opts: SttStreamOptions): SttStream {
    const stream = new BatchSttStream(
      this.label,
      (samples, signal) => this.#transcribe(samples, opts.language, signal),
      new LinkedAbort(opts.signal, this.#closing.signal),
      opts,
      () => this.#streams.delete(stream),
    );
    this.#streams.add(stream);
    return stream;
  }

  /** Lists the models (one GET, nothing billed): the server answers. */
  async probe(signal: AbortSignal): Promise<void> {
    try {
      await this.#client.models.list({ signal });
    } catch (err) {
      throw toProviderError(err, { provider: this.label, kind: 'stt' });
    }
  }

  async close(): Promise<void> {
    this.#closing.abort(new DOMException('provider closed', 'AbortError'));
    await Promise.all([...this.#streams].map((s) => s.close()));
  }

  /** One utterance -> its text, with retries; rejects with a ProviderError or the abort reason. */
  #transcribe(samples: Int16Array, language: string | undefined, signal: AbortSignal) {
    const label = { provider: this.label, kind: 'stt' as const };
    const lang = language ?? this.#opts.language;
    const prompt = keytermPrompt(this.#opts.keyterms);
    return retry(
      () =>
        withDeadline(
          async (attemptSignal) => {
            const wav = encodeWav({ samples, sampleRate: PIPELINE_SAMPLE_RATE, channels: 1 });
            const file = await toFile(wav, 'utterance.wav', { type: 'audio/wav' });
            const result = await this.#client.audio.transcriptions.create(
              {
                file,
                model: this.#opts.model,
                response_format: 'json',
                ...(lang ? { language: lang } : {}),
                ...(prompt ? { prompt } : {}),
              },
              { signal: attemptSignal },
            );
            return result.text;
          },
          { ...label, signal, timeoutMs: this.#opts.requestTimeoutMs ?? 10_000, what: 'response' },
        ),
      { ...label, signal, log: this.#opts.log, ...this.#opts.retry },
    );
  }
}

class BatchSttStream implements SttStream {
  readonly #provider: string;
  readonly #transcribe: (samples: Int16Array, signal: AbortSignal) => Promise<string>;
  readonly #life: LinkedAbort;
  readonly #opts: SttStreamOptions;
  readonly #onClosed: () => void;
  #chunks: Int16Array[] = [];
  /** Finals are emitted in commit order, whatever order the requests finish in. */
  #order: Promise<void> = Promise.resolve();
  #failed = false;

  constructor(
    provider: string,
    transcribe: (samples: Int16Array, signal: AbortSignal) => Promise<string>,
    life: LinkedAbort,
    opts: SttStreamOptions,
    onClosed: () => void,
  ) {
    this.#provider = provider;
    this.#transcribe = transcribe;
    this.#life = life;
    this.#opts = opts;
    this.#onClosed = onClosed;
  }

  pushAudio(samples: Int16Array): void {
    if (this.#life.signal.aborted || this.#failed) return;
    this.#chunks.push(samples.slice());
  }

  commit(): void {
    if (this.#life.signal.aborted || this.#failed) return;
    const committedAt = performance.now();
    const samples = concat(this.#chunks);
    this.#chunks = [];
    const signal = this.#life.signal;
    // Started now (requests overlap), awaited in order.
    const text =
      samples.length < MIN_AUDIO_SAMPLES ? Promise.resolve('') : this.#transcribe(samples, signal);
    text.catch(() => undefined);
    this.#order = this.#order.then(async () => {
      let result: string;
      try {
        result = await text;
      } catch (err) {
        this.#fail(err);
        return;
      }
      if (signal.aborted || this.#failed) return;
      const at = performance.now();
      const event: SttEvent = {
        type: 'final',
        text: result.trim(),
        at,
        latencyMs: at - committedAt,
      };
      if (samples.length >= MIN_AUDIO_SAMPLES) {
        // Counted by retry() as a request; here only the commit -> final latency.
        providerMetrics.firstChunk(this.#provider, 'stt', event.latencyMs);
      }
      this.#opts.onEvent(event);
    });
  }

  clear(): void {
    this.#chunks = [];
  }

  async close(): Promise<void> {
    this.#life.abort(new DOMException('stream closed', 'AbortError'));
    this.#chunks = [];
    this.#onClosed();
    await this.#order;
  }

  #fail(err: unknown): void {
    if (this.#life.signal.aborted || this.#failed) return;
    this.#failed = true;
    this.#chunks = [];
    this.#opts.onError(toProviderError(err, { provider: this.#provider, kind: 'stt' }));
  }
}
