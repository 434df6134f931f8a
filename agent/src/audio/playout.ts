import { AudioFrame } from '@livekit/rtc-node';
import type { AudioSource } from '@livekit/rtc-node';
import { FRAME_MS, PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from './format.js';
import { PlayoutLedger } from './playout_ledger.js';
import { PlayoutPause } from './playout_pause.js';

/** How often playout is checked once everything is queued. */
const POLL_MS = 20;

/** Told what is played and when it is heard (the echo gate's reference: audio/echo.ts). */
export interface PlayoutMonitor {
  /** A frame handed to the source, heard at `at` (performance.now() time). */
  played(frame: Int16Array, at: number): void;
  /** Frames queued to be heard from `at` on were taken back: they will not be heard then. */
  discardFrom(at: number): void;
}

/** What playout needs of the agent's AudioSource. */
export type PlayoutSource = Pick<AudioSource, 'captureFrame' | 'clearQueue' | 'queuedDuration'>;

/**
 * One reply's frames on the agent's AudioSource: hands them over one at a time, reads the playout
 * position from the source's queue, and pauses by taking back what is queued (to play it first
 * on resume). The bookkeeping lives in {@link PlayoutLedger} and {@link PlayoutPause}; this class
 * does the source's I/O around them.
 */
export class Playout {
  readonly #source: PlayoutSource;
  readonly #monitor: PlayoutMonitor | undefined;
  readonly #signal: AbortSignal;
  readonly #ledger = new PlayoutLedger();
  readonly #pause = new PlayoutPause();
  /** A frame is being handed to the source: counted in its queue, not yet in the ledger. */
  #inFlight = false;

  constructor(source: PlayoutSource, monitor: PlayoutMonitor | undefined, signal: AbortSignal) {
    this.#source = source;
    this.#monitor = monitor;
    this.#signal = signal;
  }

  /** Samples handed to the source and not taken back. */
  get pushed(): number {
    return this.#ledger.pushed;
  }

  /** Where the next new frame will play, in samples: after the frames a pause holds back. */
  get nextSample(): number {
    return this.#ledger.pushed + this.#pause.heldFrames * SAMPLES_PER_FRAME;
  }

  /** Samples played so far. */
  played(): number {
    return this.#ledger.played(this.#queuedSamples());
  }

  /**
   * Silences the voice at once (the queued audio is taken back, not lost) and holds playout
   * until resume(). False once aborted, or when already paused.
   */
  pause(): boolean {
    if (this.#signal.aborted) return false;
    return this.#pause.pause(() => this.#takeBack());
  }

  /** Plays on from where pause() stopped the voice. */
  resume(): void {
    this.#pause.resume();
  }

  /** Wakes a paused playout so it sees the abort. */
  wake(): void {
    this.#pause.wake();
  }

  /** Hands one frame to the source; paused meanwhile, keeps it for the resume instead. */
  async capture(frame: Int16Array): Promise<void> {
    this.#inFlight = true;
    try {
      await this.#source.captureFrame(
        new AudioFrame(frame, PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, SAMPLES_PER_FRAME),
      );
    } finally {
      this.#inFlight = false;
    }
    if (this.#pause.holding) {
      // Paused while this frame was being handed over: it may sit in the queue the pause
      // cleared; clear it again and keep the frame for the resume.
      this.#source.clearQueue();
      this.#pause.keep([frame]);
      return;
    }
    this.#ledger.handed(frame);
    // Heard once the frames queued ahead of it have played.
    this.#monitor?.played(
      frame,
      performance.now() + Math.max(0, this.#source.queuedDuration - FRAME_MS),
    );
  }

  /** Waits out a pause, then replays what it took back. False if aborted meanwhile. */
  async waitOutPause(): Promise<boolean> {
    while (this.#pause.pending && !this.#signal.aborted) {
      const replay = await this.#pause.resumed(this.#signal);
      if (!replay) break;
      while (replay.length && !this.#signal.aborted) {
        await this.capture(replay.shift()!);
        // Paused again while replaying: the rest waits behind what that pause took back.
        if (this.#pause.pending) this.#pause.keep(replay.splice(0));
      }
    }
    return !this.#signal.aborted;
  }

  /**
   * Everything is queued: follows the source until it has played it all, pauses included (or
   * until an abort), calling `progress` after each step.
   */
  async drain(progress: () => void): Promise<void> {
    while (!this.#signal.aborted && (this.#pause.pending || this.#source.queuedDuration > 0)) {
      if (this.#pause.pending) await this.waitOutPause();
      else await new Promise((r) => setTimeout(r, POLL_MS));
      progress();
    }
  }

  /** Stops the voice for good: the samples played (read before the queue is cleared). */
  stop(): number {
    // Cleared, the queue reads as all played.
    const played = this.played();
    this.#source.clearQueue();
    this.#monitor?.discardFrom(performance.now());
    return played;
  }

  /** Samples queued in the source, not played yet. */
  #queuedSamples(): number {
    return Math.round((this.#source.queuedDuration * PIPELINE_SAMPLE_RATE) / 1000);
  }

  /** Takes back what the source has queued but not played; the playout position stays. */
  #takeBack(): Int16Array[] {
    const frames = this.#ledger.takeBack(this.#queuedSamples(), this.#inFlight);
    this.#source.clearQueue();
    this.#monitor?.discardFrom(performance.now());
    return frames;
  }
}
