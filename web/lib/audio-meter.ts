import { foldPoll, mergeStats, SILENT, type PeakStats } from './audio-peak';

/** How often every analyser is read. */
export const POLL_INTERVAL_MS = 15;
const FFT_SIZE = 1024;

interface Tap {
  identity: string;
  source: MediaStreamAudioSourceNode;
  analyser: AnalyserNode;
  samples: Float32Array<ArrayBuffer>;
  stats: PeakStats;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Measures received audio per participant with Web Audio: one AnalyserNode per track, all read on
 * one timer. The analysers are not connected to the destination; `<audio>` elements play the
 * tracks. `onChange` fires only when a participant's peak or first-audio time changes.
 */
export class AudioMeter {
  readonly #ctx: AudioContext;
  readonly #onChange: (identity: string, stats: PeakStats) => void;
  readonly #taps = new Map<string, Tap>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(ctx: AudioContext, onChange: (identity: string, stats: PeakStats) => void) {
    this.#ctx = ctx;
    this.#onChange = onChange;
  }

  /** Starts measuring `track` (keyed by `key`, e.g. the track sid) for `identity`. */
  add(key: string, identity: string, track: MediaStreamTrack): void {
    this.remove(key);
    const source = this.#ctx.createMediaStreamSource(new MediaStream([track]));
    const analyser = this.#ctx.createAnalyser();
    analyser.fftSize = FFT_SIZE;
    source.connect(analyser);
    this.#taps.set(key, {
      identity,
      source,
      analyser,
      samples: new Float32Array(analyser.fftSize),
      stats: SILENT,
    });
    this.#timer ??= setInterval(() => this.#poll(), POLL_INTERVAL_MS);
  }

  remove(key: string): void {
    const tap = this.#taps.get(key);
    if (!tap) return;
    tap.source.disconnect();
    tap.analyser.disconnect();
    this.#taps.delete(key);
    if (this.#taps.size === 0) this.#stopTimer();
  }

  close(): void {
    for (const key of [...this.#taps.keys()]) this.remove(key);
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #poll(): void {
    const now = epochNowMs();
    const changed = new Set<string>();
    for (const tap of this.#taps.values()) {
      tap.analyser.getFloatTimeDomainData(tap.samples);
      const next = foldPoll(tap.stats, tap.samples, now);
      if (next !== tap.stats) {
        tap.stats = next;
        changed.add(tap.identity);
      }
    }
    for (const identity of changed) {
      const stats = [...this.#taps.values()]
        .filter((t) => t.identity === identity)
        .map((t) => t.stats);
      this.#onChange(identity, mergeStats(stats));
    }
  }
}
