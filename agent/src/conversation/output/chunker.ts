/**
 * Cuts a stream of LLM text deltas into pieces worth sending to TTS: the first piece as soon as
 * a clause exists, or a few words if none comes sooner (so the agent starts speaking early),
 * later pieces by sentence (so the voice keeps its intonation), never longer than `maxChars`.
 *
 * Every word of the first piece is a token the reply waits for before TTS can start: at 20 ms
 * a token, "Yes, there is a small cafe on the ground floor." held the voice 200 ms longer than
 * "Sure." did (measured through the SFU: voice-to-voice 30-200 ms over the fixed latencies, in
 * step with the first sentence's length).
 */
import { completeness } from '../decisions/endpointing.js';

export interface ChunkerOptions {
  /** The first chunk may end at a clause boundary (, ; :) once it has this many characters. */
  firstClauseMinChars: number;
  /**
   * ...or, with no clause or sentence end yet, once this many words are complete: after the
   * last of them a phrase can end on ("The museum opens", not "The museum opens at"); if none
   * can yet, after the next word that can.
   */
  firstWords: number;
  /** ...or at any word boundary once it has this many characters, clause or not. */
  firstMaxChars: number;
  /** Later chunks end at sentence ends; a chunk longer than this ends at the next clause/word. */
  maxChars: number;
}

export const DEFAULT_CHUNKER: ChunkerOptions = {
  firstClauseMinChars: 12,
  firstWords: 4,
  firstMaxChars: 60,
  maxChars: 220,
};

const SENTENCE_END = /[.!?…]["')\]]*\s/g;
const CLAUSE_END = /[,;:—–]\s/g;

/** The chunks a whole text is cut into, as the reply path cuts it when it comes as one delta. */
export function chunksOf(text: string): string[] {
  const chunker = new ClauseChunker();
  return [...chunker.push(text), ...chunker.flush()];
}

export class ClauseChunker {
  readonly #opts: ChunkerOptions;
  #buffer = '';
  #emitted = 0;

  constructor(opts: Partial<ChunkerOptions> = {}) {
    this.#opts = { ...DEFAULT_CHUNKER, ...opts };
  }

  /** Adds a delta; returns the chunks it completes (often none). */
  push(delta: string): string[] {
    this.#buffer += delta;
    const out: string[] = [];
    for (let cut = this.#nextCut(); cut > 0; cut = this.#nextCut()) {
      const chunk = this.#buffer.slice(0, cut).trim();
      this.#buffer = this.#buffer.slice(cut);
      if (chunk) {
        out.push(chunk);
        this.#emitted++;
      }
    }
    return out;
  }

  /** The text left at the end of the reply, if any. */
  flush(): string[] {
    const rest = this.#buffer.trim();
    this.#buffer = '';
    if (!rest) return [];
    this.#emitted++;
    return [rest];
  }

  /** Where the next chunk ends in the buffer (exclusive), or 0 if it is not complete yet. */
  #nextCut(): number {
    const text = this.#buffer;
    const sentence = firstMatchEnd(SENTENCE_END, text, 1);
    if (this.#emitted === 0) {
      const clause = firstMatchEnd(CLAUSE_END, text, this.#opts.firstClauseMinChars);
      const boundary = Math.min(sentence || Infinity, clause || Infinity);
      if (boundary !== Infinity) return boundary;
      const words = completeWordEnds(text);
      const phrase = words.length >= this.#opts.firstWords ? phraseEnd(text, words) : 0;
      if (phrase) return phrase;
      if (text.length >= this.#opts.firstMaxChars) return lastSpaceBefore(text, text.length);
      return 0;
    }
    if (sentence && sentence <= this.#opts.maxChars) return sentence;
    if (text.length < this.#opts.maxChars) return 0;
    const clause = lastMatchEndBefore(CLAUSE_END, text, this.#opts.maxChars);
    return clause || lastSpaceBefore(text, this.#opts.maxChars);
  }
}

/** Where each word followed by white space ends (its space included): the words complete so far. */
function completeWordEnds(text: string): number[] {
  return [...text.matchAll(/\S+\s+/g)].map((m) => m.index + m[0].length);
}

/**
 * The cut after the last of `ends` (two words at least) that leaves a chunk which does not
 * sound unfinished, or 0 if none does yet (the next word may).
 */
function phraseEnd(text: string, ends: readonly number[]): number {
  for (let k = ends.length; k >= 2; k--) {
    const cut = ends[k - 1]!;
    if (completeness(text.slice(0, cut)) !== 'incomplete') return cut;
  }
  return 0;
}

/** End index of the first match ending at or after `minEnd`, or 0. */
function firstMatchEnd(re: RegExp, text: string, minEnd: number): number {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end >= minEnd) return end;
  }
  return 0;
}

function lastMatchEndBefore(re: RegExp, text: string, limit: number): number {
  re.lastIndex = 0;
  let best = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (end > limit) break;
    best = end;
  }
  return best;
}

/** The position after the last space before `limit` (a word boundary), or `limit` if none. */
function lastSpaceBefore(text: string, limit: number): number {
  const space = text.lastIndexOf(' ', limit - 1);
  return space > 0 ? space + 1 : limit;
}
