import { AudioSource, LocalAudioTrack, TrackPublishOptions, TrackSource } from '@livekit/rtc-node';
import type { AudioFrame, LocalParticipant } from '@livekit/rtc-node';
import { AGENT_TRACK_NAME } from '@voice-agent/common';
import { PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE } from '../audio/format.js';
import type { PlayoutSource } from '../audio/playout.js';
import { errorFields } from '../log.js';
import type { Logger } from '../log.js';

/** Audio the source buffers ahead of playout; what an interruption has to throw away. */
const SOURCE_QUEUE_MS = 200;
/** How often an idle voice is looked for. */
const IDLE_CHECK_MS = 1_000;
/** The longest a republished voice waits for a listener before it plays anyway. */
const LISTENER_WAIT_MS = 1_000;

interface Published {
  source: AudioSource;
  track: LocalAudioTrack;
  sid: string;
}

export interface VoiceTrackOptions {
  /** Silence (ms) after which the track is withdrawn; 0 keeps it published for good. */
  idleMs: number;
  /** Whether anyone is in the room to hear a republished voice (so it waits for them). */
  hasListeners: () => boolean;
  log: Logger;
}

/**
 * The agent's voice track, published while it may be needed.
 *
 * A published track costs an Opus encoder that runs 100 times a second even in silence:
 * rtc-node's queued AudioSource hands the encoder a silent frame whenever its queue is empty, and
 * a muted track is encoded all the same (bench/results/idle-26.txt §12). So after `idleMs` with
 * nothing played, the track is unpublished and closed with its source. warm() (someone started
 * speaking, a message came) publishes it again ahead of the reply; a frame captured while it is
 * away waits for it, and for its first listener (up to 1 s), so no reply starts unheard.
 *
 * Publishing and withdrawing run one at a time, in order; playout sees one PlayoutSource
 * throughout.
 */
export class VoiceTrack implements PlayoutSource {
  readonly #participant: LocalParticipant;
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

  constructor(participant: LocalParticipant, opts: VoiceTrackOptions) {
    this.#participant = participant;
    this.#opts = opts;
    if (opts.idleMs > 0) {
      this.#timer = setInterval(() => this.#withdrawIfIdle(), IDLE_CHECK_MS);
      this.#timer.unref();
    }
  }

  /** The sid of the track published now, or last. */
  get trackSid(): string {
    return this.#sid;
  }

  get published(): boolean {
    return this.#current !== undefined && !this.#withdrawing;
  }

  /** Publishes the voice (the first time, at join: a failure ends the join). */
  async publish(): Promise<void> {
    await this.#ensure();
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

  /** The published voice: now, or once the withdrawal and republish queued ahead are done. */
  #ensure(): Promise<Published> {
    if (this.#current && !this.#withdrawing) return Promise.resolve(this.#current);
    if (this.#closed) return Promise.reject(new Error('the voice is closed'));
    this.#ready ??= this.#queue(() => this.#publish()).finally(() => (this.#ready = undefined));
    return this.#ready;
  }

  async #publish(): Promise<Published> {
    if (this.#current) return this.#current;
    const started = performance.now();
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, SOURCE_QUEUE_MS);
    const track = LocalAudioTrack.createAudioTrack(AGENT_TRACK_NAME, source);
    let publication;
    try {
      publication = await this.#participant.publishTrack(
        track,
        new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
      );
    } catch (err) {
      await track.close().catch(() => undefined);
      throw err;
    }
    const published = { source, track, sid: publication.sid ?? '' };
    this.#current = published;
    this.#sid = published.sid;
    const publishedMs = performance.now() - started;
    // The first time (the join), nobody may be there yet: the greeting waits for a listener.
    if (this.#opts.hasListeners()) {
      await Promise.race([
        publication.waitForSubscription(),
        new Promise((r) => setTimeout(r, LISTENER_WAIT_MS)),
      ]);
    }
    this.#opts.log.debug(
      {
        trackSid: published.sid,
        publishMs: Math.round(publishedMs),
        readyMs: Math.round(performance.now() - started),
      },
      'voice published',
    );
    return published;
  }

  #withdrawIfIdle(): void {
    const current = this.#current;
    if (!current || this.#withdrawing || this.#closed || this.#ready) return;
    const idleFor = performance.now() - this.#lastUsed;
    if (idleFor < this.#opts.idleMs || current.source.queuedDuration > 0) return;
    this.#withdrawing = true;
    void this.#queue(async () => {
      try {
        await this.#participant.unpublishTrack(current.sid);
        this.#opts.log.debug({ trackSid: current.sid }, 'voice withdrawn while idle');
      } catch (err) {
        // Gone with the connection, most likely; the source goes all the same.
        this.#opts.log.warn({ err: errorFields(err) }, 'voice not unpublished');
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
