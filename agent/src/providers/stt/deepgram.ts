import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { providerMetrics } from '../../metrics/providers.js';
import { concat, pcmToBytes } from '../pcm.js';
import type { SttStream, SttStreamOptions } from '../types.js';
import {
  SocketStt,
  SttSocket,
  type SocketAddress,
  type SocketSttOptions,
  type StreamContext,
} from './socket.js';
import { emptyUtterance, finalEvent, interimEvent, Utterances } from './utterances.js';
import type { Utterance as BaseUtterance } from './utterances.js';

/** Deepgram takes linear16 at any rate: the pipeline's, so nothing is resampled. */
const SAMPLE_RATE = PIPELINE_SAMPLE_RATE;
/**
 * Results are matched to utterances by stream time; Deepgram's times are rounded, so an
 * utterance counts as covered this close to its end (s).
 */
const TIME_SLACK_S = 0.02;

/**
 * `baseURL`: `wss://api.deepgram.com` (or a self-hosted Deepgram); `/v1/listen` is appended.
 * `model`: e.g. `nova-3`. Label default 'deepgram'.
 */
export interface DeepgramSttOptions extends SocketSttOptions {
  /** Audio per binary frame sent. Default 20. */
  frameMs?: number | undefined;
  /** Deepgram closes a socket after 10 s without audio: a KeepAlive goes out after this long. Default 4000. */
  keepAliveMs?: number | undefined;
  /**
   * Deepgram may leave a Finalize unanswered when little audio was left to process: after this
   * long the utterance ends with the words it has. If the socket has sent nothing at all since
   * the Finalize, it has stalled instead: it is replaced and the utterance asked again, once,
   * with three times the wait. Default 1500.
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
    super(
      cfg.label ?? 'deepgram',
      (ctx) => new DeepgramStream(cfg, ctx),
      () => listenAddress(cfg, cfg.language),
    );
  }
}

/** Where a stream (or a probe) connects. */
function listenAddress(cfg: DeepgramSttOptions, language: string | undefined): SocketAddress {
  return { url: listenUrl(cfg, language), headers: { Authorization: `Token ${cfg.apiKey}` } };
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
  // One parameter per term; URLSearchParams percent-encodes spaces and non-ASCII letters.
  const bias = keytermParameter(cfg.model);
  for (const term of cfg.keyterms ?? []) url.searchParams.append(bias, term);
  return url.href;
}

/**
 * Deepgram's keyterm prompting works with Nova-3 models only; older models (nova-2, enhanced,
 * base) boost words with `keywords` instead.
 */
function keytermParameter(model: string): 'keyterm' | 'keywords' {
  return model.startsWith('nova-3') ? 'keyterm' : 'keywords';
}

/** One utterance: what every stream keeps, where it ends in stream time, its words so far. */
interface Utterance extends BaseUtterance {
  /** Stream time (s, on the current socket) where its audio ends; set at commit. */
  endS: number | undefined;
  /** Final words of its results so far, in order. */
  parts: string[];
  /** Stream time (s) up to which final results have covered. */
  coveredS: number;
  /** The latest interim words after `parts`. */
  interim: string;
  /** Cleared: its words are not wanted. */
  discarded: boolean;
  /** Running while its Finalize is unanswered. */
  finalizeTimer: NodeJS.Timeout | undefined;
  /** Its Finalize met a silent socket once, and it went to a new one (never twice). */
  resent: boolean;
}

function newUtterance(): Utterance {
  return {
    ...emptyUtterance(),
    endS: undefined,
    parts: [],
    coveredS: 0,
    interim: '',
    discarded: false,
    finalizeTimer: undefined,
    resent: false,
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
  readonly #frameSamples: number;
  readonly #socket: SttSocket;
  /** Samples sent on the current socket: Deepgram's stream clock. */
  #sentSamples = 0;
  /** Not yet sent (less than a frame). */
  #unsent: Int16Array[] = [];
  #unsentSamples = 0;
  /** Results that start before this stream time belong to utterances already answered. */
  #answeredUntilS = 0;
  readonly #utterances: Utterances<Utterance>;
  #lastSentAt = 0;
  readonly #keepAlive: NodeJS.Timeout;

  constructor(cfg: DeepgramSttOptions, ctx: StreamContext) {
    const { provider, opts } = ctx;
    this.#provider = provider;
    this.#cfg = cfg;
    this.#opts = opts;
    this.#frameSamples = Math.max(1, Math.round(((cfg.frameMs ?? 20) * SAMPLE_RATE) / 1000));
    this.#utterances = new Utterances(provider, cfg, SAMPLE_RATE, newUtterance);
    // Before the socket: a stream whose signal has aborted already is closed in its constructor.
    const keepAliveMs = cfg.keepAliveMs ?? 4_000;
    this.#keepAlive = setInterval(() => this.#sendKeepAlive(keepAliveMs), keepAliveMs / 2);
    this.#keepAlive.unref();
    const language = opts.language ?? cfg.language;
    this.#socket = new SttSocket(
      ctx,
      cfg,
      {
        address: () => listenAddress(cfg, language),
        lastWords: JSON.stringify({ type: 'CloseStream' }),
      },
      {
        onOpen: () => this.#onOpen(),
        onMessage: (message) => this.#onServerMessage(message),
        onFailed: (error) => {
          this.#stopFinalizeTimers();
          this.#utterances.reset();
          clearInterval(this.#keepAlive);
          this.#opts.onError(error);
        },
        owed: () => this.#utterances.owed(),
        onClose: () => {
          clearInterval(this.#keepAlive);
          this.#stopFinalizeTimers();
        },
      },
    );
  }

  get #dead(): boolean {
    return this.#socket.dead;
  }

  pushAudio(samples: Int16Array): void {
    if (this.#dead || samples.length === 0) return;
    // Audio let go while disconnected was never sent: it is lost.
    const copy = this.#utterances.push(samples, () => !this.#socket.ws);
    // While disconnected the utterances keep the audio; the next socket is sent it from there.
    if (!this.#socket.ws) return;
    this.#unsent.push(copy);
    this.#unsentSamples += copy.length;
    if (this.#unsentSamples >= this.#frameSamples) this.#flush();
  }

  commit(): void {
    if (this.#dead) return;
    const u = this.#utterances.commit();
    u.committedAt = performance.now();
    this.#end(u);
  }

  clear(): void {
    if (this.#dead) return;
    // Audio already sent cannot be taken back: it is finalised like any other, and its words
    // are dropped when they come.
    const u = this.#utterances.commit();
    u.discarded = true;
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

  close(): Promise<void> {
    return this.#socket.close();
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
    const { inflight, current } = this.#utterances;
    inflight.forEach(reset);
    reset(current);
    // A copy: an utterance settled at once leaves those in flight.
    for (const u of [...inflight]) {
      if (u.final !== undefined) continue;
      this.#unsent.push(...u.chunks);
      this.#unsentSamples += u.samples;
      this.#finalize(u);
    }
    this.#unsent.push(...current.chunks);
    this.#unsentSamples += current.samples;
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
    const sentAt = performance.now();
    this.#lastSentAt = sentAt;
    this.#socket.expectAnswer();
    // Asked again on a new socket (below), it waits longer: the server that was silent may be
    // slow rather than stalled, and the words are worth more than the wait (a filler covers it).
    const timeoutMs = (this.#cfg.finalizeTimeoutMs ?? 1_500) * (u.resent ? 3 : 1);
    u.finalizeTimer = setTimeout(() => {
      u.finalizeTimer = undefined;
      if (u.final !== undefined || this.#dead) return;
      const log = { provider: this.#provider, timeoutMs };
      if (!u.resent && this.#socket.silentSince(sentAt)) {
        // Not a message since the Finalize: the socket stalled, not the utterance too short to
        // answer. Settling would lose the person's words (every later utterance on the stalled
        // socket too); a new socket gets the unanswered audio again (#onOpen).
        u.resent = true;
        this.#cfg.log?.warn(log, 'stt Finalize unanswered on a silent socket: reconnecting');
        this.#socket.dropStalled('no answer to Finalize', timeoutMs);
        return;
      }
      this.#cfg.log?.debug(log, 'stt Finalize unanswered');
      this.#settle(u);
    }, timeoutMs);
  }

  #stopFinalizeTimers(): void {
    for (const u of this.#utterances.inflight) if (u.finalizeTimer) clearTimeout(u.finalizeTimer);
  }

  #sendKeepAlive(keepAliveMs: number): void {
    const ws = this.#socket.ws;
    if (!ws || ws.readyState !== ws.OPEN) return;
    if (performance.now() - this.#lastSentAt < keepAliveMs) return;
    ws.send(JSON.stringify({ type: 'KeepAlive' }));
    this.#lastSentAt = performance.now();
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
    const { inflight, current } = this.#utterances;
    for (const x of [...inflight]) {
      if (x.final === undefined && x.endS !== undefined && start >= x.endS - TIME_SLACK_S)
        this.#settle(x);
    }
    // The utterance whose audio the result starts in (if it has its words already, a late one).
    const u = [...inflight, current].find(
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
    const event = interimEvent(u, [...u.parts, u.interim].filter(Boolean).join(' '));
    if (event) this.#opts.onEvent(event);
  }

  /** Emits finals in commit order: utterance N's final always before anything of N + 1. */
  #emitReady(): void {
    for (const head of this.#utterances.takeDone((u) => u.final !== undefined)) {
      if (head.discarded) continue;
      const event = finalEvent(head, head.final ?? '');
      if (head.samples > 0) providerMetrics.firstChunk(this.#provider, 'stt', event.latencyMs);
      this.#opts.onEvent(event);
      if (this.#dead) return;
    }
    this.#socket.armWatchdog();
  }
}
