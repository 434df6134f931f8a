import { AudioFrame } from '@livekit/rtc-node';
import type { AudioSource } from '@livekit/rtc-node';
import { FRAME_MS } from './format.js';
import type { PlayoutSource } from './playout.js';

/** How often a pacer wakes while it has frames: two 10 ms frames, one Opus packet. */
const TICK_MS = 20;

/**
 * Silence handed over after the voice stops (it played out, or a barge-in cleared it). Cut off
 * mid-word with no more packets, a listener's jitter buffer conceals the loss by stretching the
 * last sound: measured 180-215 ms more of it, which a person hears as the agent not stopping
 * (and an echo canceller sees as sound the agent never sent). 30 ms of silence ended it.
 */
const SILENCE_TAIL_FRAMES = 6;

/** What the pacer needs of a native AudioSource made without a queue (queueSizeMs 0). */
export type DirectSource = Pick<AudioSource, 'captureFrame'>;

/**
 * The agent's voice paced in JavaScript, so that silence costs nothing.
 *
 * rtc-node's AudioSource with a queue hands WebRTC a 10 ms frame every 10 ms from its own
 * thread, silence when nothing is queued: the Opus encoder of every room runs all the time,
 * speaking or not (measured: half of what an idle room cost). Made without a queue, the native
 * source passes each frame straight to the encoder; this class holds the queue instead and hands
 * frames over at the pace they play, and hands over nothing while there is nothing to play.
 *
 * It keeps the queued source's contract that Playout relies on: captureFrame() resolves once
 * the queue is within `queueMs`, `queuedDuration` is what is left to play, and clearQueue()
 * takes back everything not yet handed over (at most one tick of audio has been). After the
 * voice stops it hands over a short silence (SILENCE_TAIL_FRAMES), then nothing.
 */
export class PacedSource implements PlayoutSource {
  readonly #out: DirectSource;
  readonly #queueMs: number;
  readonly #queue: AudioFrame[] = [];
  /** Callers of captureFrame() waiting for room in the queue. */
  #waiting: (() => void)[] = [];
  /** performance.now() at which the current run's first frame was due. */
  #runStart = 0;
  /** Frames handed over in the current run. */
  #runSent = 0;
  /** Silent frames still to hand over once the queue is empty. */
  #tailLeft = 0;
  #silence: AudioFrame | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sending = false;
  #closed = false;
  /** Why the last hand-over failed, thrown to the next caller. */
  #failed: Error | undefined;

  constructor(out: DirectSource, queueMs: number) {
    this.#out = out;
    this.#queueMs = queueMs;
  }

  /** Milliseconds of audio queued and not handed over yet. */
  get queuedDuration(): number {
    return this.#queue.length * FRAME_MS;
  }

  /** Queues one 10 ms frame; resolves once the queue is within its limit. */
  async captureFrame(frame: AudioFrame): Promise<void> {
    if (this.#closed) throw new Error('PacedSource is closed');
    if (this.#failed) {
      const err = this.#failed;
      this.#failed = undefined;
      throw err;
    }
    this.#queue.push(frame);
    if (!this.#timer && !this.#sending) {
      // Nothing was playing: a new run, its first frame due now.
      this.#runStart = performance.now();
      this.#runSent = 0;
      void this.#tick();
    }
    if (this.queuedDuration > this.#queueMs) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  /** Drops everything not handed over yet. */
  clearQueue(): void {
    this.#queue.length = 0;
    this.#release();
  }

  /** Stops pacing for good; what is queued is dropped. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.clearQueue();
  }

  /** Hands over the frames due before the next tick, then sleeps until the next one is due. */
  async #tick(): Promise<void> {
    this.#timer = undefined;
    this.#sending = true;
    try {
      while (!this.#closed && this.#dueAt(this.#runSent) < performance.now() + TICK_MS) {
        let frame = this.#queue.shift();
        if (frame) {
          this.#tailLeft = SILENCE_TAIL_FRAMES;
          this.#silence ??= silenceLike(frame);
        } else if (this.#tailLeft > 0 && this.#silence) {
          this.#tailLeft--;
          frame = this.#silence;
        } else break;
        this.#runSent++;
        if (this.queuedDuration <= this.#queueMs) this.#release();
        // One at a time: captures in flight together may reach the encoder out of order.
        await this.#out.captureFrame(frame);
      }
    } catch (err) {
      this.#failed = err instanceof Error ? err : new Error(String(err));
      this.#queue.length = 0;
      this.#release();
    } finally {
      this.#sending = false;
    }
    // The run is over once its silence is handed over: no frames from here on.
    if (this.#closed || (!this.#queue.length && this.#tailLeft === 0)) return;
    const wait = this.#dueAt(this.#runSent) - performance.now();
    this.#timer = setTimeout(() => void this.#tick(), Math.max(0, wait));
  }

  /** When frame `n` of the current run is due to play. */
  #dueAt(n: number): number {
    return this.#runStart + n * FRAME_MS;
  }

  #release(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/** A frame of zeros in `frame`'s format. */
function silenceLike(frame: AudioFrame): AudioFrame {
  const { sampleRate, channels, samplesPerChannel } = frame;
  return new AudioFrame(new Int16Array(frame.data.length), sampleRate, channels, samplesPerChannel);
}
