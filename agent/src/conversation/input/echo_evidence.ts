import type { EchoPathEstimate } from '../../audio/echo.js';
import type { EchoOutput } from '../../audio/echo_canceller.js';
import type { EchoCheck } from '../decisions/barge_in.js';

/**
 * Whether an utterance could be nothing but the agent's own echo, judged by level: it could,
 * unless at least `minFrames` of the frames it sent to STT (its pre-roll and its speech) were
 * louder, as they came in from the microphone, than the agent's echo could be in them (by
 * `marginDb`). Leaked echo that VAD takes for speech comes back from a recogniser as words that
 * are not the agent's own (the bench's echo scenario: "stop", "Could you"), so the words alone
 * cannot tell; a person talking over the agent is louder than its echo at their own microphone
 * in most voiced frames.
 *
 * It also keeps when each utterance was spoken (its span), for the words test of echo_judge.ts,
 * and whether the level proved it was a person: enough frames louder than a measured echo path.
 *
 * The listener tells it about every frame in order; STT gives one final per committed utterance,
 * in commit order, and each final takes the evidence of its utterance. (An STT stream that drops
 * utterances without their finals, such as Deepgram's `clear()`, would need a reset; the listener
 * never calls one.)
 */
export class EchoEvidence {
  readonly #opts: EchoEvidenceOptions;
  /** The frames kept before speech (the listener's pre-roll), oldest first: dB over the echo. */
  readonly #preroll: number[] = [];
  /** The utterance being spoken, if one is. */
  #current: Tally | undefined;
  /** Committed utterances whose final has not come yet, oldest first. */
  readonly #committed: Tally[] = [];

  constructor(opts: EchoEvidenceOptions) {
    this.#opts = opts;
  }

  /** VAD confirmed speech at `at` (ms): the pre-roll goes to STT as the utterance's start. */
  started(at: number): void {
    const tally = newTally(at);
    for (const db of this.#preroll) this.#count(tally, db);
    this.#current = tally;
    this.#preroll.length = 0;
  }

  /**
   * One frame: how far its level, as it came in, was above the loudest echo it could hold (dB;
   * -Infinity for a frame too quiet to count, Infinity where no echo can be told);
   * `inSpeech`: sent to STT as speech; `echoPath`: an echo path is measured in this microphone.
   */
  frame(overEchoDb: number, inSpeech: boolean, echoPath = false): void {
    if (inSpeech && this.#current) {
      this.#count(this.#current, overEchoDb);
      this.#current.echoPath ||= echoPath;
      return;
    }
    this.#preroll.push(overEchoDb);
    if (this.#preroll.length > this.#opts.prerollFrames) this.#preroll.shift();
  }

  /** The utterance being spoken was committed to STT at `at` (ms); its final is owed. */
  committed(at: number): void {
    const tally = this.#current ?? newTally(at);
    tally.endAt = at;
    this.#committed.push(tally);
    this.#current = undefined;
  }

  /** For the final just arrived: was its utterance louder than the echo could be? */
  final(): EchoVerdict {
    return this.#verdict(this.#committed.shift());
  }

  /** For interim words: those of the oldest utterance still owed a final. */
  interim(): EchoVerdict {
    return this.#verdict(this.#committed[0] ?? this.#current);
  }

  /** For the utterance being spoken (its duration decides: barge_in.ts speechLasting). */
  current(): EchoVerdict {
    return this.#verdict(this.#current);
  }

  /** The STT stream was replaced: the finals owed will not come. */
  reset(): void {
    this.#committed.length = 0;
  }

  #count(tally: Tally, overEchoDb: number): void {
    if (overEchoDb > this.#opts.marginDb) tally.louderFrames++;
    // Infinity: the level could not tell (the echo path unmeasured, or too loud); no proof.
    if (overEchoDb > this.#opts.proofMarginDb && overEchoDb !== Infinity) tally.provenFrames++;
    tally.loudestOverEchoDb = Math.max(tally.loudestOverEchoDb, overEchoDb);
  }

  #verdict(tally: Tally | undefined): EchoVerdict {
    // An utterance it knows nothing of (its stream was replaced) is not called echo.
    if (!tally) return { beyondEcho: true };
    const loudest = tally.loudestOverEchoDb;
    const { minFrames } = this.#opts;
    return {
      beyondEcho: tally.louderFrames >= minFrames,
      provenPerson: tally.provenFrames >= minFrames,
      span: { fromAt: tally.startAt, ...(tally.endAt === undefined ? {} : { toAt: tally.endAt }) },
      echoPath: tally.echoPath,
      louderFrames: tally.louderFrames,
      // Over no echo at all (the agent silent for 0.8 s) it is the frame's level above -100 dBFS.
      ...(Number.isFinite(loudest) ? { loudestOverEchoDb: Math.round(loudest * 10) / 10 } : {}),
    };
  }
}

/**
 * The loudest echo path (the gate's measured gain, dB) for which the level can tell a person from
 * the echo. The bound is the loudest the echo could be at any delay over 0.8 s, so a louder echo
 * leaves a person's voice under it: in the unit tests' simulated room, echo at -10 dB measured
 * -12.1 to -12.8 dB and the person's first 300 ms had 7-9 frames over the bound, at -9 dB -11.1
 * to -11.8 and 3-6 frames, at -7 dB 0-1, at -3 dB none at all. Through the SFU, the bench's
 * -10 dB echo measured -15.7 to -16.7 dB.
 */
export const EVIDENCE_MAX_ECHO_GAIN_DB = -12;

/**
 * Whether the level can tell a person from the echo in a microphone with this echo path: it is
 * measured (before that the worst echo is a guess as loud as the agent), and quiet enough.
 */
export function evidenceApplies(estimate: EchoPathEstimate | undefined): boolean {
  return estimate !== undefined && estimate.gainDb <= EVIDENCE_MAX_ECHO_GAIN_DB;
}

/**
 * How far a frame, as it came in, was above the loudest echo it could hold (dB), for
 * {@link EchoEvidence.frame}: Infinity where the level cannot tell (`applies` false: no frame then
 * says an utterance was echo alone), -Infinity for a frame below `audibleDbfs`.
 */
export function overEchoDb(
  frame: Pick<EchoOutput, 'micDb' | 'echoDb'>,
  opts: { applies: boolean; audibleDbfs: number },
): number {
  if (!opts.applies) return Infinity;
  return frame.micDb >= opts.audibleDbfs ? frame.micDb - frame.echoDb : -Infinity;
}

export interface EchoEvidenceOptions {
  prerollFrames: number;
  minFrames: number;
  marginDb: number;
  /**
   * A frame proves a person (EchoVerdict.provenPerson) only this far over the echo bound (dB):
   * clearly above it. Just over `marginDb` is not proof: an echo path estimate goes stale when
   * the echo gets louder (-10 dB, then -3 dB: the agent's words heard back 12 dB "over" it).
   */
  proofMarginDb: number;
}

interface Tally {
  louderFrames: number;
  /** Louder frames whose echo level was measured (not Infinity). */
  provenFrames: number;
  loudestOverEchoDb: number;
  /** An echo path was measured in the microphone while it was spoken. */
  echoPath: boolean;
  startAt: number;
  endAt?: number;
}

const newTally = (startAt: number): Tally => ({
  louderFrames: 0,
  provenFrames: 0,
  loudestOverEchoDb: -Infinity,
  echoPath: false,
  startAt,
});

/** When an utterance was spoken (performance.now() ms): from VAD's start to its commit. */
export interface UtteranceSpan {
  fromAt: number;
  /** Undefined while it is still being spoken. */
  toAt?: number;
}

/** `beyondEcho`: at least `minFrames` of the utterance were louder than the echo could be. */
export interface EchoVerdict extends EchoCheck {
  /**
   * At least `minFrames` were louder than a measured echo path could be: a person spoke, even
   * if their words are the agent's own. Undefined where there is no evidence at all.
   */
  provenPerson?: boolean;
  /** When the utterance was spoken; undefined where there is no evidence. */
  span?: UtteranceSpan;
  /**
   * An echo path was measured in the microphone while it was spoken (the agent's voice comes
   * back in it): its words may be the agent's earlier ones (echo_judge.ts rule 4).
   */
  echoPath?: boolean;
  /** How many were, and by how much the loudest was over the echo (dB), for logs. */
  louderFrames?: number;
  loudestOverEchoDb?: number;
}
