/**
 * Keeps the agent's own voice, leaking back through a participant's microphone, out of what
 * the agent hears from them: VAD (so it does not interrupt itself) and STT (so its own words
 * do not become the person's turn).
 *
 * Two stages, per participant:
 *
 * 1. The level-envelope {@link EchoGate} (audio/echo.ts) runs on every microphone frame. It
 *    measures the echo path (delay, gain) by correlating levels, and until a path is measured it
 *    decides frame by frame whether VAD hears the frame or silence. STT gets the microphone as
 *    it is. A participant whose device cancels its own echo (every browser by default) never
 *    gets a measured path and stays here: nothing is taken from their voice.
 * 2. Once the gate has measured a path, the participant's microphone has echo to cancel, and
 *    WebRTC's echo canceller (AEC3, from rtc-node's native layer: audio/native_apm.ts) takes
 *    over: it gets, for each microphone frame, the frame the agent played the measured delay
 *    earlier (less {@link CANCELLER_SEARCH_MS}, which it finds itself), and subtracts the echo
 *    from the waveform. VAD and STT both get what it leaves: the person. Except in double
 *    talk: a frame that the gate finds well above the predicted echo, and above any echo within
 *    150 ms of the delays it keeps, and from which the canceller removed little, reaches VAD as
 *    it came in (AEC3's suppressor takes too much of a person talking over the echo).
 *
 * The canceller is not used before a path is measured because, with no echo in the
 * microphone, AEC3 suppresses the person's voice while the agent speaks until its filter has
 * converged (measured: 55-60 dB taken from speech over the first 1.5 s of playout), and
 * because it finds delays only up to about 450 ms by itself (measured: cancelled at 150-450 ms,
 * failed at 550 ms and more), while a room's echo through the SFU can take 700.
 *
 * The gate goes on measuring the path (on the microphone as it arrives) while the canceller
 * runs; the reference follows a new delay once three estimates in a row agree on it.
 */
import { FRAME_MS } from './format.js';
import { rmsDbfs } from './level.js';
import { ECHO_MARGIN_DB, EchoGate, type EchoPathEstimate, type EchoReference } from './echo.js';
import { NativeEchoCanceller } from './native_apm.js';

/**
 * Delay left to the canceller's own search: the reference is fed this much less than the
 * measured delay early. AEC3 finds up to about 450 ms itself, so paths up to 300 ms (the
 * usual, through an SFU) need no help, and a path that drifts either way stays inside.
 */
export const CANCELLER_SEARCH_MS = 300;
/**
 * A new measured delay moves the reference only when it differs by more than this, and only
 * after {@link REALIGN_AFTER} estimates in a row agree on it: a reference moved by one wrong
 * estimate (the person talking can make one) would come after the echo, which no canceller
 * can remove.
 */
const REALIGN_MS = 50;
const REALIGN_AFTER = 3;
/**
 * Drift, in frames, between the far-end reading and the mic clock before the reading restarts
 * from the clock: more than the clock's jitter, less than what AEC3 absorbs itself.
 */
const RESYNC_FRAMES = 8;

/** Frames the reference is read ahead of the slot `estimate`'s delay points at. */
const leadFrames = (estimate: EchoPathEstimate) =>
  Math.max(0, estimate.delayMs - CANCELLER_SEARCH_MS) / FRAME_MS;

/**
 * A converged canceller takes 30-60 dB from echo alone; one that leaves more than this of a
 * frame heard something in it besides the echo.
 */
const DOUBLE_TALK_REMOVED_DB = 20;

/** Echo frames below this say nothing about the canceller (noise floor, tails). */
const AUDIBLE_ECHO_DBFS = -50;
/** Weight of each echo frame in the smoothed removal: about the last 20 such frames count. */
const ERLE_SMOOTHING = 0.05;

/** Frames between two stats reports: one second. */
const STATS_FRAMES = 100;

/** Mean square of a frame, full scale 1. */
function meanSquare(frame: Int16Array): number {
  let sum = 0;
  for (const x of frame) sum += x * x;
  return sum / frame.length / (32768 * 32768);
}

export interface EchoOutput {
  /** What VAD hears. */
  vad: Int16Array;
  /** What STT transcribes. */
  stt: Int16Array;
  /**
   * The loudest the agent's echo could be in this frame, dBFS (-100: none): at the gain the
   * gate measured (or assumes), at any delay it searches.
   */
  echoDb: number;
  /** Level of the microphone frame as it came in, before either stage, dBFS. */
  micDb: number;
}

export interface EchoCancellerStats {
  delayMs: number;
  leadMs: number;
  correlation: number;
  inDb: number;
  outDb: number;
}

export interface EchoCancellerOptions {
  sampleRate: number;
  /** False: the level gate alone, always (no native canceller). Default true. */
  native?: boolean;
  /** Told once, when the canceller takes over (or could not be created). */
  onEngaged?(info: { estimate: EchoPathEstimate; error?: string }): void;
  /**
   * Every second while cancelling: the path the reference is aligned to, and the mean level
   * of the microphone before and after the canceller (for debug logs).
   */
  onStats?(stats: EchoCancellerStats): void;
  /** Makes the native canceller; a test can count or fail it. */
  createNative?: () => NativeEchoCanceller;
}

export class EchoCanceller {
  readonly #reference: EchoReference;
  readonly #gate: EchoGate;
  readonly #opts: EchoCancellerOptions;
  #native: NativeEchoCanceller | undefined;
  /** The canceller could not be made: the gate alone stays in charge. */
  #unavailable = false;
  /** Frames the reference is read ahead of the measured delay's slot, once engaged. */
  #leadFrames = 0;
  /** A different lead the latest estimates agree on, and how many of them. */
  #candidate = { frames: 0, estimates: 0, from: undefined as EchoPathEstimate | undefined };
  /** Frames processed since the canceller took over. */
  #cancelled = 0;
  /**
   * How much the canceller removes from frames the gate finds to be echo alone, dB, smoothed;
   * from 0 when it takes over, so it earns trust from about 20 such frames on.
   */
  #removedDb = 0;
  /** The reference slot the next far-end frame is read from. */
  #cursor: number | undefined;
  /** Mean-square power in and out over the frames since the last stats. */
  #powerIn = 0;
  #powerOut = 0;
  readonly #silence: Int16Array;

  constructor(reference: EchoReference, opts: EchoCancellerOptions) {
    this.#reference = reference;
    this.#gate = new EchoGate(reference);
    this.#opts = opts;
    this.#silence = new Int16Array((opts.sampleRate * FRAME_MS) / 1000);
  }

  /** The echo path the gate measured, if any. */
  get estimate(): EchoPathEstimate | undefined {
    return this.#gate.estimate;
  }

  /** True once the native canceller has taken over. */
  get cancelling(): boolean {
    return this.#native !== undefined;
  }

  /** One 10 ms microphone frame, arrived at `at` (performance.now() ms). */
  process(frame: Int16Array, at: number): EchoOutput {
    const decision = this.#gate.push(frame, at);
    const { worstEchoDb: echoDb, micDb } = decision;
    const estimate = this.#gate.estimate;
    const native = estimate ? this.#engage(estimate) : undefined;
    if (!native || !estimate) {
      return { vad: decision.echo ? this.#silence : frame, stt: frame, echoDb, micDb };
    }
    this.#realign(estimate);
    // The reference is read one frame per microphone frame, as both streams run: the slot the
    // mic's clock gives is only where the reading started, and where it restarts when the two
    // have drifted apart (the clock's restarts after stalls would otherwise skip or repeat
    // frames of the far end, and the canceller re-converged for seconds each time).
    const due = decision.slot - this.#leadFrames;
    if (this.#cursor === undefined || Math.abs(this.#cursor - due) > RESYNC_FRAMES) {
      this.#cursor = due;
    }
    const played = this.#reference.frameAt(this.#cursor++);
    // The native side may write to the far-end frame; the reference keeps its own.
    native.farEnd(played ? played.slice() : this.#silence.slice(), this.#opts.sampleRate);
    const cleaned = frame.slice();
    native.nearEnd(cleaned, this.#opts.sampleRate);
    this.#cancelled++;
    if (this.#opts.onStats) this.#stats(frame, cleaned, estimate);
    // Double talk: AEC3's suppressor takes 5-15 dB from a person talking over the echo, most
    // at their first syllable, and more while its filter re-converges after the path changed
    // (a "wait" came out of it at VAD probability 0.23 through the SFU). A frame both stages
    // find to hold more than echo (the gate: well above the echo predicted, and within
    // 150 ms of the delays it keeps; the canceller: removed less than DOUBLE_TALK_REMOVED_DB of
    // it) reaches VAD as it came in. The gate's prediction alone was not enough: after the delay
    // moved by 100 ms, AEC3 stopped removing the echo for 150 ms while the gate still predicted
    // it at the old delay, and VAD heard 160 ms of raw echo as speech (the unit tests, on an
    // AMD EPYC). STT keeps the cleaned frame: given the raw one too, it took the echo under a
    // person's words for words ("Could you", "I would") and stopped 4 of 20 replies through the
    // SFU; cleaned, none.
    const removedDb = decision.micDb - rmsDbfs(cleaned);
    if (decision.echo && decision.micDb > AUDIBLE_ECHO_DBFS) {
      this.#removedDb += (removedDb - this.#removedDb) * ERLE_SMOOTHING;
    }
    if (this.#removedDb < DOUBLE_TALK_REMOVED_DB) {
      // The canceller is not removing the echo yet (it has just taken over, or the path
      // changed and it is re-converging): the gate decides, on what the canceller leaves.
      return { vad: decision.echo ? this.#silence : cleaned, stt: cleaned, echoDb, micDb };
    }
    const doubleTalk =
      !decision.echo &&
      removedDb < DOUBLE_TALK_REMOVED_DB &&
      micDb > decision.nearEchoDb + ECHO_MARGIN_DB;
    return { vad: doubleTalk ? frame : cleaned, stt: cleaned, echoDb, micDb };
  }

  /** Moves the reference to a new measured delay once estimates agree on it. */
  #realign(estimate: EchoPathEstimate): void {
    const candidate = this.#candidate;
    if (candidate.from === estimate) return; // no new estimate since the last frame
    candidate.from = estimate;
    const lead = leadFrames(estimate);
    if (Math.abs(lead - this.#leadFrames) * FRAME_MS <= REALIGN_MS) {
      candidate.estimates = 0;
      return;
    }
    const agrees = Math.abs(lead - candidate.frames) * FRAME_MS <= REALIGN_MS;
    candidate.estimates = agrees ? candidate.estimates + 1 : 1;
    candidate.frames = agrees ? candidate.frames : lead;
    if (candidate.estimates >= REALIGN_AFTER) {
      this.#leadFrames = lead;
      candidate.estimates = 0;
    }
  }

  #stats(frame: Int16Array, cleaned: Int16Array, estimate: EchoPathEstimate): void {
    this.#powerIn += meanSquare(frame);
    this.#powerOut += meanSquare(cleaned);
    if (this.#cancelled % STATS_FRAMES !== 0) return;
    const db = (p: number) => Math.round(10 * Math.log10(p / STATS_FRAMES + 1e-10) * 10) / 10;
    this.#opts.onStats?.({
      delayMs: estimate.delayMs,
      leadMs: this.#leadFrames * FRAME_MS,
      correlation: Math.round(estimate.correlation * 1000) / 1000,
      inDb: db(this.#powerIn),
      outDb: db(this.#powerOut),
    });
    this.#powerIn = 0;
    this.#powerOut = 0;
  }

  close(): void {
    this.#native?.close();
    this.#native = undefined;
  }

  #engage(estimate: EchoPathEstimate): NativeEchoCanceller | undefined {
    if (this.#native || this.#unavailable || this.#opts.native === false) return this.#native;
    try {
      this.#native = (this.#opts.createNative ?? (() => new NativeEchoCanceller()))();
      this.#leadFrames = leadFrames(estimate);
      this.#candidate.from = estimate;
      this.#opts.onEngaged?.({ estimate });
    } catch (err) {
      this.#unavailable = true;
      this.#opts.onEngaged?.({ estimate, error: err instanceof Error ? err.message : String(err) });
    }
    return this.#native;
  }
}
