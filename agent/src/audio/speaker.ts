import { samplesToMs } from './format.js';
import { Framer } from './framer.js';
import { Playout } from './playout.js';
import type { PlayoutMonitor, PlayoutSource } from './playout.js';
import { WordPacing } from './word_pacing.js';

/** One piece of a reply: its text and the stream of its speech (pipeline format). */
export interface SpokenSegment {
  text: string;
  audio: AsyncIterable<Int16Array>;
}

export interface SpeechReport {
  /** The words that were played out completely (what the listeners heard). */
  playedText: string;
  /** Every segment's text that was started. */
  fullText: string;
  playedMs: number;
  interrupted: boolean;
  /** performance.now() when the first frame was handed to the source; undefined if none was. */
  firstAudioAt: number | undefined;
}

export interface SpeakOptions {
  signal: AbortSignal;
  /** Called once, when the first frame of the reply is handed to the source. */
  onFirstAudio?: () => void;
  /** Called with each word (with its leading space) as its audio finishes playing. */
  onWord?: (word: string) => void;
}

/**
 * Plays replies on the agent's AudioSource in 10 ms frames and knows, from the source's own
 * queue, exactly how much has been played: so an abort stops the voice at once (the queue is
 * cleared) and the text that was heard is reported word by word, paced to playout.
 */
export class Speaker {
  readonly #source: PlayoutSource;
  readonly #monitor: PlayoutMonitor | undefined;
  /** Pauses and resumes the reply being played, if any. */
  #playing: { pause(): boolean; resume(): void } | undefined;

  constructor(source: PlayoutSource, monitor?: PlayoutMonitor) {
    this.#source = source;
    this.#monitor = monitor;
  }

  /**
   * Silences the voice at once (the queued audio is taken back, not lost) and holds playout
   * until resume(). Returns false when nothing is playing or it is already paused.
   */
  pause(): boolean {
    return this.#playing?.pause() ?? false;
  }

  /** Plays on from where pause() stopped the voice. */
  resume(): void {
    this.#playing?.resume();
  }

  /**
   * Plays a reply's segments one after another, each cut into frames (its last padded with
   * silence), and waits until all of it has played, or until `signal` aborts (the voice stops at
   * once). Words go to `onWord` as their audio finishes playing.
   */
  async speak(segments: AsyncIterable<SpokenSegment>, opts: SpeakOptions): Promise<SpeechReport> {
    const { signal } = opts;
    const playout = new Playout(this.#source, this.#monitor, signal);
    const words = new WordPacing();
    const framer = new Framer();
    let firstAudioAt: number | undefined;
    let playedAtAbort: number | undefined;

    const sendWords = (upTo: number) => {
      for (const word of words.release(upTo)) opts.onWord?.(word);
    };
    /** Hands the framer's whole frame to the source, after any pause. */
    const capture = async () => {
      if (!(await playout.waitOutPause())) return;
      await playout.capture(framer.take());
      if (firstAudioAt === undefined) {
        firstAudioAt = performance.now();
        opts.onFirstAudio?.();
      }
      sendWords(playout.played());
    };
    const onAbort = () => playout.wake();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#playing = playout;

    try {
      for await (const segment of segments) {
        if (signal.aborted) break;
        // After the frames a pause holds back, which play first.
        words.begin(segment.text, playout.nextSample);
        await frameAudio(segment.audio, { framer, words, capture, signal });
        if (signal.aborted) break;
        if (framer.partial) {
          // The segment's last partial frame, padded with silence.
          words.grow(framer.pad());
          await capture();
        }
        words.endSegment();
      }
      await playout.drain(() => sendWords(playout.played()));
    } finally {
      this.#playing = undefined;
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) playedAtAbort = playout.stop();
    }

    const interrupted = playedAtAbort !== undefined;
    const playedSamples = playedAtAbort ?? playout.pushed;
    if (!interrupted) {
      for (const word of words.releaseAll()) opts.onWord?.(word);
    }
    return {
      playedText: words.heardText(playedSamples),
      fullText: words.fullText,
      playedMs: samplesToMs(playedSamples),
      interrupted,
      firstAudioAt,
    };
  }
}

/**
 * Feeds one segment's audio through `framer`, counting it in `words`, and captures each whole
 * frame as it fills. Stops early when `signal` aborts.
 */
async function frameAudio(
  audio: AsyncIterable<Int16Array>,
  to: { framer: Framer; words: WordPacing; capture: () => Promise<void>; signal: AbortSignal },
): Promise<void> {
  const { framer, words, capture, signal } = to;
  for await (const chunk of audio) {
    if (signal.aborted) return;
    for (let offset = 0; offset < chunk.length;) {
      const n = framer.put(chunk, offset);
      offset += n;
      words.grow(n);
      if (framer.full) await capture();
      if (signal.aborted) return;
    }
  }
}
