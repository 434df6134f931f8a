import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  ParticipantKind,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import type { RemoteParticipant, RemoteTrack } from '@livekit/rtc-node';
import { installFfiDispatch } from '@voice-agent/agent/room/ffi-dispatch';
import {
  HEARING_ATTRIBUTE,
  METRICS_TOPIC,
  TRANSCRIPTION_FINAL,
  TRANSCRIPTION_SPEAKER,
  TRANSCRIPTION_TOPIC,
  TRANSCRIPTION_TRACK_ID,
} from '@voice-agent/common';
import type { HearingReport, TurnMetrics } from '@voice-agent/common';
import { LIVEKIT_URL, participantToken } from './stack.js';
import { TEST_SAMPLE_RATE, timeline } from './speech.js';
import type { MicFormat, Timeline } from './speech.js';

// The simulated people are many rooms in one process too: the same event routing as the agent's
// (agent/src/room/ffi_dispatch.ts) keeps the load generator's CPU from growing with k squared.
installFfiDispatch();

const FRAME_SAMPLES = TEST_SAMPLE_RATE / 100; // 10 ms
/** Peak above which a received 10 ms frame counts as sound (about -50 dBFS). */
export const SOUND_PEAK = 100;
/** Gap (ms) of silence that ends a stretch of the agent's sound (longer than its pauses). */
export const STOP_GAP_MS = 400;
/** With a continuous microphone, frames are queued this far ahead of the wire (and no more). */
const PUMP_AHEAD_MS = 30;
/** Echo frames due longer ago than this are dropped, so the echo delay stays bounded. */
const ECHO_MAX_LAG_MS = 60;

/**
 * A microphone that also picks up what its speaker plays: every 10 ms frame of the agent's voice
 * this participant hears goes back out `delayMs` after it arrived, scaled by `gainDb`, mixed
 * with the participant's own speech.
 */
export interface EchoOptions {
  gainDb: number;
  delayMs: number;
}

export interface Transcript {
  from: string;
  text: string;
  trackId: string | undefined;
  final: boolean;
  /** For user transcripts the agent sends on a person's behalf: that person's identity. */
  speaker: string | undefined;
  receivedAt: number;
}

export interface HeardFrame {
  /** Epoch ms at which the frame arrived at this listener. */
  at: number;
  peak: number;
}

/** A timeline being played by the continuous microphone, and what it has played so far. */
interface Playback {
  t: Timeline;
  off: number;
  starts: Map<number, number>;
  ends: Map<number, number>;
  done: (segments: PlayedSegment[]) => void;
}

export interface PlayedSegment {
  text: string;
  /** Epoch ms at which the first/last speech sample left the speaker's AudioSource. */
  startAt: number;
  endAt: number;
}

/**
 * A simulated person on @livekit/rtc-node: it can speak a timeline with sample-accurate
 * timestamps, and it records what it hears from the agent (audio with arrival times,
 * transcripts, the agent's hearing report).
 */
/** Participants that have joined and not yet left, so a failed test still leaves its rooms. */
const joined = new Set<SimParticipant>();

/** Leaves every room a simulated participant is still in (use in `after`, via teardown()). */
export async function leaveAll(): Promise<void> {
  await Promise.all([...joined].map((sim) => sim.leave()));
}

export interface JitterBufferReading {
  delayS: number;
  emitted: number;
  /** Epoch ms of the reading. */
  at: number;
}

/**
 * Mean delay (ms) the jitter buffer held each sample played between two readings; null if a
 * reading is missing or nothing was played between them.
 */
export function meanBufferMs(
  from: JitterBufferReading | undefined,
  to: JitterBufferReading | undefined,
): number | null {
  const emitted = from && to ? to.emitted - from.emitted : 0;
  return emitted > 0 ? ((to!.delayS - from!.delayS) / emitted) * 1000 : null;
}

export class SimParticipant {
  readonly room: Room;
  readonly identity: string;
  readonly name: string;
  readonly transcripts: Transcript[] = [];
  /** Per-turn latency reports the agent sent (METRICS_TOPIC), in arrival order. */
  readonly turnMetrics: TurnMetrics[] = [];
  /** Every 10 ms frame of the agent's voice, as it arrived. */
  readonly heard: HeardFrame[] = [];
  readonly hearingHistory: { at: number; report: HearingReport }[] = [];
  #source: AudioSource | undefined;
  #format: MicFormat = { sampleRate: TEST_SAMPLE_RATE, channels: 1 };
  #echo: EchoOptions | undefined;
  /** The agent's frames (samples) waiting to go back out through an echoing microphone. */
  readonly #echoQueue: { at: number; samples: Int16Array }[] = [];
  /** Timelines waiting for the continuous microphone, the first one playing. */
  readonly #playing: Playback[] = [];
  #pump: Promise<void> | undefined;
  readonly #listening: Promise<void>[] = [];
  readonly #readers: ReadableStreamDefaultReader<unknown>[] = [];

  private constructor(room: Room, identity: string, name: string) {
    this.room = room;
    this.identity = identity;
    this.name = name;
  }

  /**
   * Joins `roomName`; `token` replaces the usual participant token (other grants, a persona).
   * With `subscribe: false` it hears no audio (nor records any): a cheap extra person. `url`
   * picks another livekit-server (a node of a cluster).
   */
  static async join(
    roomName: string,
    identity: string,
    name: string,
    token?: string,
    opts: { subscribe?: boolean; url?: string } = {},
  ): Promise<SimParticipant> {
    const room = new Room();
    const sim = new SimParticipant(room, identity, name);
    room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, { identity: from }) => {
      // A stream cut off by its sender leaving (an agent job ending mid-sentence) is dropped.
      reader.readAll().then(
        (text) =>
          sim.transcripts.push({
            from,
            text,
            trackId: reader.info.attributes?.[TRANSCRIPTION_TRACK_ID],
            final: reader.info.attributes?.[TRANSCRIPTION_FINAL] === 'true',
            speaker: reader.info.attributes?.[TRANSCRIPTION_SPEAKER],
            receivedAt: Date.now(),
          }),
        () => undefined,
      );
    });
    room.registerTextStreamHandler(METRICS_TOPIC, (reader) => {
      reader.readAll().then(
        (json) => sim.turnMetrics.push(JSON.parse(json) as TurnMetrics),
        () => undefined,
      );
    });
    room
      .on(RoomEvent.TrackSubscribed, (track, _pub, p) => {
        if (track.kind === TrackKind.KIND_AUDIO && p.kind === ParticipantKind.AGENT) {
          sim.#listening.push(sim.#record(track));
        }
      })
      .on(RoomEvent.ParticipantAttributesChanged, (changed, p) => {
        const json = changed[HEARING_ATTRIBUTE];
        if (json !== undefined && p.identity !== identity) {
          sim.hearingHistory.push({
            at: Date.now(),
            report: JSON.parse(json || '{}') as HearingReport,
          });
        }
      });
    joined.add(sim);
    await room.connect(
      opts.url ?? LIVEKIT_URL,
      token ?? (await participantToken(roomName, identity, name)),
      {
        autoSubscribe: opts.subscribe ?? true,
        dynacast: false,
      },
    );
    return sim;
  }

  agent(): RemoteParticipant | undefined {
    return [...this.room.remoteParticipants.values()].find((p) => p.kind === ParticipantKind.AGENT);
  }

  async waitFor<T>(
    what: string,
    check: () => T | undefined | false,
    timeoutMs: number,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline)
        throw new Error(`${this.identity}: ${what} not seen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The agent's latest report of what it hears from each person. */
  hearing(): HearingReport {
    const json = this.agent()?.attributes[HEARING_ATTRIBUTE];
    return json ? (JSON.parse(json) as HearingReport) : {};
  }

  /** Epoch ms of the first frame with sound at or after `since`. */
  firstSoundAfter(since: number): number | undefined {
    return this.heard.find((f) => f.at >= since && f.peak >= SOUND_PEAK)?.at;
  }

  /**
   * The agent's replies as this participant heard them: stretches of sound separated by at
   * least `gapMs` of silence, with their first and last sound frame times.
   */
  soundSpans(gapMs = 600, from = 0): { startAt: number; endAt: number }[] {
    const spans: { startAt: number; endAt: number }[] = [];
    for (const f of this.heard) {
      if (f.at < from || f.peak < SOUND_PEAK) continue;
      const last = spans.at(-1);
      if (last && f.at - last.endAt < gapMs) last.endAt = f.at;
      else spans.push({ startAt: f.at, endAt: f.at });
    }
    return spans;
  }

  /**
   * This participant's receive jitter buffer, summed over the audio it receives: WebRTC's
   * cumulative delay of every sample it played out (seconds) and how many samples that is, so
   * the difference of two readings gives the mean buffering between them.
   */
  async receiveBuffer(): Promise<JitterBufferReading> {
    const { subscriberStats, publisherStats } = await this.room.getRtcStats();
    const reading: JitterBufferReading = { delayS: 0, emitted: 0, at: Date.now() };
    // Received audio shows up in either connection's report (one connection carries both ways
    // when the server negotiates it).
    for (const s of [...subscriberStats, ...publisherStats]) {
      if (s.stats.case !== 'inboundRtp' || s.stats.value.stream?.kind !== 'audio') continue;
      reading.delayS += s.stats.value.inbound?.jitterBufferDelay ?? 0;
      reading.emitted += Number(s.stats.value.inbound?.jitterBufferEmittedCount ?? 0n);
    }
    return reading;
  }
  /** Milliseconds of sound heard in [from, to). */
  soundMs(from = 0, to = Infinity): number {
    return this.heard.filter((f) => f.at >= from && f.at < to && f.peak >= SOUND_PEAK).length * 10;
  }

  /**
   * The longest stretch (ms) in [from, to] with no sound frame, counted only if it lasts at
   * least `minMs` (0 otherwise, and 0 if the agent kept sounding). A frame arriving at `at`
   * covers [at - 10, at].
   */
  longestSilence(from: number, to: number, minMs = 60): number {
    let prev = from;
    let longest = 0;
    for (const f of this.heard) {
      if (f.at < from || f.peak < SOUND_PEAK) continue;
      if (f.at - 10 > to) break;
      longest = Math.max(longest, f.at - 10 - prev);
      prev = f.at;
    }
    longest = Math.max(longest, to - prev);
    return longest >= minMs ? longest : 0;
  }

  /**
   * Publishes a microphone track (silent until {@link speak}). With `echo`, the microphone runs
   * continuously: 10 ms frames keep flowing, carrying the agent's voice back (see EchoOptions)
   * and whatever {@link speak} plays. With `format`, the microphone delivers another rate or
   * channel count (a phone headset's 8 kHz, a stereo interface), played with {@link play}.
   */
  async publishMicrophone(opts: { echo?: EchoOptions; format?: MicFormat } = {}): Promise<void> {
    if (opts.format && opts.echo) throw new Error('a microphone of another format has no echo');
    this.#format = opts.format ?? this.#format;
    this.#source = new AudioSource(this.#format.sampleRate, this.#format.channels, 200);
    const track = LocalAudioTrack.createAudioTrack('microphone', this.#source);
    await this.room.localParticipant!.publishTrack(
      track,
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
    if (opts.echo) {
      this.#echo = { ...opts.echo };
      this.#pump = this.#runPump(this.#source);
    }
  }

  /** Changes the echo path of a continuous microphone (e.g. a new delay per turn). */
  setEcho(echo: EchoOptions): void {
    if (!this.#echo) throw new Error('publishMicrophone({ echo }) first');
    this.#echo = { ...echo };
  }

  /**
   * Plays a timeline in real time through the microphone. Each segment's timestamps are when its
   * first and last speech sample left the AudioSource (capture time plus what was queued ahead).
   */
  async speak(t: Timeline): Promise<PlayedSegment[]> {
    const source = this.#source;
    if (!source) throw new Error('publishMicrophone() first');
    if (this.#format.sampleRate !== TEST_SAMPLE_RATE || this.#format.channels !== 1)
      throw new Error('speak() plays 48 kHz mono timelines: use play() on this microphone');
    const starts = new Map<number, number>();
    const ends = new Map<number, number>();
    if (this.#pump) {
      return new Promise((done) => this.#playing.push({ t, off: 0, starts, ends, done }));
    }
    for (let off = 0; off < t.samples.length; off += FRAME_SAMPLES) {
      const data = new Int16Array(FRAME_SAMPLES);
      data.set(t.samples.subarray(off, off + FRAME_SAMPLES));
      const queuedAhead = source.queuedDuration;
      await source.captureFrame(new AudioFrame(data, TEST_SAMPLE_RATE, 1, FRAME_SAMPLES));
      markSegments(t, off, Date.now() + queuedAhead, starts, ends);
    }
    await source.waitForPlayout();
    return playedSegments(t, starts, ends);
  }

  /**
   * Plays samples in the microphone's own format (interleaved when stereo) in real time, in
   * 10 ms frames. Returns the epoch ms at which the first and last frame left the AudioSource.
   */
  async play(samples: Int16Array): Promise<{ startAt: number; endAt: number }> {
    const source = this.#source;
    if (!source || this.#pump) throw new Error('publishMicrophone({ format }) first');
    const { sampleRate, channels } = this.#format;
    const perChannel = sampleRate / 100;
    const frameLength = perChannel * channels;
    let startAt: number | undefined;
    let endAt = Date.now();
    for (let off = 0; off < samples.length; off += frameLength) {
      const data = new Int16Array(frameLength);
      data.set(samples.subarray(off, off + frameLength));
      endAt = Date.now() + source.queuedDuration;
      startAt ??= endAt;
      await source.captureFrame(new AudioFrame(data, sampleRate, channels, perChannel));
    }
    await source.waitForPlayout();
    return { startAt: startAt ?? endAt, endAt };
  }

  /**
   * The continuous microphone: keeps about PUMP_AHEAD_MS queued, so each frame's content can be
   * chosen for the moment it leaves (the echo of what arrived `delayMs` before that moment).
   */
  async #runPump(source: AudioSource): Promise<void> {
    try {
      for (let echoPath = this.#echo; echoPath; echoPath = this.#echo) {
        const ahead = source.queuedDuration;
        if (ahead > PUMP_AHEAD_MS) {
          await new Promise((r) => setTimeout(r, ahead - PUMP_AHEAD_MS));
          continue;
        }
        const leavesAt = Date.now() + ahead;
        const data = new Int16Array(FRAME_SAMPLES);
        const playing = this.#playing[0];
        if (playing) data.set(playing.t.samples.subarray(playing.off, playing.off + FRAME_SAMPLES));
        const echo = this.#takeEcho(leavesAt);
        if (echo) {
          const gain = 10 ** (echoPath.gainDb / 20);
          for (let i = 0; i < FRAME_SAMPLES; i++) {
            const v = data[i]! + gain * (echo[i] ?? 0);
            data[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
          }
        }
        await source.captureFrame(new AudioFrame(data, TEST_SAMPLE_RATE, 1, FRAME_SAMPLES));
        if (!playing) continue;
        markSegments(playing.t, playing.off, Date.now() + ahead, playing.starts, playing.ends);
        playing.off += FRAME_SAMPLES;
        if (playing.off >= playing.t.samples.length) {
          this.#playing.shift();
          const segments = playedSegments(playing.t, playing.starts, playing.ends);
          setTimeout(() => playing.done(segments), Math.max(0, source.queuedDuration));
        }
      }
    } catch {
      /* the source was closed: the participant left */
    }
  }

  /** The next echo frame due by `leavesAt` (arrived at least delayMs before it), if any. */
  #takeEcho(leavesAt: number): Int16Array | undefined {
    const delayMs = this.#echo?.delayMs ?? 0;
    const q = this.#echoQueue;
    while (q.length && q[0]!.at + delayMs < leavesAt - ECHO_MAX_LAG_MS) q.shift();
    if (q.length && q[0]!.at + delayMs <= leavesAt + 5) return q.shift()!.samples;
    return undefined;
  }

  /** Leaves the room; bounded, since the room may already be gone (deleted by the server). */
  async leave(): Promise<void> {
    joined.delete(this);
    this.#echo = undefined;
    await this.#pump;
    for (const p of this.#playing.splice(0)) p.done(playedSegments(p.t, p.starts, p.ends));
    for (const r of this.#readers) void r.cancel().catch(() => undefined);
    await this.#source?.close().catch(() => undefined);
    const bounded = (p: Promise<unknown>) =>
      Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 3_000))]);
    if (this.room.isConnected) await bounded(this.room.disconnect());
    await bounded(Promise.allSettled(this.#listening));
  }

  async #record(track: RemoteTrack): Promise<void> {
    let stream: AudioStream;
    try {
      stream = new AudioStream(track, {
        sampleRate: TEST_SAMPLE_RATE,
        numChannels: 1,
        frameSizeMs: 10,
      });
    } catch (err) {
      // Subscribed as this participant left (a quick join and leave): the track is gone.
      if (!joined.has(this)) return;
      throw err;
    }
    const reader = stream.getReader();
    this.#readers.push(reader);
    for (;;) {
      const { done, value: frame } = await reader.read();
      if (done) return;
      let peak = 0;
      for (const s of frame.data) peak = Math.max(peak, Math.abs(s));
      const at = Date.now();
      this.heard.push({ at, peak });
      if (this.#echo) {
        this.#echoQueue.push({ at, samples: new Int16Array(frame.data) });
        if (this.#echoQueue.length > 500) this.#echoQueue.shift();
      }
    }
  }
}

/** Records when each segment's first/last sample is in the frame at `off` leaving at `leavesAt`. */
function markSegments(
  t: Timeline,
  off: number,
  leavesAt: number,
  starts: Map<number, number>,
  ends: Map<number, number>,
): void {
  t.segments.forEach((seg, i) => {
    const msInto = (s: number) => ((s - off) * 1000) / TEST_SAMPLE_RATE;
    if (seg.startSample >= off && seg.startSample < off + FRAME_SAMPLES) {
      starts.set(i, leavesAt + msInto(seg.startSample));
    }
    if (seg.endSample >= off && seg.endSample < off + FRAME_SAMPLES) {
      ends.set(i, leavesAt + msInto(seg.endSample));
    }
  });
}

function playedSegments(
  t: Timeline,
  starts: Map<number, number>,
  ends: Map<number, number>,
): PlayedSegment[] {
  return t.segments.map((seg, i) => ({
    text: seg.text,
    startAt: starts.get(i)!,
    endAt: ends.get(i)!,
  }));
}

/**
 * `speaker` asks `question` (100 ms of silence before, 300 ms after) and `listener` waits for
 * the agent's first sound after the question began. Returns the question's timing and when the
 * reply was first heard.
 */
export async function askAndHear(
  speaker: SimParticipant,
  listener: SimParticipant,
  question: string,
  what: string,
  timeoutMs: number,
): Promise<{ spoken: PlayedSegment; heardAt: number }> {
  const [spoken] = await speaker.speak(
    timeline([{ silenceMs: 100 }, { say: question }, { silenceMs: 300 }]),
  );
  if (!spoken) throw new Error(`${what}: the question was not played`);
  const heardAt = await listener.waitFor(
    `${what}: the reply`,
    () => listener.firstSoundAfter(spoken.startAt),
    timeoutMs,
  );
  return { spoken, heardAt };
}

/** Waits until the agent has been silent at `sim` for `quietMs` (its reply is over). */
export async function untilQuiet(
  sim: SimParticipant,
  since: number,
  quietMs = 1_200,
  timeoutMs = 40_000,
): Promise<void> {
  await sim.waitFor(
    'the agent to fall silent',
    () => {
      const last = sim.soundSpans(STOP_GAP_MS, since).at(-1)?.endAt ?? since;
      return Date.now() - last > quietMs || undefined;
    },
    timeoutMs,
  );
}

/**
 * `sim` says `text` (100 ms of silence before, 300 ms after) and waits up to 20 s for an agent
 * transcript containing `answerStart`, then for the agent to fall silent. Returns whether the
 * answer came and the silence from the end of the question to the agent's first sound.
 */
export async function askForAnswer(
  sim: SimParticipant,
  text: string,
  answerStart: string,
): Promise<{ answered: boolean; silenceMs: number | undefined }> {
  const heardBefore = sim.transcripts.length;
  const [spoken] = await sim.speak(
    timeline([{ silenceMs: 100 }, { say: text }, { silenceMs: 300 }]),
  );
  if (!spoken) throw new Error('the question was not played');
  const answered = await sim
    .waitFor(
      'the answer',
      () =>
        sim.transcripts.slice(heardBefore).some((t) => !t.speaker && t.text.includes(answerStart)),
      20_000,
    )
    .then(
      () => true,
      () => false,
    );
  const firstSound = sim.firstSoundAfter(spoken.endAt);
  await untilQuiet(sim, spoken.endAt).catch(() => undefined);
  return { answered, silenceMs: firstSound === undefined ? undefined : firstSound - spoken.endAt };
}

/**
 * One person with a microphone who also listens, greeted before the scenario starts: joins,
 * waits for the agent's greeting and for it to end.
 */
export async function joinPerson(
  room: string,
  name: string,
  opts: { echo?: EchoOptions; identity?: string } = {},
): Promise<SimParticipant> {
  const sim = await SimParticipant.join(
    room,
    opts.identity ?? `${name.toLowerCase()}-${room}`,
    name,
  );
  await sim.publishMicrophone(opts.echo ? { echo: opts.echo } : {});
  const joinedAt = Date.now();
  await sim.waitFor('the greeting', () => sim.firstSoundAfter(joinedAt), 30_000);
  await untilQuiet(sim, joinedAt);
  return sim;
}
