import type WebSocket from 'ws';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import type { Logger } from '../../log.js';
import { providerMetrics } from '../../metrics/providers.js';
import { closeError, LinkedAbort, retry, timeoutError, toProviderError } from '../base.js';
import type { RetryPolicy } from '../base.js';
import { concat, pcmToBytes } from '../pcm.js';
import type { ProviderError, Stt, SttStream, SttStreamOptions } from '../types.js';
import { closeSocket, openWebSocket } from '../ws.js';

/** Deepgram takes linear16 at any rate: the pipeline's, so nothing is resampled. */
const SAMPLE_RATE = PIPELINE_SAMPLE_RATE;
/** A connection that lived this long before dropping counts as having worked. */
const HEALTHY_CONNECTION_MS = 10_000;
/**
 * Results are matched to utterances by stream time; Deepgram's times are rounded, so an
 * utterance counts as covered this close to its end (s).
 */
const TIME_SLACK_S = 0.02;

export interface DeepgramSttOptions {
  /** `wss://api.deepgram.com` (or a self-hosted Deepgram); `/v1/listen` is appended. */
  baseURL: string;
  apiKey: string;
  /** e.g. `nova-3`. */
  model: string;
  language?: string | undefined;
  /** Metrics/log label. Default 'deepgram'. */
  label?: string | undefined;
  /** Audio per binary frame sent. Default 20. */
  frameMs?: number | undefined;
  /** Deepgram closes a socket after 10 s without audio: a KeepAlive goes out after this long. Default 4000. */
  keepAliveMs?: number | undefined;
  /** Audio kept per utterance (buffered while reconnecting, resent after a drop). Default 15000. */
  maxBufferedMs?: number | undefined;
  /** Connect -> socket open, per attempt. Default 5000. */
  connectTimeoutMs?: number | undefined;
  /** With a transcript outstanding, the longest silence from the server. Default 5000. */
  stallTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

/**
 * Deepgram live transcription over a WebSocket (`/v1/listen`). Words arrive while the person
 * is still speaking (`interim_results`), which is what lets barge-in tell "mm-hmm" from "wait"
 * before the utterance ends. Deepgram's own endpointing is off: the agent's VAD commits each
 * utterance, and a commit is a `Finalize`.
 */
export class DeepgramStt implements Stt {
  readonly label: string;
  readonly #opts: DeepgramSttOptions;
  readonly #closing = new AbortController();
  readonly #streams = new Set<DeepgramStream>();

  constructor(opts: DeepgramSttOptions) {
    this.#opts = opts;
    this.label = opts.label ?? 'deepgram';
  }

  stream(opts: SttStreamOptions): SttStream {
    const stream = new DeepgramStream(this.label, this.#opts, opts, this.#closing.signal, () =>
      this.#streams.delete(stream),
    );
    this.#streams.add(stream);
    return stream;
  }

  async close(): Promise<void> {
    this.#closing.abort(new DOMException('provider closed', 'AbortError'));
    await Promise.all([...this.#streams].map((s) => s.close()));
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
  #ws: WebSocket | undefined;
  #connectedAt = 0;
  #connecting: Promise<void> | undefined;
  #dropCause: ProviderError | undefined;
  #dropsWithoutProgress = 0;
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
  #lastActivityAt = 0;
  #keepAlive: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #failed = false;
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
    if (this.#life.signal.aborted) {
      void this.close();
      return;
    }
    this.#life.signal.addEventListener('abort', () => void this.close(), { once: true });
    this.#connect();
  }

  get #dead(): boolean {
    return this.#closed || this.#failed || this.#life.signal.aborted;
  }

  get #keepAliveMs(): number {
    return this.#cfg.keepAliveMs ?? 4_000;
  }

  get #label() {
    return { provider: this.#provider, kind: 'stt' as const };
  }

  pushAudio(samples: Int16Array): void {
    if (this.#dead || samples.length === 0) return;
    const copy = samples.slice();
    const u = this.#current;
    u.chunks.push(copy);
    u.samples += copy.length;
    this.#bound(u);
    // While disconnected the utterances keep the audio; the next socket is sent it from there.
    if (!this.#ws) return;
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
    if (this.#ws) this.#finalize(u);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#life.abort(new DOMException('stream closed', 'AbortError'));
    this.#stopTimers();
    this.#onClosed();
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'CloseStream' }));
      await closeSocket(ws);
    }
    await this.#connecting;
  }

  // ---- connection -----------------------------------------------------------------------------

  #connect(): void {
    const label = this.#label;
    const signal = this.#life.signal;
    const url = listenUrl(this.#cfg, this.#opts.language ?? this.#cfg.language);
    this.#connecting = retry(
      () =>
        openWebSocket(url, {
          label,
          signal,
          timeoutMs: this.#cfg.connectTimeoutMs ?? 5_000,
          headers: { Authorization: `Token ${this.#cfg.apiKey}` },
        }),
      { ...label, signal, log: this.#cfg.log, ...this.#cfg.retry },
    ).then(
      (ws) => {
        if (this.#dead) ws.terminate();
        else this.#attach(ws);
      },
      (err: unknown) => {
        if (!this.#dead) this.#fail(toProviderError(err, label));
      },
    );
  }

  #attach(ws: WebSocket): void {
    this.#ws = ws;
    this.#connectedAt = performance.now();
    this.#lastSentAt = this.#connectedAt;
    this.#dropCause = undefined;
    this.#sentSamples = 0;
    this.#answeredUntilS = 0;
    ws.on('message', (data, isBinary) => {
      if (ws === this.#ws && !isBinary) this.#onServerMessage(data.toString());
    });
    ws.on('error', (err) => {
      if (ws === this.#ws) this.#dropCause ??= toProviderError(err, this.#label);
    });
    ws.on('close', (code, reason) => {
      if (ws === this.#ws) this.#onDropped(code, reason.toString());
    });
    this.#keepAlive = setInterval(() => this.#sendKeepAlive(), this.#keepAliveMs / 2);
    this.#keepAlive.unref();
    this.#cfg.log?.debug({ provider: this.#provider }, 'stt connected');

    // A new socket has heard nothing: resend what is still unanswered, in order.
    this.#unsent = [];
    this.#unsentSamples = 0;
    for (const u of this.#inflight) {
      if (u.final !== undefined) continue;
      u.parts = [];
      u.coveredS = 0;
      u.interim = '';
      this.#unsent.push(...u.chunks);
      this.#unsentSamples += u.samples;
      this.#finalize(u);
    }
    this.#unsent.push(...this.#current.chunks);
    this.#unsentSamples += this.#current.samples;
    this.#flush();
  }

  #onDropped(code: number, reason: string): void {
    this.#ws = undefined;
    this.#stopTimers();
    if (this.#dead) return;
    const error = this.#dropCause ?? closeError(this.#label, code, reason);
    providerMetrics.error(this.#provider, 'stt', error.retryable);
    const livedMs = performance.now() - this.#connectedAt;
    if (livedMs >= HEALTHY_CONNECTION_MS) this.#dropsWithoutProgress = 0;
    this.#dropsWithoutProgress++;
    const attempts = this.#cfg.retry?.attempts ?? 3;
    this.#cfg.log?.warn(
      { provider: this.#provider, code, err: error.message, livedMs },
      'stt socket dropped',
    );
    if (!error.retryable || this.#dropsWithoutProgress >= attempts) {
      this.#fail(error);
      return;
    }
    providerMetrics.retry(this.#provider, 'stt');
    this.#connect();
  }

  #fail(error: ProviderError): void {
    if (this.#dead) return;
    this.#failed = true;
    this.#stopTimers();
    const ws = this.#ws;
    this.#ws = undefined;
    ws?.terminate();
    this.#inflight.length = 0;
    this.#current = newUtterance();
    this.#cfg.log?.error({ provider: this.#provider, err: error.message }, 'stt stream failed');
    this.#opts.onError(error);
  }

  // ---- sending --------------------------------------------------------------------------------

  /** Sends all unsent audio as one binary frame. */
  #flush(): void {
    const ws = this.#ws;
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
    const ws = this.#ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    u.endS = this.#sentSamples / SAMPLE_RATE;
    if (u.coveredS >= u.endS - TIME_SLACK_S) {
      // Deepgram finalised all of it on its own already.
      this.#settle(u);
      return;
    }
    ws.send(JSON.stringify({ type: 'Finalize' }));
    this.#lastSentAt = performance.now();
    this.#lastActivityAt = this.#lastSentAt;
    this.#armWatchdog();
  }

  #sendKeepAlive(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    if (performance.now() - this.#lastSentAt < this.#keepAliveMs) return;
    ws.send(JSON.stringify({ type: 'KeepAlive' }));
    this.#lastSentAt = performance.now();
  }

  /** Keeps an utterance's retained audio within maxBufferedMs, dropping the oldest. */
  #bound(u: Utterance): void {
    while (u.samples > this.#maxSamples && u.chunks.length > 1) {
      const dropped = u.chunks.shift();
      if (!dropped) break;
      u.samples -= dropped.length;
      if (!this.#ws && !u.dropWarned) {
        u.dropWarned = true;
        this.#cfg.log?.warn({ provider: this.#provider }, 'stt audio dropped while disconnected');
      }
    }
  }

  // ---- receiving ------------------------------------------------------------------------------

  #onServerMessage(text: string): void {
    this.#lastActivityAt = performance.now();
    let msg: ResultsMessage;
    try {
      msg = JSON.parse(text) as ResultsMessage;
    } catch {
      this.#cfg.log?.warn({ provider: this.#provider }, 'stt server message not JSON');
      return;
    }
    if (msg.type === 'Results') this.#onResults(msg);
    this.#armWatchdog();
  }

  #onResults(msg: ResultsMessage): void {
    const start = typeof msg.start === 'number' ? msg.start : 0;
    const end = start + (typeof msg.duration === 'number' ? msg.duration : 0);
    const transcript = msg.channel?.alternatives?.[0]?.transcript;
    const words = typeof transcript === 'string' ? transcript.trim() : '';
    if (start < this.#answeredUntilS - TIME_SLACK_S) return;
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
    u.final = u.parts.join(' ');
    if (u.endS !== undefined) this.#answeredUntilS = Math.max(this.#answeredUntilS, u.endS);
    this.#dropsWithoutProgress = 0;
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
    this.#armWatchdog();
  }

  // ---- timers ---------------------------------------------------------------------------------

  /** With a final outstanding, a server silent for stallTimeoutMs is dropped (and reconnected). */
  #armWatchdog(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    if (!this.#ws || !this.#inflight.some((u) => u.final === undefined)) return;
    const stallMs = this.#cfg.stallTimeoutMs ?? 5_000;
    const left = this.#lastActivityAt + stallMs - performance.now();
    this.#watchdog = setTimeout(
      () => {
        this.#watchdog = undefined;
        const ws = this.#ws;
        if (!ws) return;
        if (performance.now() - this.#lastActivityAt < stallMs) return this.#armWatchdog();
        this.#dropCause = timeoutError(this.#label, 'no transcript', stallMs);
        ws.terminate();
      },
      Math.max(0, left),
    );
  }

  #stopTimers(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    this.#watchdog = undefined;
    this.#keepAlive = undefined;
  }
}
