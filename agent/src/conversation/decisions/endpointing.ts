/**
 * Adaptive endpointing: how long to wait after someone stops speaking before their turn is
 * over, from how finished their transcript sounds. "What time does the museum open?" is over;
 * "I would like to book a table for" is not, whatever the silence after it.
 *
 * Rules, in order (the words are judged by sentence_end.ts, from their parts of speech):
 * 1. The text ends in a comma, dash or ellipsis, or its last word never ends a sentence (an
 *    article, a possessive determiner, a filler such as "um", a conjunction, a subordinator
 *    such as "because"): `incomplete`, the long hold.
 * 2. It ends in "?" or "!": `complete`, the short hold ("What is it for?" is a whole question).
 * 3. Its words cannot end a sentence as they stand (a verb waiting for its object, "is" or
 *    "will" waiting for what follows, a preposition before its object, a possessive before its
 *    noun, a list of numbers without its last): `incomplete`. A period does not save them: STTs
 *    close a segment with one at every pause.
 * 4. It ends in ".": `complete`.
 * 5. Anything else (no punctuation at all: some STT providers never punctuate, and a leading
 *    part of a sentence comes back without it): `unpunctuated`, a quarter of the way from the
 *    short hold to the long one. A weak cue alone: with a reply prepared during the hold, the
 *    extra wait costs little, and an STT that never punctuates does not slow every turn much.
 */

import { judgeWords } from './sentence_end.js';

export type Completeness = 'complete' | 'unpunctuated' | 'incomplete';

export interface EndpointingOptions {
  /** Silence after a complete-sounding transcript before the turn ends (ms). */
  completeHoldMs: number;
  /** Silence after an unfinished-sounding transcript before the turn ends (ms). */
  incompleteHoldMs: number;
}

const CONTINUES = /(,|;|:|-|–|—|\.\.\.|…)$/;

export function completeness(text: string): Completeness {
  const trimmed = text.trim();
  if (!trimmed) return 'complete';
  if (CONTINUES.test(trimmed)) return 'incomplete';
  const words = judgeWords(trimmed).end;
  if (words === 'never') return 'incomplete';
  if (/[?!]["')\]]*$/.test(trimmed)) return 'complete';
  if (words === 'unfinished') return 'incomplete';
  return /\.["')\]]*$/.test(trimmed) ? 'complete' : 'unpunctuated';
}

/** The hold for a transcript: short when it sounds finished, long when it does not. */
export function holdFor(text: string, opts: EndpointingOptions): number {
  return holdOf(completeness(text), opts);
}

/** The hold for a transcript judged `judged` (one judgement: the tagger runs once). */
export function holdOf(judged: Completeness, opts: EndpointingOptions): number {
  switch (judged) {
    case 'complete':
      return opts.completeHoldMs;
    case 'incomplete':
      return opts.incompleteHoldMs;
    case 'unpunctuated':
      return Math.round(opts.completeHoldMs + (opts.incompleteHoldMs - opts.completeHoldMs) / 4);
  }
}
