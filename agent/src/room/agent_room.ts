import { ParticipantKind, Room, RoomEvent } from '@livekit/rtc-node';
import type { RemoteParticipant } from '@livekit/rtc-node';
import { ParticipantInfo_Kind } from '@livekit/protocol';
import type { RoomServiceClient } from 'livekit-server-sdk';
import {
  AGENT_STATE_ATTRIBUTE,
  CHAT_RECEIPT_TOPIC,
  METRICS_TOPIC,
  TRANSCRIPTION_FINAL,
  TRANSCRIPTION_SEGMENT_ID,
  TRANSCRIPTION_SPEAKER,
  TRANSCRIPTION_TOPIC,
  TRANSCRIPTION_TRACK_ID,
} from '@voice-agent/common';
import type { AgentState, TurnMetrics } from '@voice-agent/common';
import type { Logger } from '../log.js';
import type { RoomPerson } from './person.js';
import { VoiceTrack } from './voice_track.js';

/**
 * The agent's presence in one room: its connection, its voice track, and the LiveKit
 * conventions front ends read (agent state, transcripts).
 */
export class AgentRoom {
  readonly room: Room;
  /** The agent's voice: published at join, withdrawn while idle (room/voice_track.ts). */
  readonly voice: VoiceTrack;
  #state: AgentState | undefined;
  #segment = 0;
  #hasListener: Promise<void>;
  #humansBusy: () => boolean = () => false;

  private constructor(room: Room, voiceIdleMs: number, log: Logger) {
    this.room = room;
    this.#hasListener = new Promise<void>((resolve) =>
      room.once(RoomEvent.LocalTrackSubscribed, () => resolve()),
    );
    this.voice = new VoiceTrack(room, {
      idleMs: voiceIdleMs,
      hasListeners: () => this.humans().length > 0,
      // Not while a reply is thought of or spoken, or someone is mid-turn.
      wanted: () => this.#state !== 'listening' || this.#humansBusy(),
      log,
    });
  }

  /** Joins and publishes the voice; `voiceIdleMs` of silence withdraws it (0: never). */
  static async join(
    url: string,
    token: string,
    opts: { voiceIdleMs: number; log: Logger },
  ): Promise<AgentRoom> {
    const room = new Room();
    await room.connect(url, token, { autoSubscribe: true, dynacast: false });
    const agentRoom = new AgentRoom(room, opts.voiceIdleMs, opts.log);
    try {
      await agentRoom.voice.publish();
      agentRoom.setState('initializing');
      return agentRoom;
    } catch (err) {
      await agentRoom.voice.close();
      await room.disconnect();
      throw err;
    }
  }

  /** Tells the voice who is mid-turn (their reply may come): it stays published meanwhile. */
  holdVoiceWhile(humansBusy: () => boolean): void {
    this.#humansBusy = humansBusy;
  }

  get name(): string {
    return this.room.name ?? '';
  }

  /** Humans in the room now (other agents are not people to talk to). */
  humans(): RemoteParticipant[] {
    return [...this.room.remoteParticipants.values()].filter(isHuman);
  }

  /** Resolves once someone subscribes to the agent's voice, or after `timeoutMs`. */
  whenHeard(timeoutMs: number): Promise<void> {
    return Promise.race([this.#hasListener, new Promise<void>((r) => setTimeout(r, timeoutMs))]);
  }

  /**
   * Publishes `lk.agent.state` without waiting. The room sees the attribute at once, but the
   * server's acknowledgement sometimes takes 5 s (measured: 1 to 3 turns in 30 started that much
   * late while replies awaited it), so nothing on the reply path may wait for it. A failed write
   * is dropped; the next state corrects it.
   */
  setState(state: AgentState): void {
    if (this.#state === state) return;
    this.#state = state;
    void this.setAttributes({ [AGENT_STATE_ATTRIBUTE]: state }).catch(() => undefined);
  }

  async setAttributes(attributes: Record<string, string>): Promise<void> {
    if (!this.room.isConnected) return;
    await this.room.localParticipant?.setAttributes(attributes);
  }

  /**
   * A stream of the agent's words on `lk.transcription`, opened at the first word and written
   * word by word as the audio plays (the Speaker paces it); close() ends it.
   */
  agentTranscript(): { write(word: string): void; close(): Promise<void> } {
    const attributes = {
      [TRANSCRIPTION_SEGMENT_ID]: `agent-${this.voice.trackSid}-${++this.#segment}`,
      [TRANSCRIPTION_TRACK_ID]: this.voice.trackSid,
      [TRANSCRIPTION_FINAL]: 'true',
    };
    let writer: ReturnType<NonNullable<Room['localParticipant']>['streamText']> | undefined;
    let chain: Promise<unknown> = Promise.resolve();
    return {
      write: (word) => {
        writer ??= this.room.localParticipant!.streamText({
          topic: TRANSCRIPTION_TOPIC,
          attributes,
        });
        const opened = writer;
        chain = chain.then(async () => (await opened).write(word)).catch(() => undefined);
      },
      close: async () => {
        if (!writer) return;
        const opened = writer;
        await chain;
        await (await opened).close().catch(() => undefined);
      },
    };
  }

  /**
   * A person's words on `lk.transcription`, sent by the agent on their behalf (with them as the
   * sender): the interim text so far (final false) or the final text of one utterance, one stream
   * per update, all with the utterance's segment id so front ends replace interim text in place.
   */
  async userTranscript(t: {
    identity: string;
    trackSid: string;
    segmentId: string;
    text: string;
    final: boolean;
  }): Promise<void> {
    if (!this.room.isConnected) return;
    // Sent as the person (the server lets an agent do so, and marks the stream generated), as
    // LiveKit's own agents do: LiveKit's front ends label a transcript by its sender.
    const writer = await this.room.localParticipant!.streamText({
      topic: TRANSCRIPTION_TOPIC,
      senderIdentity: t.identity,
      attributes: {
        [TRANSCRIPTION_SEGMENT_ID]: t.segmentId,
        [TRANSCRIPTION_TRACK_ID]: t.trackSid,
        [TRANSCRIPTION_FINAL]: String(t.final),
        [TRANSCRIPTION_SPEAKER]: t.identity,
      },
    });
    await writer.write(t.text);
    await writer.close();
  }

  /** One turn's latency breakdown, to everyone in the room. */
  async sendMetrics(metrics: TurnMetrics): Promise<void> {
    if (!this.room.isConnected) return;
    await this.room.localParticipant!.sendText(JSON.stringify(metrics), { topic: METRICS_TOPIC });
  }

  /** Tells `identity` that its typed message `streamId` arrived (the page resends it otherwise). */
  async chatReceipt(identity: string, streamId: string): Promise<void> {
    if (!this.room.isConnected) return;
    await this.room.localParticipant!.sendText(streamId, {
      topic: CHAT_RECEIPT_TOPIC,
      destinationIdentities: [identity],
    });
  }

  async leave(): Promise<void> {
    await this.voice.close();
    await this.room.disconnect();
  }
}

export function isHuman(p: RemoteParticipant): boolean {
  return p.kind !== ParticipantKind.AGENT;
}

/** The humans in a room, as the server lists them (for a job that has not joined it yet). */
export function humansIn(
  rooms: Pick<RoomServiceClient, 'listParticipants'>,
): (room: string) => Promise<RoomPerson[]> {
  return async (room) =>
    (await rooms.listParticipants(room))
      .filter((p) => p.kind !== ParticipantInfo_Kind.AGENT)
      .map((p) => ({ identity: p.identity, name: p.name }));
}
