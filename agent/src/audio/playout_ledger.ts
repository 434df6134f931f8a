import { SAMPLES_PER_FRAME } from './format.js';

/** Frames remembered for a pause to take back: more than the source's queue ever holds. */
export const RECENT_FRAMES = 100;

/**
 * The playout position of one reply, in samples, and the last frames handed to the source: what
 * a pause can take back from its queue. Pure bookkeeping; the caller reads the source's queue.
 */
export class PlayoutLedger {
  #pushed = 0;
  readonly #recent: Int16Array[] = [];

  /** Samples handed to the source and not taken back. */
  get pushed(): number {
    return this.#pushed;
  }

  /** How much of what was pushed has played, given the samples the source still has queued. */
  played(queuedSamples: number): number {
    return Math.max(0, this.#pushed - queuedSamples);
  }

  /** One frame handed to the source. */
  handed(frame: Int16Array): void {
    this.#pushed += SAMPLES_PER_FRAME;
    this.#recent.push(frame);
    if (this.#recent.length > RECENT_FRAMES) this.#recent.shift();
  }

  /**
   * Takes back the frames the source has queued but not played (`queuedSamples` of them, rounded
   * up to frames; `inFlight`: one of those is being handed over and is not in the ledger yet),
   * oldest first. The playout position stays where it is.
   */
  takeBack(queuedSamples: number, inFlight: boolean): Int16Array[] {
    const queuedFrames = Math.ceil(queuedSamples / SAMPLES_PER_FRAME) - (inFlight ? 1 : 0);
    const n = Math.max(0, Math.min(this.#recent.length, queuedFrames));
    this.#pushed -= n * SAMPLES_PER_FRAME;
    return this.#recent.splice(this.#recent.length - n, n);
  }
}
