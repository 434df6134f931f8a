/**
 * The words the agent has just said, as they were played: to tell its own voice, recognised
 * in the microphone of someone whose device does not cancel echo, from their words. An echo
 * canceller leaves the echo in for a second or two after the echo path changes (AEC3 took
 * 1.5-2 s to find a delay that moved by 100 ms), and the recogniser then returns the agent's
 * own words ("tell me", "what is the"): as an interruption they stopped the reply, and as a
 * turn they got a reply of their own.
 */

import { wordsOf } from '../../util/words.js';

/** Words played longer ago than this (plus the echo's delay) cannot be in the microphone now. */
const ECHO_WINDOW_MS = 4_000;

export class SpokenWords {
  readonly #words: { word: string; at: number }[] = [];

  /** One word of the agent's, heard at `at` (performance.now() ms). */
  played(word: string, at: number): void {
    for (const w of wordsOf(word)) this.#words.push({ word: w, at });
    while (this.#words.length > 0 && this.#words[0]!.at < at - ECHO_WINDOW_MS) this.#words.shift();
  }

  /**
   * Whether `text`, heard at `now`, could be nothing but the agent's own recent words: it has
   * words, and every one of them was said by the agent within the window.
   */
  echoes(text: string, now: number): boolean {
    const recent = new Set(
      this.#words.filter((w) => w.at >= now - ECHO_WINDOW_MS).map((w) => w.word),
    );
    const words = wordsOf(text);
    return words.length > 0 && words.every((w) => recent.has(w));
  }
}
