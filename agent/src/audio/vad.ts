import { PIPELINE_SAMPLE_RATE } from './format.js';
import {
  CONTEXT_SAMPLES,
  INPUT_SAMPLES,
  SILERO_SAMPLE_RATE,
  STATE_SIZE,
  WINDOW_SAMPLES,
  loadSileroModel,
} from './vad_model.js';
import type { SileroModel, VadModelStats } from './vad_model.js';
import { PolyphaseResampler } from './vad_resampler.js';

export { sileroSessionsCreated } from './vad_model.js';
export type { VadModelStats } from './vad_model.js';

export interface VadOptions {
  /** A window at or above this probability counts as speech while not speaking. */
  activationThreshold: number;
  /** While speaking, a window below this probability counts as silence (hysteresis). */
  deactivationThreshold: number;
  /** Speech must last this long before 'start' fires. */
  minSpeechMs: number;
  /** Silence must last this long before 'end' fires. */
  minSilenceMs: number;
  /** Moved earlier onto `speechStartMs` of 'start' events (clamped at 0), for callers that
   * replay buffered audio to STT; `speechMs` of 'end' is measured from the unpadded start. */
  prefixPaddingMs?: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  activationThreshold: 0.5,
  deactivationThreshold: 0.35,
  minSpeechMs: 100,
  minSilenceMs: 200,
};

export type VadEvent =
  | {
      type: 'start';
      /** Stream time (ms since the stream's first sample) where speech began. */
      speechStartMs: number;
      /** Stream time at which the start was decided (end of the window that confirmed it). */
      atMs: number;
    }
  | {
      type: 'end';
      /** Stream time of the end of the last speech window. */
      speechEndMs: number;
      atMs: number;
      speechMs: number;
    };

/** One 32 ms Silero window, in stream time. */
export interface VadWindow {
  startMs: number;
  endMs: number;
  probability: number;
}

export interface VadStream {
  /** Feed pipeline frames in order; returns events that became true with this audio (usually 0
   * or 1). Calls may overlap: they are processed in call order. Rejects once closed. */
  push(samples: Int16Array): Promise<VadEvent[]>;
  readonly speaking: boolean;
  /**
   * The silence that ends speech, changeable while streaming (it applies from the next window):
   * the listener shortens it while the agent speaks, so a backchannel's words come sooner.
   */
  minSilenceMs: number;
  /**
   * While speaking: the silence heard since the last speech window (0 while speech goes on);
   * `minSilenceMs` of it ends the speech. 0 when not speaking.
   */
  readonly silenceMs: number;
  /** Latest window's speech probability (0..1). */
  readonly probability: number;
  /** Stream time in ms of audio consumed so far (pipeline samples pushed and processed). */
  readonly timeMs: number;
  /** Forgets the model state, partial audio and any speech in progress (no 'end' is emitted);
   * stream time keeps counting. Pushes still in flight resolve with no events. */
  reset(): void;
  close(): void;
}

const WINDOW_MS = (WINDOW_SAMPLES * 1000) / SILERO_SAMPLE_RATE;

function checkOptions(o: VadOptions): void {
  const unit = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
  const ms = (v: number) => Number.isFinite(v) && v >= 0;
  if (!unit(o.activationThreshold) || !unit(o.deactivationThreshold)) {
    throw new RangeError('VAD thresholds must lie in [0, 1]');
  }
  if (o.deactivationThreshold > o.activationThreshold) {
    throw new RangeError('VAD deactivationThreshold must not exceed activationThreshold');
  }
  if (!ms(o.minSpeechMs) || !ms(o.minSilenceMs) || !ms(o.prefixPaddingMs ?? 0)) {
    throw new RangeError('VAD durations must be non-negative');
  }
}

/**
 * Silero voice activity detection for many people at once: one model per process, one cheap
 * stream per person (its own resampler, window buffer and recurrent state, ~5 KB).
 */
export class SileroVad {
  static #loading: Promise<SileroVad> | undefined;
  readonly #model: SileroModel;

  private constructor(model: SileroModel) {
    this.#model = model;
  }

  /** The process's shared VAD (the ONNX session is created once, on first load). */
  static load(): Promise<SileroVad> {
    SileroVad.#loading ??= loadSileroModel()
      .then((model) => new SileroVad(model))
      .catch((err: unknown) => {
        SileroVad.#loading = undefined;
        throw err;
      });
    return SileroVad.#loading;
  }

  /** Inference counters across every stream. */
  get stats(): Readonly<VadModelStats> {
    return this.#model.stats;
  }

  /** A stream for one person's audio; `onWindow` sees every window's probability. */
  stream(opts?: Partial<VadOptions>, onWindow?: (window: VadWindow) => void): VadStream {
    const options: VadOptions = { ...DEFAULT_VAD_OPTIONS, ...opts };
    checkOptions(options);
    return new SileroVadStream(this.#model, options, onWindow);
  }
}

class SileroVadStream implements VadStream {
  readonly #model: SileroModel;
  readonly #opts: VadOptions;
  #minSilenceMs: number;
  readonly #onWindow: ((window: VadWindow) => void) | undefined;
  readonly #resampler = new PolyphaseResampler(PIPELINE_SAMPLE_RATE, SILERO_SAMPLE_RATE);
  /** Context (64 samples) then the window being filled. */
  #window = new Float32Array(INPUT_SAMPLES);
  #fill = 0;
  #state = new Float32Array(STATE_SIZE);
  /** Bumped by reset/close: work queued before it is dropped. */
  #generation = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  /** Pipeline samples pushed, and stream time of resampled sample 0 since the last reset. */
  #pushedSamples = 0;
  #baseMs = 0;
  /** Windows completed since the last reset. */
  #windows = 0;
  #timeMs = 0;
  #probability = 0;

  #speaking = false;
  /** Speech (or silence, while speaking) accumulated towards the next decision. */
  #runMs = 0;
  #candidateStartMs = 0;
  #speechStartMs = 0;
  #lastSpeechEndMs = 0;

  constructor(model: SileroModel, opts: VadOptions, onWindow?: (window: VadWindow) => void) {
    this.#model = model;
    this.#opts = opts;
    this.#minSilenceMs = opts.minSilenceMs;
    this.#onWindow = onWindow;
  }

  get speaking(): boolean {
    return this.#speaking;
  }

  get minSilenceMs(): number {
    return this.#minSilenceMs;
  }

  set minSilenceMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`minSilenceMs: expected ms >= 0, got ${ms}`);
    this.#minSilenceMs = ms;
  }

  get silenceMs(): number {
    return this.#speaking ? this.#runMs : 0;
  }

  get probability(): number {
    return this.#probability;
  }

  get timeMs(): number {
    return this.#timeMs;
  }

  push(samples: Int16Array): Promise<VadEvent[]> {
    if (this.#closed) return Promise.reject(new Error('VAD stream is closed'));
    // Resample and cut windows now, in call order; infer them in order behind earlier pushes.
    this.#pushedSamples += samples.length;
    const endMs = (this.#pushedSamples * 1000) / PIPELINE_SAMPLE_RATE;
    const windows: { input: Float32Array; startMs: number }[] = [];
    const resampled = this.#resampler.push(samples);
    for (let i = 0; i < resampled.length;) {
      const n = Math.min(WINDOW_SAMPLES - this.#fill, resampled.length - i);
      this.#window.set(resampled.subarray(i, i + n), CONTEXT_SAMPLES + this.#fill);
      this.#fill += n;
      i += n;
      if (this.#fill === WINDOW_SAMPLES) {
        // Resampled audio lags the input by the filter delay: report the input's time (the
        // first window, which starts with the filter's silent history, from the base).
        const startMs = this.#baseMs + this.#windows * WINDOW_MS - this.#resampler.delayMs;
        windows.push({ input: this.#window.slice(), startMs: Math.max(this.#baseMs, startMs) });
        this.#windows += 1;
        this.#window.copyWithin(0, WINDOW_SAMPLES); // the next window's context
        this.#fill = 0;
      }
    }
    const generation = this.#generation;
    const job = this.#tail.then(() => this.#infer(windows, generation, endMs));
    this.#tail = job.catch(() => undefined);
    return job;
  }

  async #infer(
    windows: { input: Float32Array; startMs: number }[],
    generation: number,
    endMs: number,
  ): Promise<VadEvent[]> {
    const events: VadEvent[] = [];
    for (const w of windows) {
      if (generation !== this.#generation) return [];
      const probability = await this.#model.infer(w.input, this.#state);
      if (generation !== this.#generation) return [];
      this.#probability = probability;
      const window = { startMs: w.startMs, endMs: w.startMs + WINDOW_MS, probability };
      this.#onWindow?.(window);
      const event = this.#decide(window);
      if (event) events.push(event);
    }
    if (generation === this.#generation) this.#timeMs = endMs;
    return events;
  }

  /** Hysteresis over windows: activation to enter speech, deactivation to leave it. */
  #decide({ startMs, endMs, probability }: VadWindow): VadEvent | undefined {
    const o = this.#opts;
    if (!this.#speaking) {
      if (probability < o.activationThreshold) {
        this.#runMs = 0;
        return undefined;
      }
      if (this.#runMs === 0) this.#candidateStartMs = startMs;
      this.#runMs += WINDOW_MS;
      this.#lastSpeechEndMs = endMs;
      if (this.#runMs < o.minSpeechMs) return undefined;
      this.#speaking = true;
      this.#runMs = 0;
      this.#speechStartMs = this.#candidateStartMs;
      const padded = Math.max(0, this.#candidateStartMs - (o.prefixPaddingMs ?? 0));
      return { type: 'start', speechStartMs: padded, atMs: endMs };
    }
    if (probability >= o.deactivationThreshold) {
      this.#runMs = 0;
      this.#lastSpeechEndMs = endMs;
      return undefined;
    }
    this.#runMs += WINDOW_MS;
    if (this.#runMs < this.#minSilenceMs) return undefined;
    this.#speaking = false;
    this.#runMs = 0;
    return {
      type: 'end',
      speechEndMs: this.#lastSpeechEndMs,
      atMs: endMs,
      speechMs: this.#lastSpeechEndMs - this.#speechStartMs,
    };
  }

  reset(): void {
    this.#generation += 1;
    // New arrays: a run still in flight writes into the old state, not the new one.
    this.#state = new Float32Array(STATE_SIZE);
    this.#window = new Float32Array(INPUT_SAMPLES);
    this.#fill = 0;
    this.#resampler.reset();
    this.#timeMs = (this.#pushedSamples * 1000) / PIPELINE_SAMPLE_RATE;
    this.#baseMs = this.#timeMs;
    this.#windows = 0;
    this.#probability = 0;
    this.#speaking = false;
    this.#runMs = 0;
  }

  close(): void {
    if (this.#closed) return;
    this.reset();
    this.#closed = true;
  }
}
