/** A pause: the frames taken back from the source, and how to wake the playout loop. */
interface Paused {
  frames: Int16Array[];
  wake: () => void;
  resumed: Promise<void>;
}

/**
 * The pause of one reply's playout: the frames a pause took back (to play first on resume), and
 * the handshake between pause()/resume() and the playout loop that waits them out. A resume the
 * loop has not picked up yet leaves the pause pending; a pause then holds again, its frames after
 * the ones still waiting to be replayed.
 */
export class PlayoutPause {
  #paused: Paused | undefined;
  #resumeRequested = false;

  /** Paused and not asked to resume: a frame handed to the source now must be kept back. */
  get holding(): boolean {
    return this.#paused !== undefined && !this.#resumeRequested;
  }

  /** Paused, or resumed but not yet replayed by the playout loop. */
  get pending(): boolean {
    return this.#paused !== undefined;
  }

  /** Frames waiting to be replayed, which play before any new one. */
  get heldFrames(): number {
    return this.#paused?.frames.length ?? 0;
  }

  /**
   * Pauses, keeping the frames `takeBack` returns after any still waiting from the last pause.
   * False (and nothing taken back) when already holding.
   */
  pause(takeBack: () => Int16Array[]): boolean {
    if (this.holding) return false;
    let wake = () => {};
    const resumed = new Promise<void>((resolve) => (wake = resolve));
    const held = this.#paused?.frames ?? [];
    this.#paused = { frames: [...held, ...takeBack()], wake, resumed };
    this.#resumeRequested = false;
    return true;
  }

  /** Asks the playout loop to play on. */
  resume(): void {
    if (!this.#paused) return;
    this.#resumeRequested = true;
    this.#paused.wake();
  }

  /** Wakes the playout loop without resuming (so it sees an abort). */
  wake(): void {
    this.#paused?.wake();
  }

  /** Puts frames at the end of those the pause holds (nothing without a pause). */
  keep(frames: Int16Array[]): void {
    this.#paused?.frames.push(...frames);
  }

  /**
   * Waits for the pending pause to wake. Resumed (and `signal` not aborted): the pause is over,
   * and these are the frames to replay first. Otherwise undefined, and the pause stays.
   */
  async resumed(signal: AbortSignal): Promise<Int16Array[] | undefined> {
    const paused = this.#paused;
    if (!paused) return undefined;
    await paused.resumed;
    if (signal.aborted || !this.#resumeRequested) return undefined;
    this.#paused = undefined;
    return paused.frames;
  }
}
