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
import type { Timeline } from './speech.js';

const FRAME_SAMPLES = TEST_SAMPLE_RATE / 100; // 10 ms
/** Peak above which a received 10 ms frame counts as sound (about -50 dBFS). */
export const SOUND_PEAK = 100;

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
  readonly #listening: Promise<void>[] = [];
  readonly #readers: ReadableStreamDefaultReader<unknown>[] = [];

  private constructor(room: Room, identity: string, name: string) {
    this.room = room;
    this.identity = identity;
    this.name = name;
  }

  static async join(roomName: string, identity: string, name: string): Promise<SimParticipant> {
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
    await room.connect(LIVEKIT_URL, await participantToken(roomName, identity, name), {
      autoSubscribe: true,
      dynacast: false,
    });
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

  /** Milliseconds of sound heard in [from, to). */
  soundMs(from = 0, to = Infinity): number {
    return this.heard.filter((f) => f.at >= from && f.at < to && f.peak >= SOUND_PEAK).length * 10;
  }

  /** Publishes a microphone track (silent until {@link speak}). */
  async publishMicrophone(): Promise<void> {
    this.#source = new AudioSource(TEST_SAMPLE_RATE, 1, 200);
    const track = LocalAudioTrack.createAudioTrack('microphone', this.#source);
    await this.room.localParticipant!.publishTrack(
      track,
      new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
    );
  }

  /**
   * Plays a timeline in real time through the microphone. Each segment's timestamps are when its
   * first and last speech sample left the AudioSource (capture time plus what was queued ahead).
   */
  async speak(t: Timeline): Promise<PlayedSegment[]> {
    const source = this.#source;
    if (!source) throw new Error('publishMicrophone() first');
    const starts = new Map<number, number>();
    const ends = new Map<number, number>();
    for (let off = 0; off < t.samples.length; off += FRAME_SAMPLES) {
      const data = new Int16Array(FRAME_SAMPLES);
      data.set(t.samples.subarray(off, off + FRAME_SAMPLES));
      const queuedAhead = source.queuedDuration;
      await source.captureFrame(new AudioFrame(data, TEST_SAMPLE_RATE, 1, FRAME_SAMPLES));
      const frameLeavesAt = Date.now() + queuedAhead;
      t.segments.forEach((seg, i) => {
        const msInto = (s: number) => ((s - off) * 1000) / TEST_SAMPLE_RATE;
        if (seg.startSample >= off && seg.startSample < off + FRAME_SAMPLES) {
          starts.set(i, frameLeavesAt + msInto(seg.startSample));
        }
        if (seg.endSample >= off && seg.endSample < off + FRAME_SAMPLES) {
          ends.set(i, frameLeavesAt + msInto(seg.endSample));
        }
      });
    }
    await source.waitForPlayout();
    return t.segments.map((seg, i) => ({
      text: seg.text,
      startAt: starts.get(i)!,
      endAt: ends.get(i)!,
    }));
  }

  /** Leaves the room; bounded, since the room may already be gone (deleted by the server). */
  async leave(): Promise<void> {
    joined.delete(this);
    for (const r of this.#readers) void r.cancel().catch(() => undefined);
    await this.#source?.close().catch(() => undefined);
    const bounded = (p: Promise<unknown>) =>
      Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 3_000))]);
    if (this.room.isConnected) await bounded(this.room.disconnect());
    await bounded(Promise.allSettled(this.#listening));
  }

  async #record(track: RemoteTrack): Promise<void> {
    const stream = new AudioStream(track, {
      sampleRate: TEST_SAMPLE_RATE,
      numChannels: 1,
      frameSizeMs: 10,
    });
    const reader = stream.getReader();
    this.#readers.push(reader);
    for (;;) {
      const { done, value: frame } = await reader.read();
      if (done) return;
      let peak = 0;
      for (const s of frame.data) peak = Math.max(peak, Math.abs(s));
      this.heard.push({ at: Date.now(), peak });
    }
  }
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
