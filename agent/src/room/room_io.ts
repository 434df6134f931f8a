import { DisconnectReason, RoomEvent, TrackKind, TrackSource } from '@livekit/rtc-node';
import type {
  RemoteParticipant,
  RemoteTrack,
  RemoteTrackPublication,
  TextStreamInfo,
} from '@livekit/rtc-node';
import {
  CHAT_TOPIC,
  HEARING_ATTRIBUTE,
  CONTEXT_RPC,
  INTERRUPT_RPC,
  MAX_CHAT_CHARS,
  MODELS_ATTRIBUTE,
} from '@voice-agent/common';
import type { HeardInput, ModelsReport } from '@voice-agent/common';
import { errorFields, type Logger } from '../log.js';
import { AgentRoom, isHuman } from './agent_room.js';
import { nameOf, type RoomPerson } from './person.js';
import { HearingReporter } from './hearing.js';
import { MessageCopies } from './message_copies.js';

/** A person's microphone, subscribed: one per person, however often LiveKit re-announces it. */
export interface Microphone {
  person: RoomPerson;
  trackSid: string;
  track: RemoteTrack;
}

/** What the room brings in; the composition root (job.ts) routes each to its owner. */
export interface RoomInputs {
  /** Whether `identity`'s microphone `trackSid` is heard already (LiveKit may announce it again). */
  hears(identity: string, trackSid: string): boolean;
  /** A human's microphone to hear, until its track ends. */
  microphone(mic: Microphone): void;
  /** A human joined (or was there when the agent arrived). */
  joined(person: RoomPerson): void;
  /**
   * A human left; `trackSids` are the tracks they had. Their microphone's stream may not have
   * ended (rtc-node can fail an unsubscribe and never close it), so its input is stopped here.
   */
  left(identity: string, trackSids: string[]): void;
  /** A human typed a message on `lk.chat` (trimmed, not empty, within MAX_CHAT_CHARS). */
  typed(from: RoomPerson, text: string): void;
  /** The Interrupt RPC; returns whether anything was stopped. */
  interrupt(by: string): boolean;
  /** The context-update RPC from `caller` (CONTEXT_RPC): resolves with the answer's JSON. */
  updateContext(caller: string, payload: string): Promise<string>;
}

/** Disconnects that end the room on purpose; any other means the agent lost its connection. */
const DELIBERATE = new Set<DisconnectReason>([
  DisconnectReason.CLIENT_INITIATED,
  DisconnectReason.DUPLICATE_IDENTITY,
  DisconnectReason.PARTICIPANT_REMOVED,
  DisconnectReason.ROOM_DELETED,
  DisconnectReason.ROOM_CLOSED,
]);

export interface RoomIOOptions {
  log: Logger;
  models: ModelsReport;
  assignedAt: number;
  /** Silence (ms) after which the agent's voice track is withdrawn; 0: never (voice_track.ts). */
  voiceIdleMs: number;
  /**
   * How long the agent's connection may stay reconnecting before the room is given up
   * (`connectionLost`): set where another worker can take the room over (REDIS_URL). Unset:
   * rtc-node reconnects for as long as it tries.
   */
  reconnectMs?: number | undefined;
}

/**
 * The room's inputs and outputs around the agent's presence (AgentRoom): which microphones to
 * hear, who comes and goes, typed messages, the Interrupt RPC, and the attributes the page reads
 * (the models in use, what the agent hears of each person). `signal` aborts when the room is
 * over: the job was terminated or the agent was disconnected.
 */
export class RoomIO {
  readonly room: AgentRoom;
  readonly signal: AbortSignal;
  readonly #hearing: HearingReporter;
  readonly #log: Logger;
  readonly #end = new AbortController();
  /** The person transcripts being sent, in order. */
  #transcripts: Promise<void> = Promise.resolve();
  #lost = false;
  /** The microphone tracks heard, by the participant (sid: one connection) they came from. */
  readonly #heardFrom = new Map<string, string[]>();
  /** Typed messages taken, so a resent one is answered once. */
  readonly #copies = new MessageCopies();
  #reconnecting: ReturnType<typeof setTimeout> | undefined;

  private constructor(room: AgentRoom, log: Logger, reconnectMs: number | undefined) {
    this.room = room;
    this.#log = log;
    this.signal = this.#end.signal;
    this.#hearing = new HearingReporter((json) =>
      room.setAttributes({ [HEARING_ATTRIBUTE]: json }),
    );
    room.room
      .on(RoomEvent.Disconnected, (reason) => {
        if (!DELIBERATE.has(reason)) this.#lost = true;
        this.end(`disconnected (${DisconnectReason[reason] ?? String(reason)})`);
      })
      // The LiveKit node the agent is connected through went away (it died, or the network
      // did): rtc-node retries for about 30 s, while the room, hosted elsewhere, goes on.
      .on(RoomEvent.Reconnecting, () => {
        this.#log.warn({ giveUpMs: reconnectMs }, 'room connection lost: reconnecting');
        if (reconnectMs === undefined || this.#reconnecting) return;
        this.#reconnecting = setTimeout(() => {
          this.#lost = true;
          this.end(`connection not back within ${reconnectMs} ms`);
        }, reconnectMs);
      })
      .on(RoomEvent.Reconnected, () => {
        clearTimeout(this.#reconnecting);
        this.#reconnecting = undefined;
        this.#log.info('room connection back');
      });
    // Nothing more to report once the room is over (the inputs still wind down).
    this.signal.addEventListener(
      'abort',
      () => {
        clearTimeout(this.#reconnecting);
        this.#hearing.close();
      },
      { once: true },
    );
  }

  /**
   * The room ended because the agent's connection to it was lost, not by anyone's choice: the
   * people may still be there, waiting for an agent.
   */
  get connectionLost(): boolean {
    return this.#lost;
  }

  /** Joins the room and publishes the agent's voice; `models` goes out as an attribute. */
  static async join(url: string, token: string, opts: RoomIOOptions): Promise<RoomIO> {
    const room = await AgentRoom.join(url, token, { voiceIdleMs: opts.voiceIdleMs, log: opts.log });
    const io = new RoomIO(room, opts.log, opts.reconnectMs);
    opts.log.info(
      { joinMs: Date.now() - opts.assignedAt, trackSid: room.voice.trackSid },
      'agent joined room',
    );
    await room.setAttributes({ [MODELS_ATTRIBUTE]: JSON.stringify(opts.models) });
    return io;
  }

  /** Ends the room's session (once): `signal` aborts. */
  end(reason: string): void {
    if (!this.signal.aborted) this.#log.info({ reason }, 'leaving room');
    this.#end.abort();
  }

  /** What the agent hears of `identity` now (the page's input meter). */
  heard(identity: string, input: HeardInput): void {
    this.#hearing.set(identity, input);
  }

  /**
   * A person's words on `lk.transcription`; one that cannot be sent is dropped. Each update is a
   * stream of its own, sent one after the other: sent at once, a segment's final words could
   * arrive before its last interim ones, and a page would keep showing the interim ones.
   */
  transcript(mic: Microphone, t: { segmentId: string; text: string; final: boolean }): void {
    this.#transcripts = this.#transcripts.then(() =>
      this.room
        .userTranscript({ identity: mic.person.identity, trackSid: mic.trackSid, ...t })
        .catch((err: unknown) => this.#log.debug({ err: errorFields(err) }, 'transcript not sent')),
    );
  }

  /**
   * Starts routing the room's inputs to `to`: people and microphones already there first, then
   * as they come. The agent is 'listening' from here on.
   */
  start(to: RoomInputs): void {
    const room = this.room.room;
    const onTrack = (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) =>
      this.#onTrack(track, pub, p, to);
    room
      .on(RoomEvent.TrackSubscribed, onTrack)
      .on(RoomEvent.ParticipantConnected, (p) => {
        if (!isHuman(p)) return;
        this.#log.info({ participant: p.identity }, 'participant joined');
        to.joined(personOf(p));
      })
      .on(RoomEvent.ParticipantDisconnected, (p) => {
        this.#log.info({ participant: p.identity }, 'participant left');
        // The microphones heard from this participant, also those whose publication rtc-node
        // dropped before this event: their streams do not always end by themselves.
        const heard = this.#heardFrom.get(p.sid ?? '') ?? [];
        this.#heardFrom.delete(p.sid ?? '');
        to.left(p.identity, [...new Set([...p.trackPublications.keys(), ...heard])]);
        this.#hearing.remove(p.identity);
      });
    room.registerTextStreamHandler(CHAT_TOPIC, (reader, { identity }) => {
      // A stream its sender left in the middle of rejects: an unhandled rejection would end
      // the process (every room in it), so it is logged and dropped.
      reader.readAll().then(
        (raw) => this.#onChat(identity, reader.info, raw, to),
        (err: unknown) =>
          this.#log.info({ participant: identity, err: errorFields(err) }, 'typed message lost'),
      );
    });
    room.localParticipant!.registerRpcMethod(INTERRUPT_RPC, async (data) =>
      to.interrupt(data.callerIdentity) ? 'ok' : 'idle',
    );
    room.localParticipant!.registerRpcMethod(CONTEXT_RPC, (data) =>
      to.updateContext(data.callerIdentity, data.payload),
    );
    // People already in the room when the agent arrived, and tracks subscribed during the join.
    for (const p of this.room.humans()) {
      for (const pub of p.trackPublications.values()) {
        if (pub.track && pub.subscribed) onTrack(pub.track as RemoteTrack, pub, p);
      }
      to.joined(personOf(p));
    }
    this.room.setState('listening');
  }

  /** Humans in the room now. */
  humans(): RoomPerson[] {
    return this.room.humans().map(personOf);
  }

  /** Leaves the room (its reports stopped when it ended). */
  async close(): Promise<void> {
    await this.room.leave();
  }

  #onTrack(
    track: RemoteTrack,
    pub: RemoteTrackPublication,
    p: RemoteParticipant,
    to: RoomInputs,
  ): void {
    if (track.kind !== TrackKind.KIND_AUDIO || pub.source !== TrackSource.SOURCE_MICROPHONE) return;
    const trackSid = pub.sid ?? '';
    if (!isHuman(p) || to.hears(p.identity, trackSid)) return;
    this.#log.info({ participant: p.identity, trackSid }, 'listening to microphone');
    const sid = p.sid ?? '';
    this.#heardFrom.set(sid, [...(this.#heardFrom.get(sid) ?? []), trackSid]);
    this.#hearing.set(p.identity, { active: false, dbfs: -100 });
    to.microphone({ person: personOf(p), trackSid, track });
  }

  /**
   * A typed message arrived from a person in the room: its sender gets a receipt for every copy,
   * and a copy of one taken already (the page resent it) is not answered again. From a sender
   * not (yet) known, nothing is confirmed or taken, so that the page's resend can still be.
   */
  #onChat(identity: string, stream: TextStreamInfo, raw: string, to: RoomInputs): void {
    const sender = this.room.room.remoteParticipants.get(identity);
    if (!sender || !isHuman(sender)) return;
    this.room
      .chatReceipt(identity, stream.streamId)
      .catch((err: unknown) =>
        this.#log.debug({ participant: identity, err: errorFields(err) }, 'no receipt sent'),
      );
    if (!this.#copies.first(identity, stream.streamId, stream.attributes)) {
      this.#log.info({ participant: identity }, 'a resent typed message, taken already');
      return;
    }
    const text = raw.trim();
    if (!text) return;
    if (text.length > MAX_CHAT_CHARS) {
      this.#log.warn(
        { participant: identity, chars: text.length },
        'typed message too long, ignored',
      );
      return;
    }
    to.typed(personOf(sender), text);
  }
}

function personOf(p: RemoteParticipant): RoomPerson {
  return { identity: p.identity, name: nameOf(p) };
}
