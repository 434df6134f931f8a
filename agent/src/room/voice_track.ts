import { AudioSource, LocalAudioTrack, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import type { AudioFrame, Room } from '@livekit/rtc-node';
import { AGENT_TRACK_NAME } from '@voice-agent/common';
import { PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE } from '../audio/format.js';
import type { PlayoutSource } from '../audio/playout.js';
import { errorFields } from '../log.js';
import type { Logger } from '../log.js';
import { watchLocalSubscriptions } from './ffi_dispatch.js';

/** Audio the source buffers ahead of playout; what an interruption has to throw away. */
const SOURCE_QUEUE_MS = 200;
/** How often an idle voice is looked for. */
const IDLE_CHECK_MS = 1_000;
/** The longest a republished voice waits for a listener before it plays anyway. */
const LISTENER_WAIT_MS = 1_000;

interface Published {
  source: AudioSource;
  track: LocalAudioTrack;
}

export interface VoiceTrackOptions {
  /** Silence (ms) after which the track is withdrawn; 0 keeps it published for good. */
  idleMs: number;
  /** Whether anyone is in the room to hear a republished voice (so it waits for them). */
  hasListeners: () => boolean;
  /** While true, the voice is not withdrawn (a reply is on its way, someone is mid-turn). */
  wanted: () => boolean;
  log: Logger;
}

/**
 * The agent's voice track, published while it may be needed.
 *
 * A published track costs an Opus encoder that runs 100 times a second even in silence:
 * rtc-node's queued AudioSource hands the encoder a silent frame whenever its queue is empty, and
 * a muted track is encoded all the same (bench/results/idle-26.txt §12). So after `idleMs` with
 * nothing played and nothing on its way (`wanted`), the track is unpublished and closed with its
 * source. warm() (someone started speaking or joined, a message came) publishes it again ahead
 * of the reply; a frame captured while it is away waits for it, and for its first listener (up
 * to 1 s), so no reply starts unheard.
 *
 * Publishing and withdrawing run one at a time, in order; playout sees one PlayoutSource
 * throughout.
 */
export class VoiceTrack implements PlayoutSource {
  readonly #room: Room;
  readonly #opts: VoiceTrackOptions;
  #current: Published | undefined;
  /** Withdrawing `#current`: captures wait for the republish queued behind it. */
  #withdrawing = false;
  /** The publish or withdrawal under way, or the last one (never rejects). */
  #op: Promise<unknown> = Promise.resolve();
  #ready: Promise<Published> | undefined;
  #lastUsed = performance.now();
  #sid = '';
  #closed = false;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(room: Room, opts: VoiceTrackOptions) {
    this.#room = room;
    this.#opts = opts;
    if (opts.idleMs > 0) {
      this.#timer = setInterval(() => this.#withdrawIfIdle(), IDLE_CHECK_MS);
      this.#timer.unref();
    }
  }

  /** The sid of the track published now, or last (rtc-node updates it if it republishes). */
  get trackSid(): string {
    return this.#current?.track.sid ?? this.#sid;
  }

  get published(): boolean {
    return this.#current !== undefined && !this.#withdrawing;
  }

  /**
   * Publishes the voice the first time, at join (a failure ends the join). It does not wait for
   * a listener: the join goes on, and the greeting waits for one itself (AgentRoom.whenHeard).
   */
  async publish(): Promise<void> {
    await this.#ensure(false);
  }

  /** A reply may come soon: publishes the voice now if it was withdrawn. */
  warm(): void {
    this.#lastUsed = performance.now();
    if (this.published || this.#closed) return;
    this.#ensure().catch((err: unknown) =>
      this.#opts.log.warn({ err: errorFields(err) }, 'voice not republished'),
    );
  }

  captureFrame(frame: AudioFrame): Promise<void> {
    this.#lastUsed = performance.now();
    const current = this.#current;
    if (current && !this.#withdrawing) return current.source.captureFrame(frame);
    return this.#ensure().then((p) => p.source.captureFrame(frame));
  }

  clearQueue(): void {
    this.#current?.source.clearQueue();
  }

  get queuedDuration(): number {
    return this.#current?.source.queuedDuration ?? 0;
  }

  /** Closes the source for good (leaving the room unpublishes the track). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#op;
    await this.#current?.track.close().catch(() => undefined);
  }

  /**
   * The published voice: now, or once the withdrawal and republish queued ahead are done (and,
   * with `waitForListener`, its first listener has subscribed, or 1 s has passed).
   */
  #ensure(waitForListener = true): Promise<Published> {
    if (this.#current && !this.#withdrawing) return Promise.resolve(this.#current);
    if (this.#closed) return Promise.reject(new Error('the voice is closed'));
    this.#ready ??= this.#queue(() => this.#publish(waitForListener)).finally(
      () => (this.#ready = undefined),
    );
    return this.#ready;
  }

  async #publish(waitForListener: boolean): Promise<Published> {
    if (this.#current) return this.#current;
    const started = performance.now();
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, SOURCE_QUEUE_MS);
    const track = LocalAudioTrack.createAudioTrack(AGENT_TRACK_NAME, source);
    // Watched from before the publish: the subscription can come before publishTrack returns.
    const listeners =
      waitForListener && this.#opts.hasListeners()
        ? watchLocalSubscriptions(this.#room)
        : undefined;
    let sid: string;
    let publishedMs: number;
    let heard: boolean | undefined;
    try {
      const publication = await this.#room.localParticipant!.publishTrack(
        track,
        new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
      );
      sid = publication.sid ?? '';
      publishedMs = performance.now() - started;
      // Frames wait meanwhile (captureFrame sees no voice yet): a reply's start is not played
      // to nobody.
      if (listeners) heard = await within(listeners.subscribed(sid), LISTENER_WAIT_MS);
    } catch (err) {
      await track.close().catch(() => undefined);
      throw err;
    } finally {
      listeners?.close();
    }
    const published = { source, track };
    this.#current = published;
    this.#sid = sid;
    this.#opts.log.debug(
      {
        trackSid: sid,
        publishMs: Math.round(publishedMs),
        readyMs: Math.round(performance.now() - started),
        // false: nobody subscribed within LISTENER_WAIT_MS; undefined: not waited for.
        subscribed: heard,
      },
      'voice published',
    );
    return published;
  }

  #withdrawIfIdle(): void {
    const current = this.#current;
    if (!current || this.#withdrawing || this.#closed || this.#ready) return;
    // Reconnecting or gone: nothing to unpublish through; the room's end closes the voice.
    if (!this.#room.isConnected) return;
    const idleFor = performance.now() - this.#lastUsed;
    if (idleFor < this.#opts.idleMs || current.source.queuedDuration > 0) return;
    if (this.#opts.wanted()) {
      this.#lastUsed = performance.now();
      return;
    }
    this.#withdrawing = true;
    void this.#queue(async () => {
      // Read now: rtc-node gives the track a new sid if it republished it after a reconnect.
      const sid = current.track.sid ?? this.#sid;
      try {
        await this.#room.localParticipant!.unpublishTrack(sid);
        this.#opts.log.debug({ trackSid: sid }, 'voice withdrawn while idle');
      } catch (err) {
        this.#opts.log.warn({ err: errorFields(err), trackSid: sid }, 'voice not unpublished');
        if (this.#room.isConnected) {
          // Still published: kept, and tried again at the next idle check.
          this.#withdrawing = false;
          return;
        }
      }
      this.#current = undefined;
      this.#withdrawing = false;
      // The native track holds the source, whose 10 ms capture task runs until both are freed.
      await current.track.close().catch(() => undefined);
    });
  }

  /** Runs `step` after the publish or withdrawal under way. */
  #queue<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#op.then(step);
    this.#op = run.catch(() => undefined);
    return run;
  }
}

/** Whether `promise` settles within `ms` (its timer cleared either way). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
