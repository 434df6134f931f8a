/**
 * What the WebSocket STT providers share: the Stt that keeps their streams, and the connection
 * half of one stream — opening the socket with retries, reopening it after a drop (the stream
 * resends what is unanswered), giving up after `retry.attempts` drops without progress, a stall
 * watchdog while an answer is owed, and the stream's life (closing when it is closed or its
 * caller's or provider's signal aborts). The utterance half is ./utterances.ts.
 */
import type WebSocket from 'ws';
import type { Logger } from '../../log.js';
import { providerMetrics } from '../../metrics/providers.js';
import { closeError, LinkedAbort, retry, timeoutError, toProviderError } from '../base.js';
import type { RetryPolicy } from '../base.js';
import type { ProviderError, Stt, SttStream, SttStreamOptions } from '../types.js';
import { closeSocket, openWebSocket } from '../ws.js';

/** A connection that lived this long before dropping counts as having worked. */
const HEALTHY_CONNECTION_MS = 10_000;

/**
 * How a stream (re)opens its socket: a person may be speaking, and their audio is kept and
 * resent, so waiting out a short outage beats losing the utterance. Six attempts, the waits
 * doubling from up to 100 ms to at most 800 ms: about 1.5 s of outage on average (a stage's
 * fallback chain moves on sooner, when the utterance misses its final budget).
 */
export const CONNECT_RETRY: RetryPolicy = { attempts: 6, maxDelayMs: 800 };

/** The settings every WebSocket STT takes. */
export interface SocketSttOptions {
  /** The server (an `http(s)` URL is taken as `ws(s)`); the provider appends its path. */
  baseURL: string;
  apiKey: string;
  model: string;
  /** Unless a stream asks for another. */
  language?: string | undefined;
  /** Words to expect (names, jargon): how they are sent is the provider's. */
  keyterms?: readonly string[] | undefined;
  /** Metrics/log label. */
  label?: string | undefined;
  /** Audio kept per utterance (buffered while reconnecting, resent after a drop). Default 15000. */
  maxBufferedMs?: number | undefined;
  /** Connect -> socket open, per attempt. Default 5000. */
  connectTimeoutMs?: number | undefined;
  /** With a transcript outstanding, the longest silence from the server. Default 5000. */
  stallTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

/** What the Stt gives each stream it opens. */
export interface StreamContext {
  /** Metrics/log label. */
  provider: string;
  opts: SttStreamOptions;
  /** Aborts when the provider closes. */
  closing: AbortSignal;
  /** Lets the Stt forget the stream; called once, when it closes. */
  onClosed: () => void;
}

/** A stream the Stt keeps until it closes. */
export type OpenStream = (ctx: StreamContext) => SttStream;

/** The Stt of a streaming provider: opens its streams and closes them all with itself. */
export class SocketStt implements Stt {
  readonly label: string;
  readonly #open: OpenStream;
  readonly #closing = new AbortController();
  readonly #streams = new Set<SttStream>();
  readonly #address: () => SocketAddress;

  /** `address`: where a stream connects (a probe connects there too). */
  constructor(label: string, open: OpenStream, address: () => SocketAddress) {
    this.label = label;
    this.#open = open;
    this.#address = address;
  }

  /** Opens a connection and closes it again, sending nothing: the provider is reachable. */
  async probe(signal: AbortSignal): Promise<void> {
    const { url, headers } = this.#address();
    const label = { provider: this.label, kind: 'stt' as const };
    const ws = await openWebSocket(url, { label, headers, timeoutMs: 5_000, signal });
    await closeSocket(ws);
  }

  stream(opts: SttStreamOptions): SttStream {
    // A stream opened on an aborted signal, or after close(), closes inside #open, before
    // `stream` exists: it is returned closed and never kept.
    let opening = true;
    let closedWhileOpening = false;
    const stream = this.#open({
      provider: this.label,
      opts,
      closing: this.#closing.signal,
      onClosed: () => {
        if (opening) closedWhileOpening = true;
        else this.#streams.delete(stream);
      },
    });
    opening = false;
    if (!closedWhileOpening) this.#streams.add(stream);
    return stream;
  }

  async close(): Promise<void> {
    this.#closing.abort(new DOMException('provider closed', 'AbortError'));
    await Promise.all([...this.#streams].map((s) => s.close()));
  }
}

/** What a stream does with its socket. */
export interface SocketHandlers {
  /** The socket is open, the first time or again after a drop: set up, resend what is owed. */
  onOpen(ws: WebSocket): void;
  /** A server message, parsed (one that is not JSON is logged and dropped). */
  onMessage(message: unknown): void;
  /** The socket failed for good; the stream drops its state and reports `error`. */
  onFailed(error: ProviderError): void;
  /** Whether the server owes an answer (the stall watchdog runs only then). */
  owed(): boolean;
  /**
   * The stream ends (close(), or its caller's or its provider's signal aborted): stop its
   * timers. Called once, after the stream's signal aborts, before the Stt forgets it and the
   * socket closes.
   */
  onClose?(): void;
}

/** A WebSocket's URL and upgrade headers. */
export interface SocketAddress {
  url: string;
  headers: Record<string, string>;
}

/** Where a stream's socket connects, and how it says goodbye. */
export interface SocketTarget {
  /** The URL and headers of a connection (asked at each connect). */
  address: () => SocketAddress;
  /** A text frame sent before the socket closes politely (Deepgram's CloseStream). */
  lastWords?: string | undefined;
}

/** One stream's connection: its socket, reopened after drops, until it fails or closes. */
export class SttSocket {
  readonly #provider: string;
  readonly #cfg: SocketSttOptions;
  readonly #life: LinkedAbort;
  readonly #onClosed: () => void;
  readonly #target: SocketTarget;
  readonly #handlers: SocketHandlers;
  #ws: WebSocket | undefined;
  #connectedAt = 0;
  #connecting: Promise<void> | undefined;
  /** Why the current socket is being torn down by us (a stall), if it is. */
  #dropCause: ProviderError | undefined;
  #dropsWithoutProgress = 0;
  #lastActivityAt = 0;
  /** When the server last sent a message (not counting what we sent). */
  #lastMessageAt = 0;
  #watchdog: NodeJS.Timeout | undefined;
  #failed = false;
  #closed = false;

  /**
   * Connects at once. Closes itself when the stream's signal or the provider's `closing` aborts
   * (at once if one has).
   */
  constructor(
    ctx: StreamContext,
    cfg: SocketSttOptions,
    target: SocketTarget,
    handlers: SocketHandlers,
  ) {
    this.#provider = ctx.provider;
    this.#cfg = cfg;
    this.#life = new LinkedAbort(ctx.opts.signal, ctx.closing);
    this.#onClosed = ctx.onClosed;
    this.#target = target;
    this.#handlers = handlers;
    this.#connect();
    const signal = this.#life.signal;
    if (signal.aborted) void this.close();
    else signal.addEventListener('abort', () => void this.close(), { once: true });
  }

  /** The open socket (undefined while connecting or after the end). */
  get ws(): WebSocket | undefined {
    return this.#ws;
  }

  get failed(): boolean {
    return this.#failed;
  }

  get label() {
    return { provider: this.#provider, kind: 'stt' as const };
  }

  /** Closed, failed, or its signal aborted: the stream takes no more audio and gives no events. */
  get dead(): boolean {
    return this.#closed || this.#failed || this.#life.signal.aborted;
  }

  /** An answer came: drops count from zero again. */
  progress(): void {
    this.#dropsWithoutProgress = 0;
  }

  /** Something that must be answered was sent: the stall watchdog counts from now. */
  expectAnswer(): void {
    this.#lastActivityAt = performance.now();
    this.armWatchdog();
  }

  /** Whether the server has sent nothing since `at` (performance.now() ms). */
  silentSince(at: number): boolean {
    return this.#lastMessageAt <= at;
  }

  /** Drops the socket as stalled (`what` went unanswered for `ms`): it reconnects, as on a drop. */
  dropStalled(what: string, ms: number): void {
    const ws = this.#ws;
    if (!ws || this.dead) return;
    this.#dropCause = timeoutError(this.label, what, ms);
    ws.terminate();
  }

  /** Ends the stream with `error` (a session the server refused, or retries used up). */
  fail(error: ProviderError): void {
    if (this.dead) return;
    this.#failed = true;
    this.#stopWatchdog();
    const ws = this.#ws;
    this.#ws = undefined;
    ws?.terminate();
    this.#cfg.log?.error({ provider: this.#provider, err: error.message }, 'stt stream failed');
    this.#handlers.onFailed(error);
  }

  /**
   * Ends the stream: aborts its signal, tells the stream (onClose) and then the Stt, and closes
   * the socket politely, after `lastWords` if given; waits for a connect under way.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#life.abort(new DOMException('stream closed', 'AbortError'));
    this.#handlers.onClose?.();
    this.#onClosed();
    this.#stopWatchdog();
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws) {
      const { lastWords } = this.#target;
      if (lastWords !== undefined && ws.readyState === ws.OPEN) ws.send(lastWords);
      await closeSocket(ws);
    }
    await this.#connecting;
  }

  #connect(): void {
    const label = this.label;
    const signal = this.#life.signal;
    const { url, headers } = this.#target.address();
    this.#connecting = retry(
      () =>
        openWebSocket(url, {
          label,
          signal,
          timeoutMs: this.#cfg.connectTimeoutMs ?? 5_000,
          headers,
        }),
      { ...label, signal, log: this.#cfg.log, ...CONNECT_RETRY, ...this.#cfg.retry },
    ).then(
      (ws) => {
        if (this.dead) ws.terminate();
        else this.#attach(ws);
      },
      (err: unknown) => {
        if (!this.dead) this.fail(toProviderError(err, label));
      },
    );
  }

  #attach(ws: WebSocket): void {
    this.#ws = ws;
    this.#connectedAt = performance.now();
    this.#dropCause = undefined;
    ws.on('message', (data, isBinary) => {
      if (ws !== this.#ws || isBinary) return;
      this.#lastActivityAt = this.#lastMessageAt = performance.now();
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        this.#cfg.log?.warn({ provider: this.#provider }, 'stt server message not JSON');
        return;
      }
      this.#handlers.onMessage(message);
      this.armWatchdog();
    });
    ws.on('error', (err) => {
      if (ws === this.#ws) this.#dropCause ??= toProviderError(err, this.label);
    });
    ws.on('close', (code, reason) => {
      if (ws === this.#ws) this.#onDropped(code, reason.toString());
    });
    this.#cfg.log?.debug({ provider: this.#provider }, 'stt connected');
    this.#handlers.onOpen(ws);
  }

  #onDropped(code: number, reason: string): void {
    this.#ws = undefined;
    this.#stopWatchdog();
    if (this.dead) return;
    const error = this.#dropCause ?? closeError(this.label, code, reason);
    providerMetrics.error(this.#provider, 'stt', error.retryable);
    const livedMs = performance.now() - this.#connectedAt;
    if (livedMs >= HEALTHY_CONNECTION_MS) this.#dropsWithoutProgress = 0;
    this.#dropsWithoutProgress++;
    const attempts = this.#cfg.retry?.attempts ?? 3;
    this.#cfg.log?.warn(
      {
        provider: this.#provider,
        code,
        err: error.message,
        livedMs,
        drops: this.#dropsWithoutProgress,
      },
      'stt socket dropped',
    );
    if (!error.retryable || this.#dropsWithoutProgress >= attempts) {
      this.fail(error);
      return;
    }
    providerMetrics.retry(this.#provider, 'stt');
    this.#connect();
  }

  /** With an answer owed, a server silent for stallTimeoutMs is dropped (and reconnected). */
  armWatchdog(): void {
    this.#stopWatchdog();
    if (!this.#ws || !this.#handlers.owed()) return;
    const stallMs = this.#cfg.stallTimeoutMs ?? 5_000;
    const left = this.#lastActivityAt + stallMs - performance.now();
    this.#watchdog = setTimeout(
      () => {
        this.#watchdog = undefined;
        const ws = this.#ws;
        if (!ws) return;
        if (performance.now() - this.#lastActivityAt < stallMs) return this.armWatchdog();
        this.dropStalled('no transcript', stallMs);
      },
      Math.max(0, left),
    );
  }

  #stopWatchdog(): void {
    if (this.#watchdog) clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
  }
}
