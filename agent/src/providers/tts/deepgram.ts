/**
 * Deepgram Aura-2 over its streaming WebSocket (`/v1/speak`, linear16 at 24 kHz: the pipeline's
 * format, so nothing is resampled).
 *
 * 1. One socket per DeepgramTts instance, opened by warmUp() or the first synthesize(), kept
 *    open across replies. A socket that closed (Deepgram's idle or 60-minute limit, a drop) is
 *    reopened on next use; a failure before a turn's first audio is retried with backoff
 *    (retryingStream), on a new socket when the old one is gone.
 * 2. Each synthesize() is one turn: `Speak` + `Flush`, audio until `Flushed`. Turns take the
 *    socket one at a time, in call order; the next `Speak` goes out once the last turn's
 *    `Flushed` (or `Cleared`) is in, while its audio may still be being read.
 * 3. An abort (barge-in) sends `Clear`; the socket stays, and the next turn waits for `Cleared`.
 * 4. Deepgram takes 20 Flushes per 60 s; past that it ignores them (a `Warning`). A turn over
 *    the limit waits for the oldest Flush to leave the window, before its first-audio deadline
 *    starts (merging turns is not possible: each synthesize() owns its audio). A Warning about
 *    a refused Flush fails the turn, not retryably (a fallback chain moves on).
 */
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import type { Logger } from '../../log.js';
import { sleep } from '../../util/backoff.js';
import { abortable, LinkedAbort, retryingStream } from '../base.js';
import type { ProviderLabel, RetryPolicy } from '../base.js';
import type { SpeechSynthesizer } from '../types.js';
import { SpeakSocket, type TurnHooks } from './deepgram_socket.js';

export interface DeepgramTtsOptions {
  /** `wss://api.deepgram.com` (or self-hosted; `http(s)` is taken as `ws(s)`); `/v1/speak` is appended. */
  baseURL: string;
  apiKey: string;
  /** An Aura voice, e.g. `aura-2-thalia-en`. */
  model: string;
  /** Metrics/log label. Default 'deepgram'. */
  label?: string | undefined;
  /** Connect -> socket open. Default 5000. */
  connectTimeoutMs?: number | undefined;
  /** Flush -> first audio, per attempt. Default 5000. */
  firstChunkTimeoutMs?: number | undefined;
  /** Longest gap between audio frames. Default 5000. */
  stallTimeoutMs?: number | undefined;
  /** Clear -> Cleared, before the socket is given up. Default 2000. */
  clearTimeoutMs?: number | undefined;
  /** Deepgram's Flush limit. Default 20 per 60 000 ms (tests shorten it). */
  flushLimit?: { count: number; windowMs: number } | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

export class DeepgramTts implements SpeechSynthesizer {
  readonly label: string;
  readonly #opts: DeepgramTtsOptions;
  readonly #url: string;
  readonly #closing = new AbortController();
  readonly #flushes: FlushWindow;
  #socket: Promise<SpeakSocket> | undefined;
  /** Settles when the last queued turn has its `Flushed` (or has ended). */
  #queue: Promise<void> = Promise.resolve();

  constructor(opts: DeepgramTtsOptions) {
    this.#opts = opts;
    this.label = opts.label ?? 'deepgram';
    this.#url = speakUrl(opts.baseURL, opts.model);
    this.#flushes = new FlushWindow(opts.flushLimit ?? { count: 20, windowMs: 60_000 });
  }

  synthesize(text: string, { signal }: { signal: AbortSignal }): AsyncIterable<Int16Array> {
    if (text.trim() === '') return empty();
    return this.#stream(text, signal);
  }

  /** Opens the socket now, so the first reply does not wait for it. */
  async warmUp(): Promise<void> {
    try {
      await this.#connect(this.#closing.signal);
    } catch (err) {
      this.#opts.log?.debug({ provider: this.label, err: String(err) }, 'tts warm-up failed');
    }
  }

  /** Opens a socket of its own and closes it without speaking: nothing is billed. */
  async probe(signal: AbortSignal): Promise<void> {
    const socket = await this.#open(signal);
    await socket.close({ quietly: true });
  }

  async close(): Promise<void> {
    this.#closing.abort(new DOMException('provider closed', 'AbortError'));
    const socket = await this.#socket?.catch(() => undefined);
    await socket?.close();
  }

  async *#stream(text: string, signal: AbortSignal): AsyncGenerator<Int16Array, void, undefined> {
    const request = new LinkedAbort(signal, this.#closing.signal);
    const release = await this.#enqueue(request.signal);
    try {
      const waitMs = await this.#flushes.waitForRoom(request.signal);
      if (waitMs > 0) {
        this.#opts.log?.warn({ provider: this.label, waitMs }, 'tts flush limit: turn waited');
      }
      // Each attempt's Flush is counted as it leaves (a retry's too, without waiting).
      const hooks = { flushSent: () => this.#flushes.record(), flushed: release };
      yield* retryingStream((attempt) => this.#attempt(text, attempt, hooks), {
        provider: this.label,
        kind: 'tts',
        signal: request.signal,
        firstChunkTimeoutMs: this.#opts.firstChunkTimeoutMs ?? 5_000,
        stallTimeoutMs: this.#opts.stallTimeoutMs ?? 5_000,
        log: this.#opts.log,
        ...this.#opts.retry,
      });
    } finally {
      release();
      request.dispose();
    }
  }

  async *#attempt(
    text: string,
    signal: AbortSignal,
    hooks: TurnHooks,
  ): AsyncGenerator<Int16Array, void, undefined> {
    const socket = await this.#connect(signal);
    yield* socket.speak(text, signal, hooks);
  }

  /** Waits for the turns queued before this one; the returned release may be called twice. */
  async #enqueue(signal: AbortSignal): Promise<() => void> {
    const previous = this.#queue;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.#queue = previous.then(() => mine);
    try {
      await abortable(previous, signal);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /**
   * The open socket, or a new one if there is none (or it closed). Chained on the last one
   * synchronously, so callers at the same moment (warmUp and a reply) share one opening.
   */
  #connect(signal: AbortSignal): Promise<SpeakSocket> {
    this.#socket = this.#reuseOrOpen(this.#socket);
    return abortable(this.#socket, signal);
  }

  async #reuseOrOpen(previous: Promise<SpeakSocket> | undefined): Promise<SpeakSocket> {
    const current = await previous?.catch(() => undefined);
    if (current?.usable) return current;
    // Opened under the provider's life, not the attempt's: a deadline does not waste it.
    return this.#open(this.#closing.signal);
  }

  #open(signal: AbortSignal): Promise<SpeakSocket> {
    return SpeakSocket.open(this.#url, {
      label: this.#labelOf(),
      apiKey: this.#opts.apiKey,
      timeoutMs: this.#opts.connectTimeoutMs ?? 5_000,
      clearTimeoutMs: this.#opts.clearTimeoutMs ?? 2_000,
      signal,
      log: this.#opts.log,
    });
  }

  #labelOf(): ProviderLabel {
    return { provider: this.label, kind: 'tts' };
  }
}

/** `/v1/speak` with the voice and the pipeline's PCM format. */
function speakUrl(baseURL: string, model: string): string {
  const url = new URL(baseURL.replace(/\/+$/, '') + '/v1/speak');
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol === 'http:') url.protocol = 'ws:';
  url.searchParams.set('model', model);
  url.searchParams.set('encoding', 'linear16');
  url.searchParams.set('sample_rate', String(PIPELINE_SAMPLE_RATE));
  return url.href;
}

/**
 * At most `count` Flushes in any `windowMs`: a sliding window of the times they were sent. The
 * server sees each a little later than it left, so a place frees `MARGIN_MS` after the window.
 */
export class FlushWindow {
  static readonly MARGIN_MS = 50;
  #times: number[] = [];

  constructor(private readonly limit: { count: number; windowMs: number }) {}

  /** Waits until one more Flush fits; resolves with the time waited. */
  async waitForRoom(signal: AbortSignal): Promise<number> {
    const started = performance.now();
    const spanMs = this.limit.windowMs + FlushWindow.MARGIN_MS;
    for (;;) {
      const now = performance.now();
      this.#times = this.#times.filter((t) => now - t < spanMs);
      const oldest = this.#times[0];
      if (this.#times.length < this.limit.count || oldest === undefined) {
        return Math.round(now - started);
      }
      await sleep(oldest + spanMs - now, signal);
    }
  }

  /** A Flush left now. */
  record(): void {
    this.#times.push(performance.now());
  }
}

async function* empty(): AsyncGenerator<Int16Array, void, undefined> {}
