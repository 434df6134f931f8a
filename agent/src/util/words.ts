/**
 * The words of a text, one way for the whole agent: endpointing judges a transcript by its last
 * word, the echo check compares a microphone's words with the agent's own, barge-in looks for
 * backchannels, and the reply policy looks for names.
 *
 * Rules, in order:
 * 1. Typographic apostrophes (‘ ’ ‛ ʼ and the backtick) become a plain "'".
 * 2. The text is lower-cased and composed (NFC): "É" typed as one character or as "E" and an
 *    accent is the same word.
 * 3. A word is a run of letters, combining marks and digits, in any script ("café", "привет",
 *    "नमस्ते", "42"). An apostrophe between two such runs stays in the word ("don't", "it's",
 *    "y'all"); any other character, an apostrophe at a word's edge included ('quoted', goin'),
 *    separates words, so "4,000" and "3.5" are two words each, as a recogniser's digits should be
 *    compared.
 *
 * A regular expression rather than `Intl.Segmenter`: the segmenter keeps "3.5", "4,000" and
 * "end.Next" as one word each, which changes what a transcript's last word is, and its results
 * follow the ICU data of the Node build. One limit: a script written without spaces (Chinese,
 * Japanese, Thai) comes back as one word per run of text between punctuation.
 */

const APOSTROPHES = /[\u2018\u2019\u201B\u02BC`]/g;
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:'[\p{L}\p{N}][\p{L}\p{M}\p{N}]*)*/gu;

/** The words of `text`, lower case, in order; none for a text without letters or digits. */
export function wordsOf(text: string): string[] {
  return text.replace(APOSTROPHES, "'").toLowerCase().normalize('NFC').match(WORD) ?? [];
}
