'use client';

import {
  ConnectionState,
  DisconnectReason,
  type RemoteParticipant,
  type RemoteTrack,
  type RemoteTrackPublication,
  Room,
  RoomEvent,
  Track,
} from 'livekit-client';
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { AudioMeter } from '../lib/audio-meter';
import type { PeakStats } from '../lib/audio-peak';
import { fetchToken, keepRejoinTicket, keptRejoinTicket } from '../lib/join';
import { describeParticipants, type ParticipantView } from '../lib/participants';

export type UiConnectionState = 'disconnected' | 'connecting' | 'connected';

declare global {
  interface Window {
    /** The current room, for debugging from the console and for the e2e tests. */
    __voiceAgent?: { room: Room };
  }
}

function uiState(state: ConnectionState): UiConnectionState {
  switch (state) {
    case ConnectionState.Connected:
      return 'connected';
    case ConnectionState.Disconnected:
      return 'disconnected';
    default:
      return 'connecting';
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One joined room: its Room, the audio elements that play it, and the meter that measures it. */
interface Session {
  room: Room;
  audioContext: AudioContext;
  meter: AudioMeter;
  /** Set by `leave`: errors after it are not the user's concern. */
  left: boolean;
  /** Undoes what `onRoom` set up on the room. */
  detach: () => void;
}

/**
 * Called with each new Room before it connects (text-stream handlers registered here miss no
 * stream); returns its cleanup, run when the room is left. Keep it stable (useCallback).
 */
export type RoomSetup = (room: Room) => () => void;

function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

export interface VoiceRoomState {
  connection: UiConnectionState;
  /** The room joined (or being joined) and our identity in it. */
  joined: { room: string; identity: string | undefined } | undefined;
  participants: ParticipantView[];
  /** The livekit-client Room while joined (or joining). */
  room: Room | undefined;
  /** Received-audio peaks by participant identity. */
  levels: Readonly<Record<string, PeakStats>>;
  error: string | undefined;
  /** The browser blocked playback; `startAudio` (from a click) unblocks it. */
  audioBlocked: boolean;
  /** Joins `room` as `name`; `persona` is for the room's agent if this join creates the room. */
  join(name: string, room: string, persona?: string): Promise<void>;
  leave(): Promise<void>;
  startAudio(): Promise<void>;
}

/**
 * Joins a LiveKit room with the microphone, plays every remote audio track through an `<audio>`
 * element appended to `audioContainer`, and keeps a view of the participants.
 *
 * Kept instead of LiveKit's `LiveKitRoom` / `useLiveKitRoom` (the page hands the Room to LiveKit's
 * `RoomContext` for its hooks): the join asks our token route first (name, room, persona) from
 * the click, creates the AudioContext in that click so the browser lets it run, registers the
 * text-stream handlers before connecting so no stream is missed, measures every received track
 * (the participant list's audio test hooks), and tells token, connection and microphone errors
 * apart. `LiveKitRoom` connects from props and plays audio its own way, with none of these.
 */
export function useVoiceRoom(
  audioContainer: RefObject<HTMLElement | null>,
  onRoom: RoomSetup,
): VoiceRoomState {
  const [connection, setConnection] = useState<UiConnectionState>('disconnected');
  const [joined, setJoined] = useState<VoiceRoomState['joined']>(undefined);
  const [participants, setParticipants] = useState<ParticipantView[]>([]);
  const [currentRoom, setCurrentRoom] = useState<Room | undefined>(undefined);
  const [levels, setLevels] = useState<Record<string, PeakStats>>({});
  const [error, setError] = useState<string | undefined>(undefined);
  const [audioBlocked, setAudioBlocked] = useState(false);
  const session = useRef<Session | undefined>(undefined);

  const close = useCallback(
    async (s: Session) => {
      if (session.current === s) session.current = undefined;
      s.room.removeAllListeners();
      s.detach();
      s.meter.close();
      try {
        await s.room.disconnect();
      } catch {
        // Already gone: nothing left to release on the server side.
      }
      await s.audioContext.close().catch(() => undefined);
      for (const el of audioContainer.current?.querySelectorAll('audio') ?? []) {
        el.srcObject = null;
        el.remove();
      }
      if (window.__voiceAgent?.room === s.room) delete window.__voiceAgent;
      setConnection('disconnected');
      setJoined(undefined);
      setParticipants([]);
      setCurrentRoom((r) => (r === s.room ? undefined : r));
      setLevels({});
      setAudioBlocked(false);
    },
    [audioContainer],
  );

  const join = useCallback(
    async (name: string, roomName: string, persona?: string) => {
      if (session.current) return;
      setError(undefined);
      setConnection('connecting');
      setJoined({ room: roomName, identity: undefined });

      // Created inside the click handler, before any await, so the browser lets it run.
      const audioContext = new AudioContext();
      const resumed = audioContext.resume().catch(() => undefined);
      const meter = new AudioMeter(audioContext, (identity, stats) =>
        setLevels((prev) => ({ ...prev, [identity]: stats })),
      );
      const room = new Room();
      const s: Session = { room, audioContext, meter, left: false, detach: () => undefined };
      session.current = s;
      window.__voiceAgent = { room };
      s.detach = onRoom(room);
      setCurrentRoom(room);

      const refresh = () => {
        setParticipants(
          describeParticipants(room.localParticipant, room.remoteParticipants.values()),
        );
      };
      room
        .on(RoomEvent.ConnectionStateChanged, (state) => {
          setConnection(uiState(state));
          refresh();
        })
        .on(RoomEvent.ParticipantConnected, refresh)
        .on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
          setLevels((prev) => without(prev, p.identity));
          refresh();
        })
        .on(RoomEvent.ParticipantAttributesChanged, refresh)
        .on(RoomEvent.ParticipantNameChanged, refresh)
        .on(
          RoomEvent.TrackSubscribed,
          (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => {
            if (track.kind !== Track.Kind.Audio) return;
            const el = track.attach();
            el.dataset.identity = p.identity;
            audioContainer.current?.append(el);
            meter.add(pub.trackSid, p.identity, track.mediaStreamTrack);
          },
        )
        .on(RoomEvent.TrackUnsubscribed, (track: RemoteTrack, pub: RemoteTrackPublication) => {
          for (const el of track.detach()) el.remove();
          meter.remove(pub.trackSid);
        })
        .on(RoomEvent.AudioPlaybackStatusChanged, () => setAudioBlocked(!room.canPlaybackAudio))
        .on(RoomEvent.MediaDevicesError, (err: Error) => setError(`microphone: ${err.message}`))
        .on(RoomEvent.Disconnected, (reason?: DisconnectReason) => {
          if (reason !== DisconnectReason.CLIENT_INITIATED) {
            setError(`disconnected from the room (${DisconnectReason[reason ?? 0] ?? reason})`);
          }
          void close(s);
        });

      try {
        const grant = await fetchToken(name, roomName, persona, undefined, keptRejoinTicket());
        keepRejoinTicket(grant.rejoin);
        if (s.left) return;
        setJoined({ room: grant.room, identity: grant.identity });
        await resumed;
        await room.connect(grant.serverUrl, grant.token);
      } catch (err) {
        if (!s.left) setError(messageOf(err));
        await close(s);
        return;
      }
      if (s.left) return;
      refresh();
      try {
        await room.localParticipant.setMicrophoneEnabled(true);
      } catch (err) {
        // Still in the room: the agent can be heard without a microphone.
        setError(`microphone: ${messageOf(err)}`);
      }
      refresh();
    },
    [audioContainer, close, onRoom],
  );

  const leave = useCallback(async () => {
    const s = session.current;
    if (!s) return;
    s.left = true;
    await close(s);
  }, [close]);

  const startAudio = useCallback(async () => {
    const s = session.current;
    if (!s) return;
    try {
      await s.room.startAudio();
      await s.audioContext.resume();
    } catch (err) {
      setError(`audio playback: ${messageOf(err)}`);
    }
  }, []);

  // Leave when the page goes away.
  useEffect(
    () => () => {
      const s = session.current;
      if (!s) return;
      s.left = true;
      void close(s);
    },
    [close],
  );

  return {
    connection,
    joined,
    participants,
    room: currentRoom,
    levels,
    error,
    audioBlocked,
    join,
    leave,
    startAudio,
  };
}
