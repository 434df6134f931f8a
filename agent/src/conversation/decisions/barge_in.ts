/**
 * What to do when someone makes a sound while the agent is replying. The voice pauses at the
 * speech onset (so a real interruption is silent at once), and then the utterance decides:
 * - words that are only a backchannel ("mm-hmm", "yeah", "right") or no words at all (a cough,
 *   a door, the agent's own echo, its own words recognised in that echo, or any words made of
 *   an utterance hardly ever louder than that echo could be): release, and the reply plays on
 *   from where it paused. A backchannel heard in interim words releases at once,
 *   while the person is still speaking (a streaming STT gives them within a few hundred ms);
 *   the rest of that utterance still decides, so "yeah... wait" stops the reply after all;
 * - any other words ("wait", "stop", a new question), or speech too long to be a backchannel:
 *   stop, and only what was heard before the pause is remembered.
 * A paused reply whose words never come (the transcription failed) plays on after a timeout.
 */
import { wordsOf } from '../../util/words.js';
import type { Clock } from '../../util/clock.js';
import { realClock } from '../../util/clock.js';

export interface BargeInOptions {
  /** Speech lasting this long stops the agent without waiting for its words (ms). */
  maxBackchannelMs: number;
  /** After a paused utterance ends, how long its words may take before the reply resumes (ms). */
  wordsTimeoutMs: number;
}

/** What barge-in does to the agent's reply (the Conversation). */
export interface Floor {
  /** Silences the reply being played; false if none is playing. */
  pause(by: string): boolean;
  resume(): void;
  /** Ends the reply for good. */
  stop(by: string): void;
}

export type Verdict = 'interruption' | 'backchannel' | 'noise';

/** What the listener knows of an utterance's sound (listener.ts). */
export interface EchoCheck {
  /**
   * Enough of it was louder than the agent's echo could be in that microphone. False: it may be
   * echo alone, and its words (a recogniser makes words of echo) judge like no words at all.
   */
  beyondEcho: boolean;
}

const BEYOND_ECHO: EchoCheck = { beyondEcho: true };

/** Words that acknowledge without taking the floor. */
const BACKCHANNEL = new Set(
  (
    'mm mmm hmm mhm mmhmm uh huh uhhuh uhuh yeah yea yep yes yup right okay ok sure alright all ' +
    'i see got it cool nice great wow oh ah aha true exactly indeed fine good'
  ).split(' '),
);

/** An utterance's words, judged: none (noise), only acknowledgements, or anything else. */
export function classify(text: string): Verdict {
  const words = wordsOf(text);
  if (!words.length) return 'noise';
  return words.every((w) => BACKCHANNEL.has(w)) ? 'backchannel' : 'interruption';
}

interface Pauser {
  /** Speaking right now. */
  speaking: boolean;
  /** Their utterances since the pause whose final words have not come yet. */
  open: number;
  /** Their speech ended; waiting for its words (the timeout). */
  timer: unknown;
  /** What their last final said, when it did not stop the reply. */
  heard?: Verdict;
}

export class BargeIn {
  readonly #opts: BargeInOptions;
  readonly #floor: Floor;
  readonly #clock: Clock;
  readonly #onDecision: (who: string, verdict: Verdict, how: string) => void;
  /** The people whose speech holds the reply paused. */
  readonly #pausers = new Map<string, Pauser>();
  /**
   * Finals still to come from utterances that stopped holding the reply before their words
   * came (released by the timeout, or the reply stopped by someone else): still judged, so a
   * late "mm-hmm" is not a turn and a late "wait" still stops.
   */
  readonly #unjudged = new Map<string, number>();
  /**
   * People whose utterance in progress released the reply on backchannel interim words: it may
   * still go on into an interruption (more words, or speech too long for a backchannel).
   */
  readonly #releasedEarly = new Map<string, number>();

  constructor(
    opts: BargeInOptions,
    floor: Floor,
    onDecision: (who: string, verdict: Verdict, how: string) => void = () => {},
    clock = realClock,
  ) {
    this.#opts = opts;
    this.#floor = floor;
    this.#onDecision = onDecision;
    this.#clock = clock;
  }

  /** True while someone's speech holds the reply paused. */
  get holding(): boolean {
    return this.#pausers.size > 0;
  }

  /** VAD heard `who` start speaking: pause the reply (if one plays) until the words decide. */
  speechStarted(who: string): void {
    const pauser = this.#pausers.get(who);
    if (pauser) {
      this.#cancel(pauser); // they went on: this utterance's words decide too
      pauser.speaking = true;
      pauser.open++;
      return;
    }
    if (this.#pausers.size > 0 || this.#floor.pause(who))
      this.#pausers.set(who, { speaking: true, open: 1, timer: undefined });
  }

  /** `who` has been speaking for `speechMs` without a pause. */
  speechLasting(who: string, speechMs: number): void {
    const watched = this.#pausers.has(who) || this.#releasedEarly.has(who);
    if (watched && speechMs >= this.#opts.maxBackchannelMs)
      this.#stop(who, `speech lasted ${Math.round(speechMs)} ms`);
  }

  /**
   * Words of an utterance not yet final. While the person still speaks they are a guess about
   * the first few hundred ms of audio: a backchannel releases the reply at once, other words
   * only keep (or put) it paused, and the final decides. Once the utterance has ended (words
   * streamed after the commit), other words stop it.
   */
  interim(who: string, text: string, echo = BEYOND_ECHO): void {
    const pauser = this.#pausers.get(who);
    if (!pauser) {
      if (this.#releasedEarly.has(who) && this.#classify(text, echo) === 'interruption')
        this.#pauseAgain(who);
      return;
    }
    const verdict = this.#classify(text, echo);
    if (!pauser.speaking) {
      if (verdict === 'interruption') this.#stop(who, 'interim words');
    } else if (verdict === 'backchannel') {
      // Its final (and those of their earlier utterances since the pause) are judged late.
      this.#addUnjudged(who, pauser.open);
      this.#releasedEarly.set(who, pauser.open);
      this.#release(who, verdict, 'interim words');
    }
  }

  /** "yeah... wait": the utterance that released the reply early holds it paused again. */
  #pauseAgain(who: string): void {
    const open = this.#takeReleasedEarly(who);
    if (this.#pausers.size === 0 && !this.#floor.pause(who)) {
      this.#addUnjudged(who, open);
      return;
    }
    this.#pausers.set(who, { speaking: true, open: Math.max(1, open), timer: undefined });
  }

  /** `who` stopped speaking: their words decide; without words in time, the reply plays on. */
  speechEnded(who: string): void {
    this.#releasedEarly.delete(who);
    const pauser = this.#pausers.get(who);
    if (!pauser) return;
    this.#cancel(pauser);
    pauser.speaking = false;
    // Their words came before their speech ended (an STT that answers at the commit).
    if (pauser.open === 0) return this.#release(who, pauser.heard ?? 'noise', 'final words');
    pauser.timer = this.#clock.setTimeout(() => {
      this.#addUnjudged(who, pauser.open);
      this.#release(who, 'noise', 'no words in time');
    }, this.#opts.wordsTimeoutMs);
  }

  /**
   * The final words of `who`'s utterance. Returns the verdict when that utterance had paused
   * the reply: a backchannel or noise is not a turn (the caller drops its words).
   */
  final(who: string, text: string, echo = BEYOND_ECHO): Verdict | undefined {
    const pauser = this.#pausers.get(who);
    const late = this.#unjudged.get(who) ?? 0;
    if (!pauser && late === 0) return undefined;
    const verdict = this.#classify(text, echo);
    if (late > 0) {
      // Finals come in order: those of utterances that no longer hold the reply come first.
      this.#addUnjudged(who, -1);
      const early = this.#releasedEarly.get(who);
      if (early !== undefined) {
        if (early > 1) this.#releasedEarly.set(who, early - 1);
        else this.#releasedEarly.delete(who);
      }
      if (verdict === 'interruption') this.#stop(who, 'late final words');
      return verdict;
    }
    if (!pauser) return undefined;
    pauser.open = Math.max(0, pauser.open - 1);
    if (verdict !== 'interruption') pauser.heard = verdict;
    if (verdict === 'interruption') this.#stop(who, 'final words');
    // Still speaking, or more of their words to come: those decide too.
    else if (!pauser.speaking && pauser.open === 0) this.#release(who, verdict, 'final words');
    return verdict;
  }

  /** `who` left, or their transcription failed: their speech no longer holds the reply. */
  forget(who: string): void {
    this.#unjudged.delete(who);
    this.#releasedEarly.delete(who);
    if (this.#pausers.has(who)) this.#release(who, 'noise', 'forgotten');
  }

  /** Words the echo evidence says may be echo alone judge like none (person_input.ts judges the agent's own words before). */
  #classify(text: string, echo: EchoCheck): Verdict {
    const verdict = classify(text);
    if (verdict !== 'interruption') return verdict;
    return echo.beyondEcho ? verdict : 'noise';
  }

  #release(who: string, verdict: Verdict, how: string): void {
    const pauser = this.#pausers.get(who);
    if (!pauser) return;
    this.#cancel(pauser);
    this.#pausers.delete(who);
    this.#onDecision(who, verdict, how);
    if (this.#pausers.size === 0) this.#floor.resume();
  }

  #stop(who: string, how: string): void {
    for (const [id, p] of this.#pausers) {
      this.#cancel(p);
      if (id !== who) this.#addUnjudged(id, p.open);
    }
    this.#pausers.clear();
    // Their utterance that released the reply early is now the interruption: its words are a turn.
    this.#takeReleasedEarly(who);
    this.#releasedEarly.clear();
    this.#onDecision(who, 'interruption', how);
    this.#floor.stop(who);
  }

  /** Moves `who`'s early-released utterances back out of the unjudged ones; returns how many. */
  #takeReleasedEarly(who: string): number {
    const n = this.#releasedEarly.get(who) ?? 0;
    this.#releasedEarly.delete(who);
    this.#addUnjudged(who, -n);
    return n;
  }

  #addUnjudged(who: string, n: number): void {
    const left = (this.#unjudged.get(who) ?? 0) + n;
    if (left > 0) this.#unjudged.set(who, left);
    else this.#unjudged.delete(who);
  }

  #cancel(pauser: Pauser): void {
    if (pauser.timer !== undefined) this.#clock.clearTimeout(pauser.timer);
    pauser.timer = undefined;
  }
}
