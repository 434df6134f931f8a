/**
 * Whether an utterance could be nothing but the agent's own echo, judged by level: it could,
 * unless at least `minFrames` of the frames it sent to STT (its pre-roll and its speech) were
 * louder, as they came in from the microphone, than the agent's echo could be in them. Leaked
 * echo that VAD takes for speech comes back from a recogniser as words that are not the agent's
 * own (the bench's echo scenario: "stop", "Could you"), so the words alone cannot tell; a person
 * talking over the agent is louder than its echo at their own microphone in most voiced frames.
 *
 * The listener tells it about every frame in order; STT gives one final per committed utterance,
 * in commit order, and each final takes the evidence of its utterance.
 */
export class EchoEvidence {
  readonly #prerollFrames: number;
  readonly #minFrames: number;
  /** Whether each frame kept before speech (the listener's pre-roll) was louder, oldest first. */
  readonly #preroll: boolean[] = [];
  /** Louder frames in the utterance being spoken, if one is. */
  #current: number | undefined;
  /** Louder frames in each committed utterance whose final has not come yet, oldest first. */
  readonly #committed: number[] = [];

  constructor(opts: { prerollFrames: number; minFrames: number }) {
    this.#prerollFrames = opts.prerollFrames;
    this.#minFrames = opts.minFrames;
  }

  /** VAD confirmed speech: the pre-roll goes to STT as the utterance's start. */
  started(): void {
    this.#current = this.#preroll.filter(Boolean).length;
    this.#preroll.length = 0;
  }

  /** One frame: `louder` than the echo could be; `inSpeech`: sent to STT as speech. */
  frame(louder: boolean, inSpeech: boolean): void {
    if (inSpeech && this.#current !== undefined) {
      if (louder) this.#current++;
      return;
    }
    this.#preroll.push(louder);
    if (this.#preroll.length > this.#prerollFrames) this.#preroll.shift();
  }

  /** The utterance being spoken was committed to STT; its final is owed. */
  committed(): void {
    this.#committed.push(this.#current ?? 0);
    this.#current = undefined;
  }

  /** For the final just arrived: was its utterance louder than the echo could be? */
  final(): boolean {
    const frames = this.#committed.shift();
    return frames === undefined || frames >= this.#minFrames;
  }

  /** For interim words: those of the oldest utterance still owed a final. */
  interim(): boolean {
    const frames = this.#committed[0] ?? this.#current;
    return frames === undefined || frames >= this.#minFrames;
  }

  /** The STT stream was replaced: the finals owed will not come. */
  reset(): void {
    this.#committed.length = 0;
  }
}
