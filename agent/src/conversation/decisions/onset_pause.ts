/**
 * Silences the reply at the first sound of someone's microphone, before VAD can tell whether it
 * is speech. VAD needs 64 ms of speech and calls an unvoiced start ("s-t-op") speech only at its
 * vowel, 100-190 ms after the sound began; pausing on the sound takes that out of the stop.
 *
 * The pause is tentative: if barge-in (VAD speech) claims it within `confirmWithinMs`, barge-in
 * holds the reply from then on as if it had paused it; if not (a cough, a door, a click), the
 * reply plays on from where it paused, a gap of about `confirmWithinMs` in the agent's voice.
 *
 * It sits between BargeIn and the Conversation as the Floor BargeIn pauses, resumes and stops.
 */
import type { Floor } from './barge_in.js';
import type { Clock } from '../../util/clock.js';
import { realClock } from '../../util/clock.js';

export interface OnsetPauseOptions {
  /** How long a pause on a sound waits for VAD to call it speech before the reply plays on. */
  confirmWithinMs: number;
  /** Told when a tentative pause ran out without speech (the reply resumed). */
  onLapsed?(who: string): void;
}

export class OnsetPause implements Floor {
  readonly #floor: Floor;
  readonly #opts: OnsetPauseOptions;
  readonly #clock: Clock;
  /** The pause a sound made, not yet claimed by barge-in. */
  #tentative: { by: string; timer: unknown } | undefined;

  constructor(floor: Floor, opts: OnsetPauseOptions, clock = realClock) {
    this.#floor = floor;
    this.#opts = opts;
    this.#clock = clock;
  }

  /** True while a sound, not yet speech, holds the reply paused. */
  get tentative(): boolean {
    return this.#tentative !== undefined;
  }

  /**
   * A sound began in `who`'s microphone. Pauses the reply if one plays and nothing holds it
   * yet; returns whether it did.
   */
  soundOnset(who: string): boolean {
    if (this.#tentative || !this.#floor.pause(who)) return false;
    const held = { by: who, timer: undefined as unknown };
    held.timer = this.#clock.setTimeout(() => {
      if (this.#tentative !== held) return;
      this.#tentative = undefined;
      this.#floor.resume();
      this.#opts.onLapsed?.(who);
    }, this.#opts.confirmWithinMs);
    this.#tentative = held;
    return true;
  }

  /** Barge-in pauses: a tentative pause becomes its own (the reply is already silent). */
  pause(by: string): boolean {
    if (this.#settle()) return true;
    return this.#floor.pause(by);
  }

  resume(): void {
    this.#settle();
    this.#floor.resume();
  }

  stop(by: string): void {
    this.#settle();
    this.#floor.stop(by);
  }

  /** Ends the tentative pause's wait, if there is one; returns whether there was. */
  #settle(): boolean {
    const held = this.#tentative;
    if (!held) return false;
    this.#clock.clearTimeout(held.timer);
    this.#tentative = undefined;
    return true;
  }
}
