'use client';

import type { ReceivedChatMessage } from '@livekit/components-react';
import {
  CHAT_RESEND_OF,
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
  /** Registers the room's transcript handler (empties the transcript); returns cleanup. */
  attach(room: Room): () => void;
  /** Shows a typed `lk.chat` message (sent or received; useChat's list), once per id. */
  addChatMessage(room: Room, message: ReceivedChatMessage): void;
}

/**
 * The live transcript of a room: `lk.transcription` streams (the agent's words paced as spoken,
 * people's words sent by the agent with them as the sender) and typed messages, merged by segment.
 *
 * Kept instead of LiveKit's `useTranscriptions`, which does not do all of this: it has no signal
 * that a stream ended (so no `final` for the agent's words, whose stream says final from its
 * first chunk and stays open while they are spoken), lets a late interim stream overwrite a final
 * segment, keeps every segment forever, and cannot merge typed messages into the same order.
 * livekit-client allows one handler per topic, so the page cannot run both on `lk.transcription`.
 * Typed messages come from LiveKit's `useChat` (see `addChatMessage`).
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

    room.registerTextStreamHandler(TRANSCRIPTION_TOPIC, (reader, { identity }) => {
      void follow(reader, identity);
    });
    return () => {
      live = false;
      room.unregisterTextStreamHandler(TRANSCRIPTION_TOPIC);
    };
  }, []);

  const addChatMessage = useCallback((room: Room, message: ReceivedChatMessage) => {
    const speaker = message.from?.identity ?? '';
    const sender = speaker ? room.getParticipantByIdentity(speaker) : undefined;
    dispatch({
      type: 'chat-message',
      // A resent copy (the agent did not confirm the first send) shows as the first send; by
      // sender, so that nobody can hide someone else's message by naming its id.
      streamId: `${speaker}/${message.attributes?.[CHAT_RESEND_OF] ?? message.id}`,
      speaker,
      speakerName: speaker ? displayName(room, speaker) : 'someone',
      fromAgent: sender ? isAgentParticipant(sender) : false,
      text: message.message.trim(),
      // Seen now: the sender's clock may disagree with the times of the transcript entries.
      atMs: Date.now(),
    });
  }, []);

  return { entries: state.entries, attach, addChatMessage };
}
