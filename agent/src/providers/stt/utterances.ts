/**
 * The utterance bookkeeping the streaming STTs share: the utterance being spoken, the committed
 * ones still owed their finals (in commit order), each one's audio kept for resending after a
 * reconnect within a bound, and the final and interim events. A provider adds its own fields to
 * {@link Utterance} and decides when one is done.
 */
import type { Logger } from '../../log.js';
import type { SttEvent } from '../types.js';

/** What every streaming STT keeps per utterance. */
export interface Utterance {
  /** Its audio, kept for resending after a reconnect (bounded by maxBufferedMs). */
  chunks: Int16Array[];
  samples: number;
  /** Some of its audio was let go to keep within the bound. */
  truncated: boolean;
  /** Losing audio that was never sent has been logged (once per utterance). */
  dropWarned: boolean;
  /** When commit() was called for it (the listener's end of speech). */
  committedAt: number | undefined;
  /** Set once all its words are known ('' when there were none). */
  final: string | undefined;
  /** The text of the last interim given for it. */
  interimSent: string;
}

/** The shared fields of a new, empty utterance; a provider spreads them into its own. */
export function emptyUtterance(): Utterance {
  return {
    chunks: [],
    samples: 0,
    truncated: false,
    dropWarned: false,
    committedAt: undefined,
    final: undefined,
    interimSent: '',
  };
}

/** The settings the bookkeeping takes from a provider's (SocketSttOptions). */
export interface UtteranceSettings {
  /** Audio kept per utterance. Default 15000. */
  maxBufferedMs?: number | undefined;
  log?: Logger | undefined;
}

/** One stream's utterances: the one being spoken, and the committed ones until their finals. */
export class Utterances<U extends Utterance> {
  readonly #provider: string;
  readonly #log: Logger | undefined;
  readonly #maxSamples: number;
  readonly #create: () => U;
  #current: U;
  readonly #inflight: U[] = [];

  /** `create` makes a new, empty utterance of the provider's kind; audio is at `sampleRate`. */
  constructor(provider: string, cfg: UtteranceSettings, sampleRate: number, create: () => U) {
    this.#provider = provider;
    this.#log = cfg.log;
    this.#maxSamples = Math.round(((cfg.maxBufferedMs ?? 15_000) * sampleRate) / 1000);
    this.#create = create;
    this.#current = create();
  }

  /** The utterance being spoken (audio is added to it). */
  get current(): U {
    return this.#current;
  }

  /** Committed utterances in commit order, until they are taken by {@link takeDone}. */
  get inflight(): readonly U[] {
    return this.#inflight;
  }

  /**
   * Adds a copy of `samples` to the current utterance and returns the copy. Past the bound the
   * oldest audio is let go (the newest chunk always stays); `unsent(chunk)` says whether a chunk
   * let go had not been sent yet, and so is lost: the first such loss is logged.
   */
  push(samples: Int16Array, unsent: (chunk: Int16Array) => boolean): Int16Array {
    const u = this.#current;
    const copy = samples.slice();
    u.chunks.push(copy);
    u.samples += copy.length;
    while (u.samples > this.#maxSamples && u.chunks.length > 1) {
      const dropped = u.chunks.shift();
      if (!dropped) break;
      u.samples -= dropped.length;
      u.truncated = true;
      if (unsent(dropped) && !u.dropWarned) {
        u.dropWarned = true;
        this.#log?.warn({ provider: this.#provider }, 'stt audio dropped while disconnected');
      }
    }
    return copy;
  }

  /** The current utterance is committed: it joins those in flight, a new one begins. Returns it. */
  commit(): U {
    const u = this.#current;
    this.#current = this.#create();
    this.#inflight.push(u);
    return u;
  }

  /** The current utterance is let go (no final is owed for it); a new one begins. */
  abandon(): void {
    this.#current = this.#create();
  }

  /** Forgets every utterance (the socket failed for good). */
  reset(): void {
    this.#inflight.length = 0;
    this.#current = this.#create();
  }

  /** Whether an utterance in flight still waits for its words (an answer is owed). */
  owed(): boolean {
    return this.#inflight.some((u) => u.final === undefined);
  }

  /**
   * Takes the utterances at the head of those in flight out while `done` says they are, in
   * commit order: N always before N + 1, and never past one that is not done. One at a time:
   * the caller may stop (a stream closed by the event it gave) and the rest stay.
   */
  *takeDone(done: (u: U) => boolean): Generator<U, void, undefined> {
    for (let head = this.#inflight[0]; head && done(head); head = this.#inflight[0]) {
      this.#inflight.shift();
      yield head;
    }
  }
}

/** The final event of `u`, now: `latencyMs` counts from its commit() (0 before one). */
export function finalEvent(u: Utterance, text: string): Extract<SttEvent, { type: 'final' }> {
  const at = performance.now();
  return { type: 'final', text, at, latencyMs: at - (u.committedAt ?? at) };
}

/** The interim event of `u`'s words so far; undefined when they are none, or said already. */
export function interimEvent(u: Utterance, text: string): SttEvent | undefined {
  if (text === '' || text === u.interimSent) return undefined;
  u.interimSent = text;
  return { type: 'interim', text, at: performance.now() };
}
