import { SAMPLES_PER_FRAME } from './format.js';

/** Cuts audio chunks of any length into whole pipeline frames (SAMPLES_PER_FRAME samples). */
export class Framer {
  readonly #frame = new Int16Array(SAMPLES_PER_FRAME);
  #fill = 0;

  /** Copies as much of `chunk`, from `offset`, as the frame has room for: how many samples. */
  put(chunk: Int16Array, offset: number): number {
    const n = Math.min(SAMPLES_PER_FRAME - this.#fill, chunk.length - offset);
    this.#frame.set(chunk.subarray(offset, offset + n), this.#fill);
    this.#fill += n;
    return n;
  }

  /** The frame is whole: take() it. */
  get full(): boolean {
    return this.#fill === SAMPLES_PER_FRAME;
  }

  /** Part of a frame is waiting. */
  get partial(): boolean {
    return this.#fill > 0;
  }

  /** Completes the frame with silence: how many samples of it. */
  pad(): number {
    const n = SAMPLES_PER_FRAME - this.#fill;
    this.#frame.fill(0, this.#fill);
    this.#fill = SAMPLES_PER_FRAME;
    return n;
  }

  /** A copy of the frame; the next one starts empty. */
  take(): Int16Array {
    const frame = this.#frame.slice();
    this.#fill = 0;
    return frame;
  }
}
