/**
 * Level-envelope echo suppression for participants without echo cancellation.
 *
 * Such a participant's microphone picks up the agent's own voice from their loudspeaker and sends
 * it back: delayed by the round trip (100-700 ms), 0-20 dB quieter, reverberated and coded twice.
 * VAD on that microphone would hear the agent, and the agent would interrupt itself. This file
 * does not cancel the echo (no FFT, no adaptive filter): it decides, per 10 ms mic frame, whether
 * the frame could be nothing but echo, so that the caller feeds silence to VAD instead.
 *
 * It works on frame power (one number per 10 ms), which survives codecs, resampling and
 * loudspeakers far better than the waveform does:
 *
 * 1. {@link EchoReference} records the power of every frame the agent plays, in 10 ms slots of
 *    the time it is heard. Slots nothing was played in are silence.
 * 2. The echo expected from it is the reference's "reverberant envelope": each slot's power
 *    plus a decaying tail of the slots before it (a room's reverberation, in power terms),
 *    delayed by the echo path and scaled by its gain.
 * 3. {@link EchoGate} keeps the last second of mic levels. Every 200 ms while the agent is
 *    audible, it correlates the mic's dB envelope with the reference's at every delay 0..800 ms
 *    in 10 ms steps (recent frames weigh more). A peak above {@link MIN_CORRELATION} gives the
 *    delay; the delays that correlate almost as well are kept too (a delay between two slots,
 *    or old and new delay while it changes). The gain is the lower quartile, over the window, of
 *    mic level minus envelope at that delay: a person talking in the window only adds level.
 * 4. Each mic frame's predicted echo is the loudest envelope over the delays kept, plus the
 *    gain. The frame is echo when the mic is at most {@link ECHO_MARGIN_DB} above the
 *    prediction, or below {@link MIC_FLOOR_DBFS}.
 *
 * Before the first trustworthy delay (the first 1.4 s or so of the first reply; always, for a
 * participant whose echo is too faint to correlate), the gate is cautious: every delay is kept,
 * and the gain is {@link UNTRUSTED_GAIN_DB}, or lower once the mic is measured to be quieter
 * than that at every delay. A frame then counts as speech only if it is about as loud as the
 * loudest the agent played in the last 0.8 s, or louder.
 *
 * A person talking over the agent is heard because, at their own mic, their voice is typically
 * 10 dB or more above the echo, so above the prediction plus the margin in most voiced frames.
 */
import { FRAME_MS } from './format.js';
import { SILENCE_DBFS, rmsDbfs } from './level.js';

/**
 * Longest echo delay searched: the round trip (network both ways, two jitter buffers,
 * loudspeaker to mic) is 100-700 ms; 100 ms more leaves room for a jitter buffer that grew.
 */
const MAX_ECHO_DELAY_MS = 800;
/**
 * Mic history correlated with the reference: a few syllables and pauses (the envelope's shape is
 * what identifies the echo). One second, with the weighting below, tracks a changed delay within
 * a second; 1.5 s did not.
 */
const CORRELATION_WINDOW_MS = 1000;
/**
 * Age at which a frame's weight in the correlation falls to 1/e: frames since a change of delay
 * (a jitter buffer that grew) outweigh the older ones after 0.2 s, so the new delay wins soon.
 */
const CORRELATION_MEMORY_MS = 300;
/** How often delay and gain are re-estimated: 5 times a second tracks a change cheaply. */
const ESTIMATE_EVERY_MS = 200;
/**
 * Correlation of the dB envelopes above which a delay is believed. The echo alone correlates at
 * 0.95-0.98 in the tests (reverberated, coded, with noise); a person talking over it brings the
 * peak down, and chance alignments of their speech with the agent's reached 0.83-0.86, which
 * replaced a good gain with a wrong one at 0.8. Failing to trust is the safe side: the previous
 * estimate, or the cautious untrusted model, stays in use.
 */
const MIN_CORRELATION = 0.9;
/**
 * Delays whose correlation is at least this fraction of the peak's are kept as well: a delay
 * between two 10 ms slots correlates almost equally at both, and while a delay changes, old and
 * new both correlate. Any wider and the prediction, the loudest over the delays kept, rises
 * wherever the envelope moves, and the person's speech there is taken for echo.
 */
const PLAUSIBLE_FRACTION = 0.97;
/**
 * Decay of the reverberation the prediction adds after each played frame, dB per 10 ms: 60 dB in
 * 300 ms (RT60 0.3 s, a furnished room). Without it the frames just after each word, where the
 * room still rings, would look like speech.
 */
const TAIL_DECAY_DB_PER_FRAME = 2;
/**
 * Weight of the reverberation relative to the direct sound: a steady sound's tail then adds
 * 0.85 times its power (+2.7 dB), as a room with the loudspeaker near the mic does (a laptop,
 * direct-to-reverberant ratio about 3 dB). The gain absorbs the rest of the difference.
 */
const TAIL_WEIGHT = 0.5;
/** Power kept from one slot's tail to the next. */
const TAIL_FACTOR = 10 ** (-TAIL_DECAY_DB_PER_FRAME / 10);
/** Slots after which a frame's tail has decayed by 60 dB: nothing left to predict. */
const TAIL_FRAMES = Math.ceil(60 / TAIL_DECAY_DB_PER_FRAME);
/**
 * Quantile of (mic - envelope) taken as the echo's gain. A person talking in the window only
 * ever adds level, so the echo's own gain is in the lower part of the distribution; the lower
 * quartile stays put while up to half the window is double talk. For the echo alone it is about
 * 1.5 dB under the median, which the margin covers.
 */
const GAIN_QUANTILE = 0.25;
/**
 * A mic frame is echo unless it is this much louder than the predicted echo. The echo's frame
 * levels scatter above the prediction (room resonances on sustained vowels, the reverberation's
 * bumps, the codecs): in 144 simulated rooms and codings, keeping every 30 ms run of echo out
 * took 6.5 dB. 7 dB leaves half a dB for what the simulation lacks, and stays below the 10+ dB
 * by which a person's own voice typically exceeds the echo at their mic.
 */
export const ECHO_MARGIN_DB = 7;
/**
 * While the agent is audible, a mic frame below this is echo whatever the prediction says:
 * voiced speech at a WebRTC microphone (with AGC) sits at -35..-15 dBFS; below -55 is room noise,
 * breath or the echo's tail, nothing VAD should hear as the person speaking.
 */
const MIC_FLOOR_DBFS = -55;
/**
 * Gain assumed until one is measured, relative to the reverberant envelope (about 2 dB above a
 * sustained sound's plain level). With the margin, a frame must then be no more than 8 dB under
 * the loudest envelope the agent played within the delay range to be speech: echo at -10 dB (a
 * laptop's speaker and mic without echo cancellation) stays below that, and a person talking
 * over the agent at about its level is heard from the first reply on. Louder echo (-3 dB) can
 * pass until the path is measured (about 1 s of the agent's speech); a stricter guess made a
 * person who interrupts the first second of the first reply unheard.
 */
const UNTRUSTED_GAIN_DB = -15;
/**
 * How much the untrusted gain may rise per estimate once measured lower, dB: the measurement
 * cannot tell the person talking from echo, so a rise is believed slowly (5 dB/s), while real
 * echo soon correlates and gets a trusted model of its own.
 */
const UNTRUSTED_RISE_DB = 1;
/**
 * Reference envelope above which the agent counts as audible. A voice at a normal level is
 * -30..-15 dBFS while voiced; -50 keeps the quiet ends of words and drops fades and dither.
 */
const AUDIBLE_DBFS = -50;
/**
 * A predicted echo below this is under any real microphone's noise floor: nothing to suppress,
 * the frame passes.
 */
const INAUDIBLE_ECHO_DBFS = -70;
/**
 * Levels are clamped to this before correlating: below it the mic holds room noise, whose level
 * means nothing, and the reference's digital silence (-100 dBFS) would otherwise dominate the
 * variance and make every on/off pattern look alike.
 */
const ENVELOPE_FLOOR_DBFS = -60;
/**
 * Audible reference frames each delay needs in the window before anything is estimated: half a
 * second is a few syllables, enough for the envelope to have a shape. Requiring it of every delay
 * keeps the first estimate from favouring short delays merely because long ones have not yet
 * seen the reply.
 */
const MIN_AUDIBLE_FRAMES = 50;
/**
 * Mic frames arriving later than the earliest arrivals by more than this are not jitter but a
 * pause in the stream (a stall, a muted track): the mic clock restarts from them. Frames come in
 * bursts of 20 ms Opus packets, plus event-loop delays.
 */
const MIC_RESYNC_MS = 100;
/**
 * How far ahead of being heard `played` may be called (the AudioSource's queue, 200 ms in
 * room/agent_room.ts, plus margin): the reference keeps room for it.
 */
const MAX_LEAD_MS = 500;
/**
 * A played frame whose slot is within this many slots of the one after the previous frame's
 * is taken to follow it: `at` jitters with the event loop and the source's queue accounting.
 */
const SLOT_JITTER = 2;

const MAX_LAG = MAX_ECHO_DELAY_MS / FRAME_MS;
/** How far (frames) the echo delay may have moved from the kept ones without the gate knowing. */
const NEAR_LAG_FRAMES = 15;
const WINDOW_FRAMES = CORRELATION_WINDOW_MS / FRAME_MS;
const ESTIMATE_EVERY_FRAMES = ESTIMATE_EVERY_MS / FRAME_MS;
/**
 * Reference slots kept: the oldest one read is a window, the longest delay and a tail behind the
 * newest mic frame (1 + 0.8 + 0.3 s); plus the lead ahead of it. About 2.6 s in all.
 */
const REFERENCE_SLOTS = WINDOW_FRAMES + MAX_LAG + TAIL_FRAMES + MAX_LEAD_MS / FRAME_MS;

/** The 10 ms slot a time (ms) falls in. */
const slotOf = (at: number) => Math.round(at / FRAME_MS);
const ringIndex = (slot: number) => ((slot % REFERENCE_SLOTS) + REFERENCE_SLOTS) % REFERENCE_SLOTS;
/** Mean-square power (full scale 1) to dBFS, floored at silence. */
const toDb = (power: number) =>
  power > 0 ? Math.max(SILENCE_DBFS, 10 * Math.log10(power)) : SILENCE_DBFS;

/**
 * What the agent played into the room: the power of each 10 ms frame, in slots of the time it is
 * heard. One per room, shared by every participant's {@link EchoGate}. Keeps about 2.6 s behind
 * the mic and 0.5 s ahead; slots nothing was played in are silence.
 */
export class EchoReference {
  readonly #power = new Float64Array(REFERENCE_SLOTS);
  /** Which slot each ring entry holds (NaN: none). */
  readonly #slots = new Float64Array(REFERENCE_SLOTS).fill(NaN);
  /** The samples of each slot, for an echo canceller (audio/echo_canceller.ts). */
  readonly #samples: (Int16Array | undefined)[] = new Array(REFERENCE_SLOTS);
  /** Slot of the last frame played: the next one follows it unless a gap or jump says not. */
  #lastSlot = NaN;

  /**
   * Records one frame the agent plays. `at`: when it is heard (performance.now() ms), i.e. the
   * time it is handed to the AudioSource plus what is queued ahead of it. Frames played one
   * after another get consecutive slots whatever the jitter of `at`: a canceller needs the
   * waveform without gaps or repeats.
   */
  played(frame: Int16Array, at: number): void {
    let slot = slotOf(at);
    if (Math.abs(slot - (this.#lastSlot + 1)) <= SLOT_JITTER) slot = this.#lastSlot + 1;
    this.#lastSlot = slot;
    const i = ringIndex(slot);
    this.#slots[i] = slot;
    this.#power[i] = 10 ** (rmsDbfs(frame) / 10);
    this.#samples[i] = frame;
  }

  /**
   * Forgets the frames recorded as heard at or after `at` that will not be (the reply was
   * interrupted and the AudioSource's queue cleared).
   */
  discardFrom(at: number): void {
    const from = slotOf(at);
    for (let i = 0; i < REFERENCE_SLOTS; i++) {
      if (this.#slots[i]! >= from) {
        this.#slots[i] = NaN;
        this.#power[i] = 0;
        this.#samples[i] = undefined;
      }
    }
    this.#lastSlot = NaN;
  }

  /** Level played at time `at` (ms), dBFS: -100 if nothing was, or if it is no longer kept. */
  levelAt(at: number): number {
    return toDb(this.powerAt(slotOf(at)));
  }

  /** Mean-square power played in 10 ms slot `slot` (= round(ms / 10)); 0 if none. */
  powerAt(slot: number): number {
    const i = ringIndex(slot);
    return this.#slots[i] === slot ? this.#power[i]! : 0;
  }

  /** The frame played in slot `slot`, if one was and it is still kept. */
  frameAt(slot: number): Int16Array | undefined {
    const i = ringIndex(slot);
    return this.#slots[i] === slot ? this.#samples[i] : undefined;
  }
}

export interface EchoDecision {
  /** The frame may be nothing but the agent's echo: treat it as silence. */
  echo: boolean;
  /** Level of the mic frame, dBFS. */
  micDb: number;
  /** Level the agent's echo is predicted to have in this frame, dBFS (-100: none). */
  predictedEchoDb: number;
  /**
   * The loudest the echo could be in this frame at any delay searched (0-800 ms), at the gain
   * in use, dBFS: what a delay that just moved could bring that the prediction does not.
   */
  worstEchoDb: number;
  /** The loudest the echo could be within 150 ms of the delays kept, dBFS. */
  nearEchoDb: number;
  /** The 10 ms slot the frame was heard in, on the mic's jitter-free clock. */
  slot: number;
}

/** The echo path as last estimated, for logs and metrics. */
export interface EchoPathEstimate {
  /** Delay at the correlation peak, ms. */
  delayMs: number;
  /** Echo level relative to the reverberant envelope of what was played, dB. */
  gainDb: number;
  /** Correlation of the envelopes at that delay. */
  correlation: number;
}

/** How the echo is predicted now. */
interface EchoModel {
  /** Delays (in 10 ms frames) the echo may have. */
  minLag: number;
  maxLag: number;
  gainDb: number;
}

const UNTRUSTED: EchoModel = { minLag: 0, maxLag: MAX_LAG, gainDb: UNTRUSTED_GAIN_DB };

/**
 * Decides, per 10 ms frame of one participant's microphone, whether the frame is only the agent's
 * echo. One per participant, bound to the room's {@link EchoReference}. See the top of this file.
 */
export class EchoGate {
  readonly #reference: EchoReference;
  /** Mic levels (dBFS) of the last window, a ring, with the slot each frame was heard in. */
  readonly #micDb = new Float64Array(WINDOW_FRAMES);
  readonly #micSlot = new Float64Array(WINDOW_FRAMES);
  #frames = 0;
  #sinceEstimate = 0;
  /** Arrival time the mic's first frame would have had, without jitter (see {@link #heardAt}). */
  #clockStart = NaN;
  #clockFrames = 0;
  #model = UNTRUSTED;
  #estimate: EchoPathEstimate | undefined;
  // Scratch space for the estimates, allocated once.
  readonly #x = new Float64Array(WINDOW_FRAMES);
  readonly #w = new Float64Array(WINDOW_FRAMES);
  readonly #base = new Float64Array(WINDOW_FRAMES);
  readonly #spanDb = new Float64Array(2 * WINDOW_FRAMES + MAX_LAG + TAIL_FRAMES);
  readonly #correlation = new Float64Array(MAX_LAG + 1);
  readonly #residuals = new Float64Array(WINDOW_FRAMES);

  constructor(reference: EchoReference) {
    this.#reference = reference;
  }

  /** The echo path in use, once a trustworthy estimate exists. */
  get estimate(): EchoPathEstimate | undefined {
    return this.#estimate;
  }

  /** Classifies one mic frame. `at`: when it arrived (performance.now() ms). */
  push(frame: Int16Array, at: number): EchoDecision {
    const micDb = rmsDbfs(frame);
    const slot = slotOf(this.#heardAt(at));
    const ring = this.#frames % WINDOW_FRAMES;
    this.#micDb[ring] = micDb;
    this.#micSlot[ring] = slot;
    this.#frames++;
    if (++this.#sinceEstimate >= ESTIMATE_EVERY_FRAMES) {
      this.#sinceEstimate = 0;
      this.#reestimate();
    }

    const { minLag, maxLag, gainDb } = this.#model;
    const predictedEchoDb = Math.max(
      SILENCE_DBFS,
      toDb(this.#envelopeMax(slot, minLag, maxLag)) + gainDb,
    );
    const echo =
      predictedEchoDb > INAUDIBLE_ECHO_DBFS &&
      (micDb < MIC_FLOOR_DBFS || micDb <= predictedEchoDb + ECHO_MARGIN_DB);
    // Every delay the gate searches, the kept ones among them: never below the prediction.
    const worstEchoDb = Math.max(SILENCE_DBFS, toDb(this.#envelopeMax(slot, 0, MAX_LAG)) + gainDb);
    const nearEchoDb = Math.max(
      SILENCE_DBFS,
      toDb(
        this.#envelopeMax(
          slot,
          Math.max(0, minLag - NEAR_LAG_FRAMES),
          Math.min(MAX_LAG, maxLag + NEAR_LAG_FRAMES),
        ),
      ) + gainDb,
    );
    return { echo, micDb, predictedEchoDb, worstEchoDb, nearEchoDb, slot };
  }

  /** {@link push}, then the frame itself, or silence of the same length if it is echo. */
  gate(frame: Int16Array, at: number): Int16Array {
    return this.push(frame, at).echo ? new Int16Array(frame.length) : frame;
  }

  /**
   * When a mic frame was heard, on a clock without network jitter: the mic's audio is continuous,
   * so frame n was heard n × 10 ms after the first; that start is taken from the earliest
   * arrivals (late ones are jitter), and restarted after a pause in the stream.
   */
  #heardAt(at: number): number {
    const start = at - this.#clockFrames * FRAME_MS;
    if (!(start >= this.#clockStart && start <= this.#clockStart + MIC_RESYNC_MS)) {
      this.#clockStart = start;
      this.#clockFrames = 0;
    }
    return this.#clockStart + this.#clockFrames++ * FRAME_MS;
  }

  /**
   * Loudest reverberant envelope of the reference that reaches the mic in `slot` through delays
   * minLag..maxLag: mean-square power.
   */
  #envelopeMax(slot: number, minLag: number, maxLag: number): number {
    let tail = 0;
    let best = 0;
    for (let s = slot - maxLag - TAIL_FRAMES; s <= slot - minLag; s++) {
      const p = this.#reference.powerAt(s);
      const envelope = p + TAIL_WEIGHT * tail;
      tail = (tail + p) * TAIL_FACTOR;
      if (s >= slot - maxLag && envelope > best) best = envelope;
    }
    return best;
  }

  /**
   * Re-estimates delay and gain from the window. Keeps the model in use when the agent was not
   * audible enough, or when the correlation is too weak (e.g. the person talks over the echo).
   */
  #reestimate(): void {
    const n = Math.min(this.#frames, WINDOW_FRAMES);
    const newest = this.#micSlot[(this.#frames - 1) % WINDOW_FRAMES]!;
    // Only while the agent can be heard: a window holding just the end of a reply has a single
    // on-to-off step, which correlates at many delays.
    if (n < MIN_AUDIBLE_FRAMES || toDb(this.#envelopeMax(newest, 0, MAX_LAG)) <= AUDIBLE_DBFS) {
      return;
    }
    this.#loadWindow(n);
    const span = this.#loadSpan(n);
    const peak = this.#correlateDelays(n, span);
    // Too little of the agent at some delay yet (early in a reply): estimate nothing.
    if (!peak) return;
    if (peak.correlation >= MIN_CORRELATION) {
      this.#trust(n, span, peak);
    } else if (this.#estimate === undefined) {
      this.#lowerUntrustedGain(peak.gainBound);
    }
  }

  /**
   * Copies the last `n` frames into the scratch window, oldest first: clamped mic levels,
   * weights, slots.
   */
  #loadWindow(n: number): void {
    const keep = Math.exp(-FRAME_MS / CORRELATION_MEMORY_MS);
    let weight = 1;
    for (let k = n - 1; k >= 0; k--) {
      const ring = (this.#frames - n + k) % WINDOW_FRAMES;
      this.#x[k] = Math.max(ENVELOPE_FLOOR_DBFS, this.#micDb[ring]!);
      this.#base[k] = this.#micSlot[ring]!;
      this.#w[k] = weight;
      weight *= keep;
    }
  }

  /** The reference's reverberant envelope (dB) over every slot the window of `n` can reach. */
  #loadSpan(n: number): Span {
    const first = this.#base[0]! - MAX_LAG - TAIL_FRAMES;
    const length = Math.min(this.#spanDb.length, this.#base[n - 1]! - first + 1);
    let tail = 0;
    for (let i = 0; i < length; i++) {
      const p = this.#reference.powerAt(first + i);
      this.#spanDb[i] = toDb(p + TAIL_WEIGHT * tail);
      tail = (tail + p) * TAIL_FACTOR;
    }
    return { first, length };
  }

  /** The envelope (dB) of the window's frame `k` through delay `lag`: silence outside the span. */
  #envelopeDbAt(span: Span, k: number, lag: number): number {
    const i = this.#base[k]! - lag - span.first;
    return i >= 0 && i < span.length ? this.#spanDb[i]! : SILENCE_DBFS;
  }

  /**
   * Weighted Pearson correlation of the envelopes at every delay (kept in the scratch array), the
   * best of them, and the highest mean of (mic - envelope) over the delays: the echo cannot be
   * louder than that. Undefined if the agent was audible in too few frames at some delay.
   */
  #correlateDelays(n: number, span: Span): Peak | undefined {
    const x = this.#x;
    const w = this.#w;
    let sw = 0;
    let sx = 0;
    let sxx = 0;
    for (let k = 0; k < n; k++) {
      sw += w[k]!;
      sx += w[k]! * x[k]!;
      sxx += w[k]! * x[k]! * x[k]!;
    }
    const meanX = sx / sw;
    const varX = sxx / sw - meanX * meanX;
    let bestLag = 0;
    let bestR = -Infinity;
    let gainBound = -Infinity;
    for (let lag = 0; lag <= MAX_LAG; lag++) {
      let sy = 0;
      let syy = 0;
      let sxy = 0;
      let audible = 0;
      let residual = 0;
      for (let k = 0; k < n; k++) {
        const db = this.#envelopeDbAt(span, k, lag);
        if (db > AUDIBLE_DBFS) {
          audible++;
          residual += x[k]! - db;
        }
        const y = Math.max(ENVELOPE_FLOOR_DBFS, db);
        sy += w[k]! * y;
        syy += w[k]! * y * y;
        sxy += w[k]! * x[k]! * y;
      }
      if (audible < MIN_AUDIBLE_FRAMES) return undefined;
      const meanY = sy / sw;
      const varY = syy / sw - meanY * meanY;
      const r =
        varX > 1e-9 && varY > 1e-9 ? (sxy / sw - meanX * meanY) / Math.sqrt(varX * varY) : 0;
      this.#correlation[lag] = r;
      gainBound = Math.max(gainBound, residual / audible);
      if (r > bestR) {
        bestR = r;
        bestLag = lag;
      }
    }
    return { lag: bestLag, correlation: bestR, gainBound };
  }

  /**
   * A peak strong enough to believe: the model keeps every delay that correlates almost as well,
   * and the gain at the peak's delay, (mic - envelope) over the frames where the agent is audible
   * at its lower quartile.
   */
  #trust(n: number, span: Span, peak: Peak): void {
    let minLag = peak.lag;
    let maxLag = peak.lag;
    for (let lag = 0; lag <= MAX_LAG; lag++) {
      if (this.#correlation[lag]! >= PLAUSIBLE_FRACTION * peak.correlation) {
        minLag = Math.min(minLag, lag);
        maxLag = Math.max(maxLag, lag);
      }
    }
    let count = 0;
    for (let k = 0; k < n; k++) {
      const db = this.#envelopeDbAt(span, k, peak.lag);
      if (db > AUDIBLE_DBFS) this.#residuals[count++] = this.#x[k]! - db;
    }
    const sorted = this.#residuals.subarray(0, count).sort();
    const gainDb = sorted[Math.floor(count * GAIN_QUANTILE)]!; // count >= MIN_AUDIBLE_FRAMES
    this.#model = { minLag, maxLag, gainDb };
    this.#estimate = { delayMs: peak.lag * FRAME_MS, gainDb, correlation: peak.correlation };
  }

  /**
   * No delay yet: keep every delay, but assume a lower gain once the mic is measured to be quieter
   * than that at every delay (faint echo, or a participant with echo cancellation); the person
   * talking must not raise it again at once.
   */
  #lowerUntrustedGain(gainBound: number): void {
    const gainDb = Math.min(UNTRUSTED_GAIN_DB, gainBound, this.#model.gainDb + UNTRUSTED_RISE_DB);
    this.#model = { ...UNTRUSTED, gainDb };
  }
}

/** The slots of the reference envelope loaded for an estimate: `length` from slot `first`. */
interface Span {
  first: number;
  length: number;
}

/** The best delay of an estimate (frames), its correlation, and the bound on the echo's gain. */
interface Peak {
  lag: number;
  correlation: number;
  gainBound: number;
}
