/**
 * Deepgram Aura-2 over its streaming WebSocket (`/v1/speak`, linear16 at 24 kHz: the pipeline's
 * format, so nothing is resampled).
 *
 * 1. Sockets kept open across replies, in a small pool: a turn takes a free socket with room
 *    under its Flush limit, or opens another (up to `maxSockets`), so each conversation
 *    speaking at a moment has a socket of its own and one room never waits for another's
 *    reply, while a conversation's next reply finds a warm socket. Sockets idle for a minute
 *    are closed. A socket that closed (Deepgram's idle or 60-minute limit, a drop) is reopened
 *    on next use; a failure before a turn's first audio is retried with backoff
 *    (retryingStream), on a new socket when the old one is gone.
 * 2. Each synthesize() is one turn: `Speak` + `Flush`, audio until `Flushed`. With every socket
 *    busy, turns queue on the least busy one, in call order; the next `Speak` goes out once
 *    the last turn's `Flushed` (or `Cleared`) is in, while its audio may still be being read.
 * 3. An abort (barge-in) sends `Clear`; the socket stays, and the next turn waits for `Cleared`.
 * 4. Deepgram takes 20 Flushes per 60 s on a socket; past that it ignores them (a `Warning`). A
 *    turn goes to a socket with room; with none (every socket at the limit, the pool full) it
 *    waits for the oldest Flush to leave the window, before its first-audio deadline
 *    starts (merging turns is not possible: each synthesize() owns its audio). A Warning about
 *    a refused Flush fails the turn, not retryably (a fallback chain moves on).
 */
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import type { Logger } from '../../log.js';
import { sleep } from '../../util/backoff.js';
import { abortable, LinkedAbort, retryingStream } from '../base.js';
import { TTS_STALL_MS } from './stall.js';
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
  /** Longest gap between audio frames once they began. Default TTS_STALL_MS (1500). */
  stallTimeoutMs?: number | undefined;
  /** Clear -> Cleared, before the socket is given up. Default 2000. */
  clearTimeoutMs?: number | undefined;
  /** Deepgram's Flush limit, per socket. Default 20 per 60 000 ms (tests shorten it). */
  flushLimit?: { count: number; windowMs: number } | undefined;
  /** Sockets open at most (conversations speaking at one moment). Default 16. */
  maxSockets?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

export class DeepgramTts implements SpeechSynthesizer {
  readonly label: string;
  readonly #opts: DeepgramTtsOptions;
  readonly #url: string;
  readonly #closing = new AbortController();
  readonly #lanes: SpeakLane[] = [];

  constructor(opts: DeepgramTtsOptions) {
    this.#opts = opts;
    this.label = opts.label ?? 'deepgram';
    this.#url = speakUrl(opts.baseURL, opts.model);
  }

  synthesize(text: string, { signal }: { signal: AbortSignal }): AsyncIterable<Int16Array> {
    if (text.trim() === '') return empty();
    return this.#stream(text, signal);
  }

  /** Opens the socket now, so the first reply does not wait for it. */
  async warmUp(): Promise<void> {
    try {
      await this.#connect(this.#lanes[0] ?? this.#newLane(), this.#closing.signal);
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
    await Promise.all(this.#lanes.splice(0).map((lane) => lane.close()));
  }

  async *#stream(text: string, signal: AbortSignal): AsyncGenerator<Int16Array, void, undefined> {
    const request = new LinkedAbort(signal, this.#closing.signal);
    const lane = this.#pick();
    lane.turns++;
    let release = () => {};
    try {
      release = await lane.enqueue(request.signal);
      const waitMs = await lane.flushes.waitForRoom(request.signal);
      if (waitMs > 0) {
        this.#opts.log?.warn({ provider: this.label, waitMs }, 'tts flush limit: turn waited');
      }
      // Each attempt's Flush is counted as it leaves (a retry's too, without waiting).
      const hooks = { flushSent: () => lane.flushes.record(), flushed: release };
      yield* retryingStream((attempt) => this.#attempt(lane, text, attempt, hooks), {
        provider: this.label,
        kind: 'tts',
        signal: request.signal,
        firstChunkTimeoutMs: this.#opts.firstChunkTimeoutMs ?? 5_000,
        stallTimeoutMs: this.#opts.stallTimeoutMs ?? TTS_STALL_MS,
        log: this.#opts.log,
        ...this.#opts.retry,
      });
    } finally {
      release();
      lane.turns--;
      lane.lastUsedAt = performance.now();
      request.dispose();
    }
  }

  async *#attempt(
    lane: SpeakLane,
    text: string,
    signal: AbortSignal,
    hooks: TurnHooks,
  ): AsyncGenerator<Int16Array, void, undefined> {
    const socket = await this.#connect(lane, signal);
    yield* socket.speak(text, signal, hooks);
  }

  /**
   * The socket a new turn takes: a free one with room under its Flush limit; else a new one
   * while the pool has room; else the least busy. Sockets idle for a minute are closed first.
   */
  #pick(): SpeakLane {
    const now = performance.now();
    for (const lane of this.#lanes.filter((l) => l.turns === 0 && now - l.lastUsedAt > IDLE_MS)) {
      this.#lanes.splice(this.#lanes.indexOf(lane), 1);
      void lane.close();
    }
    const free = this.#lanes.find((l) => l.turns === 0 && l.flushes.hasRoom());
    if (free) return free;
    if (this.#lanes.length < (this.#opts.maxSockets ?? 16)) return this.#newLane();
    return this.#lanes.reduce((a, b) => (b.turns < a.turns ? b : a));
  }

  #newLane(): SpeakLane {
    const lane = new SpeakLane(this.#opts.flushLimit ?? { count: 20, windowMs: 60_000 });
    this.#lanes.push(lane);
    return lane;
  }

  /**
   * The lane's open socket, or a new one if there is none (or it closed). Chained on the last
   * one synchronously, so callers at the same moment (warmUp and a reply) share one opening.
   */
  #connect(lane: SpeakLane, signal: AbortSignal): Promise<SpeakSocket> {
    lane.socket = this.#reuseOrOpen(lane.socket);
    return abortable(lane.socket, signal);
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

/** A socket unused this long is closed (Deepgram would close it in time anyway). */
const IDLE_MS = 60_000;

/** One socket of the pool, the turns queued on it, and its Flush window. */
class SpeakLane {
  socket: Promise<SpeakSocket> | undefined;
  /** Turns queued on it or speaking. */
  turns = 0;
  lastUsedAt = performance.now();
  readonly flushes: FlushWindow;
  /** Settles when the last queued turn has its `Flushed` (or has ended). */
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: { count: number; windowMs: number }) {
    this.flushes = new FlushWindow(limit);
  }

  /** Waits for the turns queued before this one; the returned release may be called twice. */
  async enqueue(signal: AbortSignal): Promise<() => void> {
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

  async close(): Promise<void> {
    const socket = await this.socket?.catch(() => undefined);
    await socket?.close();
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

  /** Whether one more Flush fits now. */
  hasRoom(): boolean {
    const now = performance.now();
    const spanMs = this.limit.windowMs + FlushWindow.MARGIN_MS;
    return this.#times.filter((t) => now - t < spanMs).length < this.limit.count;
  }

  /** A Flush left now. */
  record(): void {
    this.#times.push(performance.now());
  }
}

async function* empty(): AsyncGenerator<Int16Array, void, undefined> {}
