/**
 * Streaming rational resampler for the VAD's input (pipeline 24 kHz -> Silero's 16 kHz): a
 * Kaiser-windowed sinc low-pass run as a polyphase filter, so each output sample costs
 * `tapsPerPhase` multiply-adds and no zero-stuffed samples are ever computed.
 */

export interface PolyphaseOptions {
  /** Filter taps per output phase; more is a steeper low-pass (and a longer delay). */
  tapsPerPhase: number;
  /** Low-pass cutoff (-6 dB point) as a fraction of the lower of the two Nyquist rates. */
  cutoff: number;
  /** Kaiser window beta: about 8 gives ~80 dB stop-band attenuation. */
  kaiserBeta: number;
}

export const DEFAULT_POLYPHASE: PolyphaseOptions = {
  tapsPerPhase: 48,
  cutoff: 0.88,
  kaiserBeta: 8,
};

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Zeroth-order modified Bessel function of the first kind (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** Filter tables are shared by every resampler with the same shape (one per process, ~400 B). */
const tables = new Map<string, Float32Array>();

/**
 * Polyphase coefficients, phase-major, each phase reversed so it runs over ascending input: a
 * Kaiser-windowed sinc prototype at the upsampled rate, cut at the lower of the two Nyquists.
 */
function polyphaseTable(up: number, down: number, opts: PolyphaseOptions): Float32Array {
  const key = `${up}/${down}/${opts.tapsPerPhase}/${opts.cutoff}/${opts.kaiserBeta}`;
  const cached = tables.get(key);
  if (cached) return cached;
  const taps = opts.tapsPerPhase;
  const length = up * taps;
  const fc = (opts.cutoff * 0.5) / Math.max(up, down); // cycles per upsampled sample
  const proto = new Float64Array(length);
  const mid = (length - 1) / 2;
  const i0Beta = besselI0(opts.kaiserBeta);
  let sum = 0;
  for (let j = 0; j < length; j++) {
    const t = j - mid;
    const sinc = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const r = t / mid;
    const w = besselI0(opts.kaiserBeta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta;
    proto[j] = sinc * w;
    sum += proto[j]!;
  }
  // Unity gain at DC after zero-stuffing: the taps of each phase sum to 1.
  const table = new Float32Array(length);
  for (let p = 0; p < up; p++) {
    for (let t = 0; t < taps; t++)
      table[p * taps + (taps - 1 - t)] = (proto[p + up * t]! * up) / sum;
  }
  tables.set(key, table);
  return table;
}

/**
 * Converts 16-bit PCM at `inRate` to float samples in [-1, 1) at `outRate`, one chunk at a time,
 * keeping its filter history between chunks. The stream starts from silence.
 */
export class PolyphaseResampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Group delay of the filter, in ms: output audio lags the input by this much. */
  readonly delayMs: number;
  readonly #up: number;
  readonly #down: number;
  readonly #taps: number;
  readonly #phases: Float32Array;
  /** Input history (as floats), `#buf[0]` being input sample number `#bufStart`. */
  #buf: Float32Array;
  #bufLen = 0;
  #bufStart = 0;
  /** Number of the next output sample. */
  #next = 0;

  constructor(inRate: number, outRate: number, opts: PolyphaseOptions = DEFAULT_POLYPHASE) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError(`sample rates must be positive integers (got ${inRate} -> ${outRate})`);
    }
    const g = gcd(inRate, outRate);
    this.inRate = inRate;
    this.outRate = outRate;
    this.#up = outRate / g;
    this.#down = inRate / g;
    this.#taps = opts.tapsPerPhase;
    this.#phases = polyphaseTable(this.#up, this.#down, opts);
    const mid = (this.#up * this.#taps - 1) / 2;
    this.delayMs = (mid * 1000) / (inRate * this.#up);
    this.#buf = new Float32Array(this.#taps + 256); // grows if a push needs more
    this.reset();
  }

  /** Forgets the history: the next chunk is resampled as if preceded by silence. */
  reset(): void {
    this.#buf.fill(0);
    this.#bufLen = this.#taps - 1;
    this.#bufStart = -(this.#taps - 1);
    this.#next = 0;
  }

  /** Resamples one chunk; returns every output sample that the input so far determines. */
  push(samples: Int16Array): Float32Array {
    const up = this.#up;
    const down = this.#down;
    const taps = this.#taps;
    if (this.#bufLen + samples.length > this.#buf.length) {
      const grown = new Float32Array((this.#bufLen + samples.length) * 2);
      grown.set(this.#buf.subarray(0, this.#bufLen));
      this.#buf = grown;
    }
    const buf = this.#buf;
    for (let i = 0; i < samples.length; i++) buf[this.#bufLen + i] = samples[i]! / 32768;
    this.#bufLen += samples.length;
    const inputEnd = this.#bufStart + this.#bufLen; // one past the newest input sample number

    // Output n needs input samples floor(n*down/up) - taps + 1 ..= floor(n*down/up), so it is
    // computable once n*down < inputEnd*up.
    const last = Math.floor((inputEnd * up - 1) / down);
    const count = Math.max(0, last - this.#next + 1);
    const out = new Float32Array(count);
    const phases = this.#phases;
    for (let k = 0; k < count; k++) {
      const n = this.#next + k;
      const centre = Math.floor((n * down) / up);
      const phase = n * down - centre * up;
      const from = centre - taps + 1 - this.#bufStart;
      const coeff = phase * taps;
      // Four independent sums: shorter dependency chains, ~1.6x faster than one.
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let t = 0;
      for (; t + 3 < taps; t += 4) {
        a0 += phases[coeff + t]! * buf[from + t]!;
        a1 += phases[coeff + t + 1]! * buf[from + t + 1]!;
        a2 += phases[coeff + t + 2]! * buf[from + t + 2]!;
        a3 += phases[coeff + t + 3]! * buf[from + t + 3]!;
      }
      for (; t < taps; t++) a0 += phases[coeff + t]! * buf[from + t]!;
      out[k] = a0 + a1 + a2 + a3;
    }
    this.#next += count;

    // Keep only what the next output needs.
    const keepFrom = Math.floor((this.#next * down) / up) - taps + 1;
    const drop = Math.min(this.#bufLen, Math.max(0, keepFrom - this.#bufStart));
    buf.copyWithin(0, drop, this.#bufLen);
    this.#bufLen -= drop;
    this.#bufStart += drop;
    return out;
  }
}
