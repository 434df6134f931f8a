import { AudioFrame } from '@livekit/rtc-node';
import type { AudioSource } from '@livekit/rtc-node';
import {
  FRAME_MS,
  PIPELINE_CHANNELS,
  PIPELINE_SAMPLE_RATE,
  SAMPLES_PER_FRAME,
  samplesToMs,
} from './format.js';

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

/** Speech rate assumed for a segment whose audio is not complete yet (only paces the text). */
const MS_PER_CHAR = 65;
const POLL_MS = 20;
/** Frames remembered for a pause to take back: more than the source's queue ever holds. */
const RECENT_FRAMES = 100;

/** A paused reply: the frames taken back from the source, and how to wake the playout loop. */
interface Paused {
  frames: Int16Array[];
  wake: () => void;
  resumed: Promise<void>;
}

interface Placed {
  text: string;
  /** Word ends as fractions of the segment's duration (by characters). */
  wordEnds: { word: string; at: number }[];
  startSample: number;
  samples: number;
  done: boolean;
  wordsSent: number;
}

/**
 * Plays replies on the agent's AudioSource in 10 ms frames and knows, from the source's own
 * queue, exactly how much has been played: so an abort stops the voice at once (the queue is
 * cleared) and the text that was heard is reported word by word, paced to playout.
 */
/** Told what is played and when it is heard (the echo gate's reference: audio/echo.ts). */
export interface PlayoutMonitor {
  /** A frame handed to the source, heard at `at` (performance.now() time). */
  played(frame: Int16Array, at: number): void;
  /** Frames queued to be heard from `at` on were taken back: they will not be heard then. */
  discardFrom(at: number): void;
}

export class Speaker {
  readonly #source: AudioSource;
  readonly #monitor: PlayoutMonitor | undefined;
  /** Pauses and resumes the reply being played, if any. */
  #playing: { pause(): boolean; resume(): void } | undefined;

  constructor(source: AudioSource, monitor?: PlayoutMonitor) {
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

  async speak(segments: AsyncIterable<SpokenSegment>, opts: SpeakOptions): Promise<SpeechReport> {
    const { signal } = opts;
    const source = this.#source;
    const placed: Placed[] = [];
    let pushed = 0;
    let firstAudioAt: number | undefined;
    let playedAtAbort: number | undefined;
    const frame = new Int16Array(SAMPLES_PER_FRAME);
    let fill = 0;
    /** The last frames handed to the source: what a pause takes back from its queue. */
    const recent: Int16Array[] = [];
    /** While paused: the frames taken back, and how to wake the playout loop. */
    let paused: Paused | undefined;
    let resumeRequested = false;
    /** A frame is being handed to the source: counted in its queue, not yet in `recent`. */
    let inFlight = false;

    const queuedSamples = () => Math.round((source.queuedDuration * PIPELINE_SAMPLE_RATE) / 1000);
    const played = () => Math.max(0, pushed - queuedSamples());
    const sendWords = (upTo: number) => {
      for (const seg of placed) {
        if (seg.done && seg.samples === 0) continue; // its audio failed: nobody heard its words
        const duration = segmentSamples(seg);
        while (seg.wordsSent < seg.wordEnds.length) {
          const { word, at } = seg.wordEnds[seg.wordsSent]!;
          if (seg.startSample + at * duration > upTo) return;
          seg.wordsSent++;
          opts.onWord?.(word);
        }
        if (!seg.done) return;
      }
    };
    /** Takes back what the source has queued but not played; the playout position stays. */
    const monitor = this.#monitor;
    const takeBack = (): Int16Array[] => {
      const queuedFrames = Math.ceil(queuedSamples() / SAMPLES_PER_FRAME) - (inFlight ? 1 : 0);
      const n = Math.max(0, Math.min(recent.length, queuedFrames));
      source.clearQueue();
      monitor?.discardFrom(performance.now());
      pushed -= n * SAMPLES_PER_FRAME;
      return recent.splice(recent.length - n, n);
    };
    const pause = (): boolean => {
      if (signal.aborted || (paused && !resumeRequested)) return false;
      let wake = () => {};
      const resumed = new Promise<void>((resolve) => (wake = resolve));
      // Resumed, but the playout loop has not replayed what the last pause took back yet: those
      // frames stay first in line.
      const held = paused?.frames ?? [];
      paused = { frames: [...held, ...takeBack()], wake, resumed };
      resumeRequested = false;
      return true;
    };
    const resume = () => {
      if (!paused) return;
      resumeRequested = true;
      paused.wake();
    };
    const onAbort = () => paused?.wake();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#playing = { pause, resume };

    const captureOne = async (data: Int16Array) => {
      inFlight = true;
      try {
        await source.captureFrame(
          new AudioFrame(data, PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, SAMPLES_PER_FRAME),
        );
      } finally {
        inFlight = false;
      }
      if (paused && !resumeRequested) {
        // Paused while this frame was being handed over: it may sit in the queue the pause
        // cleared; clear it again and keep the frame for the resume.
        source.clearQueue();
        paused.frames.push(data);
        return;
      }
      pushed += SAMPLES_PER_FRAME;
      // Heard once the frames queued ahead of it have played.
      monitor?.played(data, performance.now() + Math.max(0, source.queuedDuration - FRAME_MS));
      recent.push(data);
      if (recent.length > RECENT_FRAMES) recent.shift();
    };
    /** Waits out a pause, then replays what it took back. False if aborted meanwhile. */
    const whilePaused = async (): Promise<boolean> => {
      for (let p = paused; p && !signal.aborted; p = paused) {
        await p.resumed;
        if (signal.aborted || !resumeRequested) break;
        const replay = p.frames;
        paused = undefined;
        while (replay.length && !signal.aborted) {
          await captureOne(replay.shift()!);
          // Paused again while replaying: the rest waits behind what that pause took back.
          (paused as Paused | undefined)?.frames.push(...replay.splice(0));
        }
      }
      return !signal.aborted;
    };
    const capture = async () => {
      if (!(await whilePaused())) return;
      await captureOne(frame.slice());
      if (firstAudioAt === undefined) {
        firstAudioAt = performance.now();
        opts.onFirstAudio?.();
      }
      fill = 0;
      sendWords(played());
    };

    try {
      for await (const segment of segments) {
        if (signal.aborted) break;
        const seg: Placed = {
          text: segment.text,
          wordEnds: wordEnds(segment.text, placed.length > 0),
          // After the frames a pause holds back, which play first.
          startSample: pushed + (paused?.frames.length ?? 0) * SAMPLES_PER_FRAME,
          samples: 0,
          done: false,
          wordsSent: 0,
        };
        placed.push(seg);
        for await (const chunk of segment.audio) {
          if (signal.aborted) break;
          for (let offset = 0; offset < chunk.length;) {
            const n = Math.min(SAMPLES_PER_FRAME - fill, chunk.length - offset);
            frame.set(chunk.subarray(offset, offset + n), fill);
            fill += n;
            offset += n;
            seg.samples += n;
            if (fill === SAMPLES_PER_FRAME) await capture();
            if (signal.aborted) break;
          }
          if (signal.aborted) break;
        }
        if (signal.aborted) break;
        if (fill > 0) {
          // The segment's last partial frame, padded with silence.
          seg.samples += SAMPLES_PER_FRAME - fill;
          frame.fill(0, fill);
          await capture();
        }
        seg.done = true;
      }
      // Everything is queued; follow the source until it has played it all (or an abort).
      while (!signal.aborted && (paused || source.queuedDuration > 0)) {
        if (paused) await whilePaused();
        else await new Promise((r) => setTimeout(r, POLL_MS));
        sendWords(played());
      }
    } finally {
      this.#playing = undefined;
      signal.removeEventListener('abort', onAbort);
      // What was played is read from the queue before clearing it (cleared, it reads as all).
      if (signal.aborted) {
        playedAtAbort = played();
        source.clearQueue();
        monitor?.discardFrom(performance.now());
      }
    }

    const interrupted = playedAtAbort !== undefined;
    const playedSamples = playedAtAbort ?? pushed;
    if (!interrupted) {
      for (const seg of placed) seg.done = true;
      sendWords(Infinity);
    }
    return {
      playedText: heardText(placed, playedSamples),
      fullText: placed.map((s) => s.text).join(' '),
      playedMs: samplesToMs(playedSamples),
      interrupted,
      firstAudioAt,
    };
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

/** The text of every word whose estimated end lies within the first `samples` played. */
function heardText(placed: Placed[], samples: number): string {
  const words: string[] = [];
  for (const seg of placed) {
    if (seg.done && seg.samples === 0) continue;
    const duration = segmentSamples(seg);
    const within = seg.wordEnds.filter((w) => seg.startSample + w.at * duration <= samples);
    if (within.length)
      words.push(
        within
          .map((w) => w.word)
          .join('')
          .trim(),
      );
    if (within.length < seg.wordEnds.length) break;
  }
  return words.join(' ');
}
