'use client';

import {
  CHAT_TOPIC,
  TRANSCRIPTION_TOPIC,
  TRANSCRIPTION_TRACK_ID,
} from '@voice-agent/common/conventions';
import type { Room, TextStreamReader } from 'livekit-client';
import { useCallback, useReducer } from 'react';
import { isAgentParticipant } from '../lib/participants';
import {
  describeTranscriptStream,
  EMPTY_TRANSCRIPT,
  isInterim,
  type TranscriptAction,
  type TranscriptEntry,
  transcriptReducer,
} from '../lib/transcript';

/** The display name of `identity` in `room`, or the identity when it is not (or no longer) there. */
export function displayName(room: Room, identity: string): string {
  const p =
    room.localParticipant.identity === identity
      ? room.localParticipant
      : room.remoteParticipants.get(identity);
  return p?.name || identity;
}

/** Identity of the participant that published the track `trackSid`, if still in the room. */
function trackOwner(room: Room, trackSid: string | undefined): string | undefined {
  if (!trackSid) return undefined;
  for (const p of [room.localParticipant, ...room.remoteParticipants.values()]) {
    if (p.trackPublications.has(trackSid)) return p.identity;
  }
  return undefined;
}

export interface UseTranscript {
  entries: readonly TranscriptEntry[];
  /** Registers the room's transcript and chat handlers (empties the transcript); returns cleanup. */
  attach(room: Room): () => void;
  /** Shows a message the local person sent on `lk.chat` (their own sends are not echoed back). */
  addOwnMessage(room: Room, streamId: string, text: string): void;
}

/**
 * The live transcript of a room: `lk.transcription` streams (the agent's words paced as spoken,
 * people's words sent by the agent on their behalf) and `lk.chat` messages, merged by segment.
 */
export function useTranscript(): UseTranscript {
  const [state, dispatch] = useReducer(transcriptReducer, EMPTY_TRANSCRIPT);

  const attach = useCallback((room: Room) => {
    let live = true;
    const send = (action: TranscriptAction) => {
      if (live) dispatch(action);
    };
    dispatch({ type: 'reset' });

    async function follow(reader: TextStreamReader, sender: string) {
      const { id: streamId, attributes = {} } = reader.info;
      const senderParticipant = room.getParticipantByIdentity(sender);
      const about = describeTranscriptStream({
        sender,
        senderIsAgent: senderParticipant ? isAgentParticipant(senderParticipant) : false,
        streamId,
        attributes,
        trackOwner: trackOwner(room, attributes[TRANSCRIPTION_TRACK_ID]),
      });
      const ref = { key: about.key, streamId };
      send({
        type: 'stream-opened',
        ...ref,
        speaker: about.speaker,
        speakerName: displayName(room, about.speaker),
        fromAgent: about.fromAgent,
        interim: about.interim,
        atMs: Date.now(),
      });
      try {
        // Each chunk is a delta: the agent writes its words as they are played.
        for await (const text of reader) {
          if (!live) return;
          send({ type: 'stream-text', ...ref, text });
        }
        // The trailer's attributes (e.g. lk.transcription_final) are merged into info by now.
        send({ type: 'stream-closed', ...ref, interim: isInterim(reader.info.attributes) });
      } catch {
        send({ type: 'stream-failed', ...ref });
      }
    }

    async function readChat(reader: TextStreamReader, sender: string) {
      const atMs = Date.now();
      const senderParticipant = room.getParticipantByIdentity(sender);
      try {
        const text = (await reader.readAll()).trim();
        send({
          type: 'chat-message',
          streamId: reader.info.id,
          speaker: sender,
          speakerName: displayName(room, sender),
          fromAgent: senderParticipant ? isAgentParticipant(senderParticipant) : false,
          text,
          atMs,
        });
      } catch {
        // A message that did not arrive whole is not shown.
      }
    }

    room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, { identity }) => {
      void follow(reader, identity);
    });
    room.registerTextStreamHandler(CHAT_TOPIC, (reader, { identity }) => {
      void readChat(reader, identity);
    });
    return () => {
      live = false;
      room.unregisterTextStreamHandler(TRANSCRIPTION_TOPIC);
      room.unregisterTextStreamHandler(CHAT_TOPIC);
    };
  }, []);

  const addOwnMessage = useCallback((room: Room, streamId: string, text: string) => {
    const identity = room.localParticipant.identity;
    dispatch({
      type: 'chat-message',
      streamId,
      speaker: identity,
      speakerName: displayName(room, identity),
      fromAgent: false,
      text,
      atMs: Date.now(),
    });
  }, []);

  return { entries: state.entries, attach, addOwnMessage };
}
