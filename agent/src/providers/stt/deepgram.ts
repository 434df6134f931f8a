import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { providerMetrics } from '../../metrics/providers.js';
import { LinkedAbort } from '../base.js';
import { concat, pcmToBytes } from '../pcm.js';
import type { SttStream, SttStreamOptions } from '../types.js';
import { SocketStt, SttSocket, type SocketSttOptions } from './socket.js';

/** Deepgram takes linear16 at any rate: the pipeline's, so nothing is resampled. */
const SAMPLE_RATE = PIPELINE_SAMPLE_RATE;
/**
 * Results are matched to utterances by stream time; Deepgram's times are rounded, so an
 * utterance counts as covered this close to its end (s).
 */
const TIME_SLACK_S = 0.02;

/** Label default 'deepgram'. */
export interface DeepgramSttOptions extends SocketSttOptions {
  /** `wss://api.deepgram.com` (or a self-hosted Deepgram); `/v1/listen` is appended. */
  baseURL: string;
  apiKey: string;
  /** e.g. `nova-3`. */
  model: string;
  language?: string | undefined;
  /** Audio per binary frame sent. Default 20. */
  frameMs?: number | undefined;
  /** Deepgram closes a socket after 10 s without audio: a KeepAlive goes out after this long. Default 4000. */
  keepAliveMs?: number | undefined;
  /**
   * Deepgram may leave a Finalize unanswered when little audio was left to process: after this
   * long the utterance ends with the words it has. Default 1500.
   */
  finalizeTimeoutMs?: number | undefined;
}

/**
 * Deepgram live transcription over a WebSocket (`/v1/listen`). Words arrive while the person
 * is still speaking (`interim_results`), which is what lets barge-in tell "mm-hmm" from "wait"
 * before the utterance ends. Deepgram's own endpointing is off: the agent's VAD commits each
 * utterance, and a commit is a `Finalize`.
 */
export class DeepgramStt extends SocketStt {
  constructor(cfg: DeepgramSttOptions) {
    const label = cfg.label ?? 'deepgram';
    super(
      label,
      (opts, closing, onClosed) => new DeepgramStream(label, cfg, opts, closing, onClosed),
    );
  }
}

/** The listen URL with the options this client relies on. */
export function listenUrl(cfg: DeepgramSttOptions, language: string | undefined): string {
  const url = new URL(cfg.baseURL.replace(/\/+$/, '') + '/v1/listen');
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol === 'http:') url.protocol = 'ws:';
  const params: Record<string, string> = {
    model: cfg.model,
    encoding: 'linear16',
    sample_rate: String(SAMPLE_RATE),
    channels: '1',
    interim_results: 'true',
    // The agent's VAD and turn detector decide where utterances end.
    endpointing: 'false',
    punctuate: 'true',
    ...(language ? { language } : {}),
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}

/** One utterance: its audio (for resending), where it ends in stream time, its words so far. */
interface Utterance {
  chunks: Int16Array[];
  samples: number;
  /** Stream time (s, on the current socket) where its audio ends; set at commit. */
  endS: number | undefined;
  committedAt: number | undefined;
  /** Final words of its results so far, in order. */
  parts: string[];
  /** Stream time (s) up to which final results have covered. */
  coveredS: number;
  /** The latest interim words after `parts`. */
  interim: string;
  interimSent: string;
  /** Set once all its words are known. */
  final: string | undefined;
  /** Cleared: its words are not wanted. */
  discarded: boolean;
  /** Running while its Finalize is unanswered. */
  finalizeTimer: NodeJS.Timeout | undefined;
  dropWarned: boolean;
}

function newUtterance(): Utterance {
  return {
    chunks: [],
    samples: 0,
    endS: undefined,
    committedAt: undefined,
    parts: [],
    coveredS: 0,
    interim: '',
    interimSent: '',
    final: undefined,
    discarded: false,
    finalizeTimer: undefined,
    dropWarned: false,
  };
}

interface ResultsMessage {
  type?: unknown;
  start?: unknown;
  duration?: unknown;
  is_final?: unknown;
  from_finalize?: unknown;
  channel?: { alternatives?: { transcript?: unknown }[] } | undefined;
}

class DeepgramStream implements SttStream {
  readonly #provider: string;
  readonly #cfg: DeepgramSttOptions;
  readonly #opts: SttStreamOptions;
  readonly #life: LinkedAbort;
  readonly #onClosed: () => void;
  readonly #frameSamples: number;
  readonly #maxSamples: number;
  readonly #socket: SttSocket;
  /** Samples sent on the current socket: Deepgram's stream clock. */
  #sentSamples = 0;
  /** Not yet sent (less than a frame). */
  #unsent: Int16Array[] = [];
  #unsentSamples = 0;
  /** Results that start before this stream time belong to utterances already answered. */
  #answeredUntilS = 0;
  #current = newUtterance();
  /** Committed utterances in commit order, until their finals are emitted. */
  readonly #inflight: Utterance[] = [];
  #lastSentAt = 0;
  readonly #keepAlive: NodeJS.Timeout;
  #closed = false;

  constructor(
    provider: string,
    cfg: DeepgramSttOptions,
    opts: SttStreamOptions,
    closing: AbortSignal,
    onClosed: () => void,
  ) {
    this.#provider = provider;
    this.#cfg = cfg;
    this.#opts = opts;
    this.#onClosed = onClosed;
    this.#frameSamples = Math.max(1, Math.round(((cfg.frameMs ?? 20) * SAMPLE_RATE) / 1000));
    this.#maxSamples = Math.round(((cfg.maxBufferedMs ?? 15_000) * SAMPLE_RATE) / 1000);
    this.#life = new LinkedAbort(opts.signal, closing);
    const language = opts.language ?? cfg.language;
    this.#socket = new SttSocket(
      provider,
      cfg,
      this.#life.signal,
      () => ({
        url: listenUrl(cfg, language),
        headers: { Authorization: `Token ${cfg.apiKey}` },
      }),
      {
        onOpen: () => this.#onOpen(),
        onMessage: (message) => this.#onServerMessage(message),
        onFailed: (error) => {
          this.#stopFinalizeTimers();
          this.#inflight.length = 0;
          this.#current = newUtterance();
          clearInterval(this.#keepAlive);
          this.#opts.onError(error);
        },
        owed: () => this.#inflight.some((u) => u.final === undefined),
      },
    );
    const keepAliveMs = cfg.keepAliveMs ?? 4_000;
    this.#keepAlive = setInterval(() => this.#sendKeepAlive(keepAliveMs), keepAliveMs / 2);
    this.#keepAlive.unref();
    if (this.#life.signal.aborted) void this.close();
    else this.#life.signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  get #dead(): boolean {
    return this.#closed || this.#socket.failed || this.#life.signal.aborted;
  }

  pushAudio(samples: Int16Array): void {
    if (this.#dead || samples.length === 0) return;
    const copy = samples.slice();
    const u = this.#current;
    u.chunks.push(copy);
    u.samples += copy.length;
    this.#bound(u);
    // While disconnected the utterances keep the audio; the next socket is sent it from there.
    if (!this.#socket.ws) return;
    this.#unsent.push(copy);
    this.#unsentSamples += copy.length;
    if (this.#unsentSamples >= this.#frameSamples) this.#flush();
  }

  commit(): void {
    if (this.#dead) return;
    const u = this.#current;
    this.#current = newUtterance();
    u.committedAt = performance.now();
    this.#inflight.push(u);
    this.#end(u);
  }

  clear(): void {
    if (this.#dead) return;
    // Audio already sent cannot be taken back: it is finalised like any other, and its words
    // are dropped when they come.
    const u = this.#current;
    this.#current = newUtterance();
    u.discarded = true;
    this.#inflight.push(u);
    this.#end(u);
  }

  /** A committed (or discarded) utterance: ask for its final words, or settle it now. */
  #end(u: Utterance): void {
    if (u.samples === 0) {
      u.endS = this.#sentSamples / SAMPLE_RATE;
      u.final = '';
      this.#emitReady();
      return;
    }
    if (this.#socket.ws) this.#finalize(u);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#life.abort(new DOMException('stream closed', 'AbortError'));
    clearInterval(this.#keepAlive);
    this.#stopFinalizeTimers();
    this.#onClosed();
    await this.#socket.close(JSON.stringify({ type: 'CloseStream' }));
  }

  /** A new socket has heard nothing: resend what is still unanswered, in order. */
  #onOpen(): void {
    this.#sentSamples = 0;
    this.#answeredUntilS = 0;
    this.#lastSentAt = performance.now();
    this.#unsent = [];
    this.#unsentSamples = 0;
    // Words and stream times from the old socket mean nothing on this one.
    const reset = (u: Utterance) => {
      u.parts = [];
      u.coveredS = 0;
      u.interim = '';
      if (u.final !== undefined) u.endS = 0; // answered: no result is theirs any more
      if (u.finalizeTimer) clearTimeout(u.finalizeTimer);
    };
    this.#inflight.forEach(reset);
    reset(this.#current);
    // A copy: an utterance settled at once leaves #inflight.
    for (const u of [...this.#inflight]) {
      if (u.final !== undefined) continue;
      this.#unsent.push(...u.chunks);
      this.#unsentSamples += u.samples;
      this.#finalize(u);
    }
    this.#unsent.push(...this.#current.chunks);
    this.#unsentSamples += this.#current.samples;
    this.#flush();
  }

  // ---- sending --------------------------------------------------------------------------------

  /** Sends all unsent audio as one binary frame. */
  #flush(): void {
    const ws = this.#socket.ws;
    if (!ws || ws.readyState !== ws.OPEN || this.#unsentSamples === 0) return;
    ws.send(pcmToBytes(concat(this.#unsent)));
    this.#sentSamples += this.#unsentSamples;
    this.#unsent = [];
    this.#unsentSamples = 0;
    this.#lastSentAt = performance.now();
  }

  /** Ends `u` at the audio sent so far and asks for its final words. */
  #finalize(u: Utterance): void {
    this.#flush();
    const ws = this.#socket.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    u.endS = this.#sentSamples / SAMPLE_RATE;
    if (u.coveredS >= u.endS - TIME_SLACK_S) {
      // Deepgram finalised all of it on its own already.
      this.#settle(u);
      return;
    }
    ws.send(JSON.stringify({ type: 'Finalize' }));
    this.#lastSentAt = performance.now();
    this.#socket.expectAnswer();
    const timeoutMs = this.#cfg.finalizeTimeoutMs ?? 1_500;
    u.finalizeTimer = setTimeout(() => {
      u.finalizeTimer = undefined;
      if (u.final !== undefined || this.#dead) return;
      this.#cfg.log?.debug({ provider: this.#provider, timeoutMs }, 'stt Finalize unanswered');
      this.#settle(u);
    }, timeoutMs);
  }

  #stopFinalizeTimers(): void {
    for (const u of this.#inflight) if (u.finalizeTimer) clearTimeout(u.finalizeTimer);
  }

  #sendKeepAlive(keepAliveMs: number): void {
    const ws = this.#socket.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    if (performance.now() - this.#lastSentAt < keepAliveMs) return;
    ws.send(JSON.stringify({ type: 'KeepAlive' }));
    this.#lastSentAt = performance.now();
  }

  /** Keeps an utterance's retained audio within maxBufferedMs, dropping the oldest. */
  #bound(u: Utterance): void {
    while (u.samples > this.#maxSamples && u.chunks.length > 1) {
      const dropped = u.chunks.shift();
      if (!dropped) break;
      u.samples -= dropped.length;
      if (!this.#socket.ws && !u.dropWarned) {
        u.dropWarned = true;
        this.#cfg.log?.warn({ provider: this.#provider }, 'stt audio dropped while disconnected');
      }
    }
  }

  // ---- receiving ------------------------------------------------------------------------------

  #onServerMessage(message: unknown): void {
    const msg = message as ResultsMessage | null;
    if (msg?.type === 'Results') this.#onResults(msg);
  }

  #onResults(msg: ResultsMessage): void {
    const start = typeof msg.start === 'number' ? msg.start : 0;
    const end = start + (typeof msg.duration === 'number' ? msg.duration : 0);
    const transcript = msg.channel?.alternatives?.[0]?.transcript;
    const words = typeof transcript === 'string' ? transcript.trim() : '';
    if (start < this.#answeredUntilS - TIME_SLACK_S) return;
    // Results come in stream order: one for later audio means Deepgram is done with the
    // utterances before it, answered or not (a Finalize with little audio left may get no answer).
    for (const x of [...this.#inflight]) {
      if (x.final === undefined && x.endS !== undefined && start >= x.endS - TIME_SLACK_S)
        this.#settle(x);
    }
    // The utterance whose audio the result starts in (if it has its words already, a late one).
    const u = [...this.#inflight, this.#current].find(
      (x) => x.endS === undefined || start < x.endS - TIME_SLACK_S,
    );
    if (!u || u.final !== undefined) return;
    if (msg.is_final !== true) {
      u.interim = words;
      this.#emitInterim(u);
      return;
    }
    if (words) u.parts.push(words);
    u.interim = '';
    u.coveredS = Math.max(u.coveredS, end);
    if (u.endS === undefined) {
      this.#emitInterim(u);
      return;
    }
    if (msg.from_finalize === true || u.coveredS >= u.endS - TIME_SLACK_S) this.#settle(u);
  }

  #settle(u: Utterance): void {
    if (u.finalizeTimer) clearTimeout(u.finalizeTimer);
    u.finalizeTimer = undefined;
    u.final = u.parts.join(' ');
    if (u.endS !== undefined) this.#answeredUntilS = Math.max(this.#answeredUntilS, u.endS);
    this.#socket.progress();
    this.#emitReady();
  }

  /** The words so far of an utterance still open, if they changed. */
  #emitInterim(u: Utterance): void {
    if (u.final !== undefined || u.discarded) return;
    const text = [...u.parts, u.interim].filter(Boolean).join(' ');
    if (text === '' || text === u.interimSent) return;
    u.interimSent = text;
    this.#opts.onEvent({ type: 'interim', text, at: performance.now() });
  }

  /** Emits finals in commit order: utterance N's final always before anything of N + 1. */
  #emitReady(): void {
    for (let head = this.#inflight[0]; head?.final !== undefined; head = this.#inflight[0]) {
      this.#inflight.shift();
      const at = performance.now();
      const latencyMs = at - (head.committedAt ?? at);
      if (head.discarded) continue;
      if (head.samples > 0) providerMetrics.firstChunk(this.#provider, 'stt', latencyMs);
      this.#opts.onEvent({ type: 'final', text: head.final, at, latencyMs });
      if (this.#dead) return;
    }
    this.#socket.armWatchdog();
  }
}
