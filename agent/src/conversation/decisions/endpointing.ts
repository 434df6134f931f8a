/**
 * Adaptive endpointing: how long to wait after someone stops speaking before their turn is
 * over, from how finished their transcript sounds. "What time does the museum open?" is over;
 * "I would like to book a table for" is not, whatever the silence after it.
 *
 * Rules, in order:
 * 1. The text ends in a comma, dash or ellipsis, or on an article, determiner or filler ("um"):
 *    `incomplete`, the long hold.
 * 2. It ends in "?" or "!": `complete`, the short hold ("What is it for?" is a whole question).
 * 3. Its last word is a conjunction, preposition, or a subject or auxiliary waiting for its
 *    verb: `incomplete`.
 * 4. It ends in ".": `complete`.
 * 5. Anything else (no punctuation at all: some STT providers never punctuate, and a leading
 *    part of a sentence comes back without it): `unpunctuated`, a quarter of the way from the
 *    short hold to the long one. A weak cue alone: with a reply prepared during the hold, the
 *    extra wait costs little, and an STT that never punctuates does not slow every turn much.
 */

import { wordsOf } from '../../util/words.js';

export type Completeness = 'complete' | 'unpunctuated' | 'incomplete';

export interface EndpointingOptions {
  /** Silence after a complete-sounding transcript before the turn ends (ms). */
  completeHoldMs: number;
  /** Silence after an unfinished-sounding transcript before the turn ends (ms). */
  incompleteHoldMs: number;
}

const wordSet = (...lists: string[]) => new Set(lists.join(' ').split(' '));

/** Words no sentence ends on, whatever the punctuation says: articles, determiners, fillers. */
const NEVER_FINAL = wordSet(
  'a an the my your our their his her its this these those every another such',
  'um uh er erm hmm mm ah eh',
);

/**
 * Words a statement does not end on (a question may: "what is it for?"): conjunctions,
 * prepositions, and subjects or auxiliaries waiting for their verb.
 */
const RARELY_FINAL = wordSet(
  'and or but so because if then that which when while although though unless until whether',
  'where who whose than nor well',
  'for to of in on at with from by about into onto over under between after before during',
  'without through towards toward near across against around behind beside via per some any',
  "i we i'm we're it's there's is are was were am be will would can could should shall might",
  "must do does did have has had don't can't won't want need let's like",
);

const CONTINUES = /(,|;|:|-|–|—|\.\.\.|…)$/;

export function completeness(text: string): Completeness {
  const trimmed = text.trim();
  if (!trimmed) return 'complete';
  if (CONTINUES.test(trimmed)) return 'incomplete';
  const last = wordsOf(trimmed).at(-1);
  if (last && NEVER_FINAL.has(last)) return 'incomplete';
  if (/[?!]["')\]]*$/.test(trimmed)) return 'complete';
  if (last && RARELY_FINAL.has(last)) return 'incomplete';
  return /\.["')\]]*$/.test(trimmed) ? 'complete' : 'unpunctuated';
}

/** The hold for a transcript: short when it sounds finished, long when it does not. */
export function holdFor(text: string, opts: EndpointingOptions): number {
  switch (completeness(text)) {
    case 'complete':
      return opts.completeHoldMs;
    case 'incomplete':
      return opts.incompleteHoldMs;
    case 'unpunctuated':
      return Math.round(opts.completeHoldMs + (opts.incompleteHoldMs - opts.completeHoldMs) / 4);
  }
}
