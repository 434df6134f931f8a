/**
 * One WebSocket to Deepgram's streaming speech (`/v1/speak`), kept open across turns. A turn is
 * `Speak` + `Flush`, and the binary audio that follows until `Flushed`. A turn given up before
 * its `Flushed` (barge-in, a deadline, the consumer stopping) sends `Clear`; audio arriving
 * until `Cleared` is dropped, and the next turn starts only after it, so it never hears the
 * last one's tail. A server that never answers the Clear loses its socket.
 */
import type WebSocket from 'ws';
import type { Logger } from '../../log.js';
import { abortable, abortReason, closeError } from '../base.js';
import type { ProviderLabel } from '../base.js';
import { Pcm16Assembler } from '../pcm.js';
import { ProviderError } from '../types.js';
import { closeSocket, openWebSocket } from '../ws.js';

export interface SpeakSocketOptions {
  label: ProviderLabel;
  /** Clear sent -> `Cleared`, before the socket is given up. */
  clearTimeoutMs: number;
  log?: Logger | undefined;
}

export interface TurnHooks {
  /** The Flush went out (Deepgram's Flush limit counts it). */
  flushSent: () => void;
  /** `Flushed` arrived: the server is done with the turn. */
  flushed: () => void;
}

/** A turn's audio silent this long when it is ended: the socket has stalled (ms). */
const STALLED_MS = 400;

export class SpeakSocket {
  readonly #ws: WebSocket;
  readonly #opts: SpeakSocketOptions;
  /** The turn receiving audio (none between turns and while a Clear is answered). */
  #turn: AudioTurn | undefined;
  /** Settles once the last Clear is answered (or the socket is gone): the next turn waits. */
  #cleared: Promise<void> = Promise.resolve();
  #onCleared: (() => void) | undefined;
  #closed: ProviderError | undefined;
  /** When the server last sent anything, or the current turn began if later. */
  #heardAt = performance.now();

  /** Opens the socket (a refused upgrade rejects with its status, per ../ws.ts). */
  static async open(
    url: string,
    opts: SpeakSocketOptions & { apiKey: string; timeoutMs: number; signal: AbortSignal },
  ): Promise<SpeakSocket> {
    const ws = await openWebSocket(url, {
      label: opts.label,
      headers: { Authorization: `Token ${opts.apiKey}` },
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
    return new SpeakSocket(ws, opts);
  }

  private constructor(ws: WebSocket, opts: SpeakSocketOptions) {
    this.#ws = ws;
    this.#opts = opts;
    ws.on('message', (data: Buffer, isBinary) => {
      this.#heardAt = performance.now();
      if (isBinary) this.#turn?.push(data);
      else this.#onControl(data.toString('utf8'));
    });
    ws.on('close', (code, reason) => this.#onClose(code, reason.toString('utf8')));
    // The close follows, and says what happened.
    ws.on('error', () => undefined);
  }

  /** Open, and not given up: a turn may start on it. */
  get usable(): boolean {
    return this.#closed === undefined && this.#ws.readyState === this.#ws.OPEN;
  }

  /**
   * Speaks `text`: audio until `Flushed` (then `hooks.flushed`; `hooks.flushSent` as the Flush
   * leaves). Fails with the close as a ProviderError if the socket closes first; an abort of
   * `signal` sends Clear.
   */
  async *speak(
    text: string,
    signal: AbortSignal,
    hooks: TurnHooks,
  ): AsyncGenerator<Int16Array, void, undefined> {
    await abortable(this.#cleared, signal);
    if (!this.usable) throw this.#closed ?? closeError(this.#opts.label, 1006, 'socket gone');
    const turn = new AudioTurn(hooks.flushed);
    this.#turn = turn;
    this.#heardAt = Math.max(this.#heardAt, performance.now()); // silence counts from its start
    const onAbort = () => this.#clear(turn, abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.#send({ type: 'Speak', text });
      this.#send({ type: 'Flush' });
      hooks.flushSent();
      yield* turn.chunks(signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
      // The consumer stopped early: the rest of the turn is not wanted.
      this.#clear(turn, new DOMException('turn abandoned', 'AbortError'));
    }
  }

  /**
   * Sends `Close` (Deepgram flushes nothing: no turn is open) and waits for the close;
   * `{ quietly: true }` sends no message at all, only the close frame.
   */
  async close({ quietly = false } = {}): Promise<void> {
    this.#closed ??= closeError(this.#opts.label, 1000, 'closed by the client');
    if (!quietly && this.#ws.readyState === this.#ws.OPEN) this.#send({ type: 'Close' });
    await closeSocket(this.#ws);
  }

  /** Ends `turn` if it is still running; if the server still owes it audio, Clear. */
  #clear(turn: AudioTurn, reason: Error): void {
    if (turn.ended) return;
    turn.end(reason);
    if (this.#turn === turn) this.#turn = undefined;
    if (!this.usable) return;
    if (performance.now() - this.#heardAt > STALLED_MS) {
      // A server silent this long mid-turn has stalled: it would not answer Clear either, and
      // the next turn would wait clearTimeoutMs for it. It goes; the next turn opens another.
      this.#opts.log?.warn({ provider: this.#opts.label.provider }, 'tts socket stalled: closed');
      this.#ws.terminate();
      return;
    }
    this.#send({ type: 'Clear' });
    this.#cleared = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#opts.log?.warn({ provider: this.#opts.label.provider }, 'tts clear unanswered');
        this.#ws.terminate();
      }, this.#opts.clearTimeoutMs);
      this.#onCleared = () => {
        clearTimeout(timer);
        this.#onCleared = undefined;
        resolve();
      };
    });
  }

  #onControl(text: string): void {
    let message: { type?: unknown; code?: unknown; description?: unknown; request_id?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    const provider = this.#opts.label.provider;
    switch (message.type) {
      case 'Flushed':
        this.#turn?.end();
        this.#turn = undefined;
        break;
      case 'Cleared':
        this.#onCleared?.();
        break;
      case 'Metadata':
        this.#opts.log?.debug({ provider, requestId: message.request_id }, 'tts socket open');
        break;
      case 'Warning':
        this.#onWarning(String(message.code), String(message.description));
        break;
    }
  }

  /** Logged; a Flush the server refused (its limit) fails the turn, which has no audio coming. */
  #onWarning(code: string, description: string): void {
    const provider = this.#opts.label.provider;
    this.#opts.log?.warn({ provider, code, description }, 'tts provider warning');
    const turn = this.#turn;
    if (turn === undefined || !/flush/i.test(`${code} ${description}`)) return;
    this.#clear(
      turn,
      new ProviderError({
        ...this.#opts.label,
        message: `flush refused (${code}): ${description}`,
        retryable: false,
      }),
    );
  }

  #onClose(code: number, reason: string): void {
    this.#closed ??= closeError(this.#opts.label, code, reason);
    this.#turn?.end(this.#closed);
    this.#turn = undefined;
    this.#onCleared?.();
  }

  #send(message: Record<string, unknown>): void {
    this.#ws.send(JSON.stringify(message));
  }
}

/** One turn's audio: chunks as they arrive, read at the consumer's pace. */
class AudioTurn {
  readonly #chunks: Int16Array[] = [];
  readonly #pcm = new Pcm16Assembler();
  readonly #onFlushed: () => void;
  #end: { error: Error | undefined } | undefined;
  #wake: (() => void) | undefined;

  constructor(onFlushed: () => void) {
    this.#onFlushed = onFlushed;
  }

  get ended(): boolean {
    return this.#end !== undefined;
  }

  push(bytes: Buffer): void {
    if (this.#end !== undefined) return;
    const samples = this.#pcm.push(bytes);
    if (samples.length > 0) this.#chunks.push(samples);
    this.#wake?.();
  }

  /**
   * Without an error: `Flushed`, the audio is whole. With one, what arrived is still given
   * (to a reader not aborted), then the error.
   */
  end(error?: Error): void {
    if (this.#end !== undefined) return;
    this.#end = { error };
    if (error === undefined) this.#onFlushed();
    this.#wake?.();
  }

  async *chunks(signal: AbortSignal): AsyncGenerator<Int16Array, void, undefined> {
    for (;;) {
      const chunk = this.#chunks.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (this.#end !== undefined) {
        if (this.#end.error !== undefined) throw this.#end.error;
        return;
      }
      await abortable(new Promise<void>((resolve) => (this.#wake = resolve)), signal);
      this.#wake = undefined;
    }
  }
}
