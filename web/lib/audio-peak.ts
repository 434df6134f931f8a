/** Peak tracking for the page's audio test hooks (`data-audio-peak`, `data-first-audio-at`). */

/** A poll whose peak exceeds this counts as audible. */
export const AUDIBLE_PEAK = 0.01;

export interface PeakStats {
  /** Largest absolute sample seen so far, 0..1. */
  peak: number;
  /** Epoch ms of the first audible poll; undefined until then. */
  firstAudioAtMs: number | undefined;
}

export const SILENT: PeakStats = { peak: 0, firstAudioAtMs: undefined };

/** Largest absolute sample of a window, clamped to 0..1 (NaN counts as 0). */
export function windowPeak(samples: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = Math.abs(samples[i] ?? 0);
    if (v > peak) peak = v;
  }
  return Math.min(peak, 1);
}

/** Folds one poll into the stats; returns the same object when nothing changed. */
export function foldPoll(stats: PeakStats, samples: ArrayLike<number>, nowMs: number): PeakStats {
  const peak = windowPeak(samples);
  const firstAudioAtMs =
    stats.firstAudioAtMs === undefined && peak > AUDIBLE_PEAK ? nowMs : stats.firstAudioAtMs;
  if (peak <= stats.peak && firstAudioAtMs === stats.firstAudioAtMs) return stats;
  return { peak: Math.max(peak, stats.peak), firstAudioAtMs };
}

/** Merges the stats of several tracks of one participant. */
export function mergeStats(all: Iterable<PeakStats>): PeakStats {
  let peak = 0;
  let first: number | undefined;
  for (const s of all) {
    peak = Math.max(peak, s.peak);
    if (s.firstAudioAtMs !== undefined && (first === undefined || s.firstAudioAtMs < first)) {
      first = s.firstAudioAtMs;
    }
  }
  return { peak, firstAudioAtMs: first };
}

/** The attribute form: 4 decimals for the peak, integer epoch ms or '' for the first audio. */
export function formatPeak(stats: PeakStats): { peak: string; firstAudioAt: string } {
  return {
    peak: stats.peak.toFixed(4),
    firstAudioAt:
      stats.firstAudioAtMs === undefined ? '' : String(Math.round(stats.firstAudioAtMs)),
  };
}
