import type { HeardInput, HearingReport } from '@voice-agent/common';

/**
 * Collects what the agent hears from each person and publishes it as one attribute, coalescing
 * bursts of changes into at most one write per `minIntervalMs`.
 */
export class HearingReporter {
  readonly #report: HearingReport = {};
  readonly #write: (json: string) => Promise<void>;
  readonly #minIntervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastWriteAt = -Infinity;
  #closed = false;

  constructor(write: (json: string) => Promise<void>, minIntervalMs = 100) {
    this.#write = write;
    this.#minIntervalMs = minIntervalMs;
  }

  set(identity: string, input: HeardInput): void {
    this.#report[identity] = input;
    this.#schedule();
  }

  remove(identity: string): void {
    if (!(identity in this.#report)) return;
    delete this.#report[identity];
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#closed || this.#timer) return;
    const waitMs = Math.max(0, this.#lastWriteAt + this.#minIntervalMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#closed) return;
      this.#lastWriteAt = performance.now();
      void this.#write(JSON.stringify(this.#report)).catch(() => undefined);
    }, waitMs);
  }
}
