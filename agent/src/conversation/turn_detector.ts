/**
 * Decides when one person's turn is over, from their VAD and STT events: the turn ends once they
 * have been silent for `holdMs` since their last speech AND every utterance sent to STT has its
 * final transcript. Speech that resumes inside the hold continues the same turn.
 */
export interface TurnDetectorOptions {
  /** Silence after the last speech before the turn may end (milliseconds). */
  holdMs: number;
}

export interface CompletedTurn {
  text: string;
  /** performance.now() of the end of the last speech in the turn. */
  speechEndAt: number;
  /** performance.now() when the turn was declared over. */
  endedAt: number;
  /** Commit -> final of the turn's last utterance. */
  sttFinalMs: number;
}

/** Timer functions, injectable so tests run on a fake clock. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class TurnDetector {
  readonly #opts: TurnDetectorOptions;
  readonly #clock: Clock;
  readonly #onTurn: (turn: CompletedTurn) => void;
  #speaking = false;
  #awaitingFinals = 0;
  #parts: string[] = [];
  #speechEndAt = 0;
  #sttFinalMs = 0;
  #holdOver = true;
  #timer: unknown;

  constructor(opts: TurnDetectorOptions, onTurn: (turn: CompletedTurn) => void, clock = realClock) {
    this.#opts = opts;
    this.#onTurn = onTurn;
    this.#clock = clock;
  }

  /** True from the first speech of a turn until it is declared over (or dropped as empty). */
  get pending(): boolean {
    return this.#speaking || this.#awaitingFinals > 0 || this.#parts.length > 0 || !this.#holdOver;
  }

  speechStarted(): void {
    this.#speaking = true;
    this.#holdOver = false;
    this.#cancelTimer();
  }

  /** Speech ended at `speechEndAt` (performance.now() time); its audio was committed to STT. */
  speechEnded(speechEndAt: number): void {
    this.#speaking = false;
    this.#awaitingFinals++;
    this.#speechEndAt = speechEndAt;
    this.#cancelTimer();
    const wait = Math.max(0, speechEndAt + this.#opts.holdMs - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#holdOver = true;
      this.#maybeEnd();
    }, wait);
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
    this.#holdOver = true;
  }

  #maybeEnd(): void {
    if (this.#speaking || this.#awaitingFinals > 0 || !this.#holdOver) return;
    const text = this.#parts.join(' ');
    this.#parts = [];
    if (!text) return; // only noise: no turn
    this.#onTurn({
      text,
      speechEndAt: this.#speechEndAt,
      endedAt: this.#clock.now(),
      sttFinalMs: this.#sttFinalMs,
    });
  }

  #cancelTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
