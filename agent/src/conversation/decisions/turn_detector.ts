import { realClock, type Clock } from '../../util/clock.js';
import { completeness, holdOf } from './endpointing.js';
import type { EndpointingOptions } from './endpointing.js';

/**
 * Decides when one person's turn is over, from their VAD and STT events: the turn ends once
 * every utterance sent to STT has its final transcript AND they have been silent since their
 * last speech for the hold that transcript calls for (short when it sounds finished, long when
 * it does not: see endpointing.ts). Speech that resumes inside the hold continues the same turn.
 *
 * While the hold runs with every transcript in, the turn is a draft: `onDraft` offers its text
 * so a reply can be prepared (and thrown away if the person goes on).
 */
export type TurnDetectorOptions = EndpointingOptions;

/**
 * How long before the end of a long hold (words that do not sound finished) the draft's reply
 * is asked for: the fixture's LLM first token and TTS first byte take 370 ms, so a turn that
 * does end there is answered as fast as one prepared from the start.
 */
export const DRAFT_LEAD_MS = 500;

export interface CompletedTurn {
  text: string;
  /** performance.now() of the end of the last speech in the turn. */
  speechEndAt: number;
  /** performance.now() when the turn was declared over. */
  endedAt: number;
  /** Commit -> final of the turn's last utterance. */
  sttFinalMs: number;
}

export class TurnDetector {
  readonly #opts: TurnDetectorOptions;
  readonly #clock: Clock;
  readonly #onTurn: (turn: CompletedTurn) => void;
  readonly #onDraft: ((text: string) => void) | undefined;
  readonly #onSettled: (() => void) | undefined;
  #speaking = false;
  #awaitingFinals = 0;
  #parts: string[] = [];
  #speechEndAt = 0;
  #sttFinalMs = 0;
  #holdOver = true;
  #timer: unknown;
  /** The text last offered as a draft (offered once). */
  #drafted: string | undefined;

  constructor(
    opts: TurnDetectorOptions,
    events: {
      onTurn: (turn: CompletedTurn) => void;
      onDraft?: (text: string) => void;
      /** The hold ended without a turn (the speech was only noise): the person is not busy. */
      onSettled?: () => void;
    },
    clock = realClock,
  ) {
    this.#opts = opts;
    this.#onTurn = events.onTurn;
    this.#onDraft = events.onDraft;
    this.#onSettled = events.onSettled;
    this.#clock = clock;
  }

  /** Whether an utterance has ended and its final transcript is not in yet. */
  get awaitingWords(): boolean {
    return this.#awaitingFinals > 0;
  }

  /** True from the first speech of a turn until it is declared over (or dropped as empty). */
  get pending(): boolean {
    return this.#speaking || this.#awaitingFinals > 0 || this.#parts.length > 0 || !this.#holdOver;
  }

  speechStarted(): void {
    this.#speaking = true;
    this.#drafted = undefined; // a draft dropped for this speech may be offered again
    this.#holdOver = false;
    this.#cancelTimer();
  }

  /**
   * Speech ended at `speechEndAt` (performance.now() time); its audio is committed to STT, and
   * its final is owed. Not for speech that began before a reset(): its transcription failed, or
   * its person's turn was dropped, so no final will come for it.
   */
  speechEnded(speechEndAt: number): void {
    if (!this.#speaking) return;
    this.#speaking = false;
    this.#awaitingFinals++;
    this.#speechEndAt = speechEndAt;
    // The shortest hold first; the transcript may lengthen it (#maybeEnd).
    this.#holdUntil(speechEndAt + this.#opts.completeHoldMs);
  }

  /** The final transcript of one committed utterance (may be empty: noise). */
  final(text: string, latencyMs: number): void {
    if (this.#awaitingFinals > 0) this.#awaitingFinals--;
    const trimmed = text.trim();
    if (trimmed) this.#parts.push(trimmed);
    this.#sttFinalMs = latencyMs;
    this.#maybeEnd();
  }

  /** Forgets the turn in progress (the person left, or the transcription failed). */
  reset(): void {
    this.#cancelTimer();
    this.#speaking = false;
    this.#awaitingFinals = 0;
    this.#parts = [];
    this.#drafted = undefined;
    this.#holdOver = true;
  }

  #maybeEnd(): void {
    if (this.#speaking || this.#awaitingFinals > 0) return;
    const text = this.#parts.join(' ');
    if (!text) {
      if (this.#holdOver) this.#onSettled?.(); // only noise: no turn
      return;
    }
    const judged = completeness(text);
    const hold = holdOf(judged, this.#opts);
    const until = this.#speechEndAt + hold;
    const now = this.#clock.now();
    if (now < until) {
      // A draft is a billed LLM request. One for words that do not sound finished waits until
      // DRAFT_LEAD_MS before the long hold ends: a person who goes on before that is thinking
      // aloud, and the request would be thrown away.
      const draftAt = judged === 'incomplete' ? until - DRAFT_LEAD_MS : now;
      if (now < draftAt) {
        this.#holdUntil(draftAt);
        return;
      }
      this.#holdUntil(until);
      if (text !== this.#drafted) this.#onDraft?.(text);
      this.#drafted = text;
      return;
    }
    this.#parts = [];
    this.#drafted = undefined;
    this.#onTurn({
      text,
      speechEndAt: this.#speechEndAt,
      endedAt: this.#clock.now(),
      sttFinalMs: this.#sttFinalMs,
    });
  }

  #holdUntil(at: number): void {
    this.#cancelTimer();
    this.#holdOver = false;
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#holdOver = true;
        this.#maybeEnd();
      },
      Math.max(0, at - this.#clock.now()),
    );
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
