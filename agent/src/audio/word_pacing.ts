import { PIPELINE_SAMPLE_RATE } from './format.js';

/** Speech rate assumed for a segment whose audio is not complete yet (only paces the text). */
const MS_PER_CHAR = 65;

/** One segment of a reply, placed in the reply's audio. */
interface Placed {
  text: string;
  /** Word ends as fractions of the segment's duration (by characters). */
  wordEnds: { word: string; at: number }[];
  /** Where its audio begins in the reply, in samples. */
  startSample: number;
  /** Its audio so far, in samples. */
  samples: number;
  /** Its audio is complete. */
  done: boolean;
  /** How many of its words were released as played. */
  wordsSent: number;
}

/**
 * Which words of a reply have been played, given the playout position in samples. Each segment's
 * words are spread over its audio by characters; while its audio is still coming, its length is
 * estimated from its text. Pure bookkeeping: the caller says where the audio is.
 */
export class WordPacing {
  readonly #placed: Placed[] = [];

  /** A new segment, whose audio starts at `startSample` of the reply. */
  begin(text: string, startSample: number): void {
    this.#placed.push({
      text,
      wordEnds: wordEnds(text, this.#placed.length > 0),
      startSample,
      samples: 0,
      done: false,
      wordsSent: 0,
    });
  }

  /** `samples` more of the current segment's audio. */
  grow(samples: number): void {
    const seg = this.#placed.at(-1);
    if (seg) seg.samples += samples;
  }

  /** The current segment's audio is complete. */
  endSegment(): void {
    const seg = this.#placed.at(-1);
    if (seg) seg.done = true;
  }

  /**
   * The words, not released before, whose ends lie within the first `upTo` samples played, in
   * order (each with its leading space). Stops at the first word not played yet, and at a segment
   * whose audio is still coming. A segment whose audio failed (complete with none) has no words
   * anybody heard.
   */
  release(upTo: number): string[] {
    const out: string[] = [];
    for (const seg of this.#placed) {
      if (seg.done && seg.samples === 0) continue;
      const duration = segmentSamples(seg);
      while (seg.wordsSent < seg.wordEnds.length) {
        const { word, at } = seg.wordEnds[seg.wordsSent]!;
        if (seg.startSample + at * duration > upTo) return out;
        seg.wordsSent++;
        out.push(word);
      }
      if (!seg.done) return out;
    }
    return out;
  }

  /** The reply played out whole: every segment is complete, and its words not yet released are. */
  releaseAll(): string[] {
    for (const seg of this.#placed) seg.done = true;
    return this.release(Infinity);
  }

  /** The text of every word whose end lies within the first `samples` played. */
  heardText(samples: number): string {
    const words: string[] = [];
    for (const seg of this.#placed) {
      if (seg.done && seg.samples === 0) continue;
      const duration = segmentSamples(seg);
      const within = seg.wordEnds.filter((w) => seg.startSample + w.at * duration <= samples);
      if (within.length) {
        words.push(
          within
            .map((w) => w.word)
            .join('')
            .trim(),
        );
      }
      if (within.length < seg.wordEnds.length) break;
    }
    return words.join(' ');
  }

  /** Every segment's text, begun or played, joined by spaces. */
  get fullText(): string {
    return this.#placed.map((s) => s.text).join(' ');
  }
}

/**
 * Each word and where it ends, 0..1 by characters. Words carry their leading space, except the
 * first of the first segment (`continues` false), so the words of a whole reply concatenate.
 */
export function wordEnds(text: string, continues = false): { word: string; at: number }[] {
  const out: { word: string; at: number }[] = [];
  const re = /\s*\S+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].length;
    const word = out.length > 0 ? m[0] : (continues ? ' ' : '') + m[0].trimStart();
    out.push({ word, at: end / text.length });
  }
  return out;
}

/** A segment's length in samples: exact once its audio is complete, else estimated from its text. */
function segmentSamples(seg: Placed): number {
  if (seg.done) return Math.max(seg.samples, 1);
  return Math.max(seg.samples, (seg.text.length * MS_PER_CHAR * PIPELINE_SAMPLE_RATE) / 1000);
}
