/** Level below which a window counts as digital silence. */
export const SILENCE_DBFS = -100;

/** RMS level of 16-bit PCM in dBFS (full-scale sine = -3 dBFS), floored at {@link SILENCE_DBFS}. */
export function rmsDbfs(samples: Int16Array): number {
  if (samples.length === 0) return SILENCE_DBFS;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]! / 32768;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / samples.length);
  return rms > 0 ? Math.max(SILENCE_DBFS, 20 * Math.log10(rms)) : SILENCE_DBFS;
}

export interface ActivityOptions {
  /** Level above which audio counts as sound. */
  thresholdDbfs: number;
  /** Continuous sound needed before the input turns active (ignores clicks). */
  attackMs: number;
  /** Continuous quiet needed before the input turns inactive (bridges pauses between words). */
  releaseMs: number;
}

export const DEFAULT_ACTIVITY: Omit<ActivityOptions, 'thresholdDbfs'> = {
  attackMs: 40,
  releaseMs: 500,
};

export interface ActivityChange {
  active: boolean;
  /** Level of the window that caused the change. */
  dbfs: number;
}

/**
 * Says whether a microphone carries sound, with hysteresis: it turns active after `attackMs` of
 * level above the threshold and inactive after `releaseMs` below it. Feed it one window at a
 * time; it returns a change only when the state flips.
 */
export class ActivityDetector {
  readonly #opts: ActivityOptions;
  #active = false;
  #runMs = 0;

  constructor(opts: ActivityOptions) {
    this.#opts = opts;
  }

  get active(): boolean {
    return this.#active;
  }

  push(dbfs: number, durationMs: number): ActivityChange | undefined {
    const loud = dbfs > this.#opts.thresholdDbfs;
    if (loud === this.#active) {
      this.#runMs = 0;
      return undefined;
    }
    this.#runMs += durationMs;
    const needed = loud ? this.#opts.attackMs : this.#opts.releaseMs;
    if (this.#runMs < needed) return undefined;
    this.#active = loud;
    this.#runMs = 0;
    return { active: loud, dbfs };
  }
}
