import type { EchoOutput } from '../audio/echo_canceller.js';
import type { Heard } from './barge_in.js';

/**
 * Whether an utterance could be nothing but the agent's own echo, judged by level: it could,
 * unless at least `minFrames` of the frames it sent to STT (its pre-roll and its speech) were
 * louder, as they came in from the microphone, than the agent's echo could be in them (by
 * `marginDb`). Leaked echo that VAD takes for speech comes back from a recogniser as words that
 * are not the agent's own (the bench's echo scenario: "stop", "Could you"), so the words alone
 * cannot tell; a person talking over the agent is louder than its echo at their own microphone
 * in most voiced frames.
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

  /** VAD confirmed speech: the pre-roll goes to STT as the utterance's start. */
  started(): void {
    const tally: Tally = { louderFrames: 0, loudestOverEchoDb: -Infinity };
    for (const db of this.#preroll) this.#count(tally, db);
    this.#current = tally;
    this.#preroll.length = 0;
  }

  /**
   * One frame: how far its level, as it came in, was above the loudest echo it could hold (dB;
   * -Infinity for a frame too quiet to count, Infinity where no echo can be told);
   * `inSpeech`: sent to STT as speech.
   */
  frame(overEchoDb: number, inSpeech: boolean): void {
    if (inSpeech && this.#current) {
      this.#count(this.#current, overEchoDb);
      return;
    }
    this.#preroll.push(overEchoDb);
    if (this.#preroll.length > this.#opts.prerollFrames) this.#preroll.shift();
  }

  /** The utterance being spoken was committed to STT; its final is owed. */
  committed(): void {
    this.#committed.push(this.#current ?? { louderFrames: 0, loudestOverEchoDb: -Infinity });
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

  /** The STT stream was replaced: the finals owed will not come. */
  reset(): void {
    this.#committed.length = 0;
  }

  #count(tally: Tally, overEchoDb: number): void {
    if (overEchoDb > this.#opts.marginDb) tally.louderFrames++;
    tally.loudestOverEchoDb = Math.max(tally.loudestOverEchoDb, overEchoDb);
  }

  #verdict(tally: Tally | undefined): EchoVerdict {
    // An utterance it knows nothing of (its stream was replaced) is not called echo.
    if (!tally) return { beyondEcho: true };
    const loudest = tally.loudestOverEchoDb;
    return {
      beyondEcho: tally.louderFrames >= this.#opts.minFrames,
      louderFrames: tally.louderFrames,
      // Over no echo at all (the agent silent for 0.8 s) it is the frame's level above -100 dBFS.
      ...(Number.isFinite(loudest) ? { loudestOverEchoDb: Math.round(loudest * 10) / 10 } : {}),
    };
  }
}

/**
 * How far a frame, as it came in, was above the loudest echo it could hold (dB), for
 * {@link EchoEvidence.frame}: Infinity until the echo path is `measured` (the worst echo is then
 * a guess as loud as the agent: no frame says an utterance was echo alone), -Infinity for a frame
 * below `audibleDbfs`.
 */
export function overEchoDb(
  frame: Pick<EchoOutput, 'micDb' | 'echoDb'>,
  opts: { measured: boolean; audibleDbfs: number },
): number {
  if (!opts.measured) return Infinity;
  return frame.micDb >= opts.audibleDbfs ? frame.micDb - frame.echoDb : -Infinity;
}

export interface EchoEvidenceOptions {
  prerollFrames: number;
  minFrames: number;
  marginDb: number;
}

interface Tally {
  louderFrames: number;
  loudestOverEchoDb: number;
}

/** `beyondEcho`: at least `minFrames` of the utterance were louder than the echo could be. */
export interface EchoVerdict extends Heard {
  /** How many were, and by how much the loudest was over the echo (dB), for logs. */
  louderFrames?: number;
  loudestOverEchoDb?: number;
}
