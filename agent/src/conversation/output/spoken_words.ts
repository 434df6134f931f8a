/**
 * The words the agent has just said, as they were played: to tell its own voice, recognised
 * in the microphone of someone whose device does not cancel echo, from their words. An echo
 * canceller leaves the echo in for a second or two after the echo path changes (AEC3 took
 * 1.5-2 s to find a delay that moved by 100 ms), or never engages (an echo as loud as the
 * person), and the recogniser then returns the agent's own words ("tell me", "what is the"):
 * as an interruption they stopped the reply, and as a turn they got a reply of their own
 * (input/echo_judge.ts decides with them).
 */

import { wordsOf } from '../../util/words.js';

/**
 * Words played longer ago than this are forgotten: an utterance's final can come a few seconds
 * after it began (a long utterance, a slow STT), and its words are looked up over its span.
 */
const KEEP_MS = 15_000;

interface Said {
  word: string;
  /** From when it may be heard (ms). */
  at: number;
  /** Until when; undefined while its segment is still being said. */
  until: number | undefined;
}

export class SpokenWords {
  readonly #words: Said[] = [];

  /** One word of the agent's, heard at `at` (performance.now() ms). */
  played(word: string, at: number): void {
    for (const w of wordsOf(word)) this.#words.push({ word: w, at, until: at });
    this.#forget(at);
  }

  /**
   * A segment of the agent's starts playing at `at`: its words may be heard from now until
   * doneSaying() (a word cut off by a pause was partly heard, and never counts as played).
   */
  saying(text: string, at: number): void {
    for (const w of wordsOf(text)) this.#words.push({ word: w, at, until: undefined });
    this.#forget(at);
  }

  /** The reply's playout is over at `at`: the words being said were said by then. */
  doneSaying(at: number): void {
    for (const w of this.#words) w.until ??= at;
  }

  /**
   * Whether `text` could be nothing but the agent's own words heard in [fromAt, toAt]: it has
   * words, and every one of them was played, or being said, then.
   */
  saidBetween(text: string, fromAt: number, toAt: number): boolean {
    const said = new Set(
      this.#words
        .filter((w) => w.at <= toAt && (w.until === undefined || w.until >= fromAt))
        .map((w) => w.word),
    );
    const words = wordsOf(text);
    return words.length > 0 && words.every((w) => said.has(w));
  }

  /** Whether any word of the agent's was played, or being said, in [fromAt, toAt]. */
  spokeBetween(fromAt: number, toAt: number): boolean {
    return this.#words.some((w) => w.at <= toAt && (w.until === undefined || w.until >= fromAt));
  }

  #forget(now: number): void {
    const w = this.#words;
    while (w.length > 0 && w[0]!.until !== undefined && w[0]!.until < now - KEEP_MS) w.shift();
  }
}
