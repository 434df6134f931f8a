'use client';

import {
  RoomContext,
  useChat,
  useRemoteParticipants,
  useVoiceAssistant,
} from '@livekit/components-react';
import type { ReceivedChatMessage } from '@livekit/components-react';
import { REPLY_POLICY_ATTRIBUTE } from '@voice-agent/common/conventions';
import type { Room } from 'livekit-client';
import { useEffect, useRef } from 'react';
import { addressHint, findAgent } from '../lib/agent';
import type { TranscriptEntry } from '../lib/transcript';
import { AgentPanel } from './agent-panel';
import { ChatForm } from './chat-form';
import { LatencyPanel } from './latency-panel';
import { TranscriptView } from './transcript-view';
import { useAgentControls } from './use-agent-controls';
import { useTurnMetrics } from './use-turn-metrics';

type AddChatMessage = (room: Room, message: ReceivedChatMessage) => void;

/**
 * The talking part of the page. While joined (or joining), the room goes into LiveKit's
 * RoomContext and LiveConversation shows the agent, the latency panel, the transcript and the
 * text box; after leaving only the transcript stays. Rendered once per joined room (keyed), so
 * errors do not outlive it.
 */
export function Conversation({
  room,
  connected,
  self,
  entries,
  addChatMessage,
}: {
  /** The room while joined or joining; undefined after leaving. */
  room: Room | undefined;
  connected: boolean;
  self: string | undefined;
  entries: readonly TranscriptEntry[];
  addChatMessage: AddChatMessage;
}) {
  if (!room) {
    return (
      <div className="conversation">
        <TranscriptView entries={entries} self={self} />
      </div>
    );
  }
  return (
    <RoomContext.Provider value={room}>
      <LiveConversation
        room={room}
        connected={connected}
        self={self}
        entries={entries}
        addChatMessage={addChatMessage}
      />
    </RoomContext.Provider>
  );
}

function LiveConversation({
  room,
  connected,
  self,
  entries,
  addChatMessage,
}: {
  room: Room;
  connected: boolean;
  self: string | undefined;
  entries: readonly TranscriptEntry[];
  addChatMessage: AddChatMessage;
}) {
  const assistant = useVoiceAssistant();
  // The agent's attributes are read from the participant at each render (this hook renders on
  // every attribute change). useVoiceAssistant's copy of them can miss an update that lands
  // between its render and its subscription, and an agent that has nothing to say sets no more:
  // the page then showed no state for good (seen when a room reopened to an agent that had
  // greeted its people already).
  const participants = useRemoteParticipants();
  const agent = findAgent(participants);
  const agentAttributes = participants.find((p) => p.identity === agent?.identity)?.attributes;
  const metrics = useTurnMetrics();

  // Typed messages, sent and received, with LiveKit's useChat; shown in the transcript in order.
  const { chatMessages, send } = useChat();
  const shown = useRef(new Set<string>());
  useEffect(() => {
    for (const m of chatMessages) {
      if (shown.current.has(m.id)) continue;
      shown.current.add(m.id);
      addChatMessage(room, m);
    }
  }, [chatMessages, room, addChatMessage]);

  const controls = useAgentControls(room, agent?.identity, send);
  return (
    <div className="conversation">
      <AgentPanel
        agent={agent}
        voice={assistant}
        addressHint={addressHint(agent, agentAttributes?.[REPLY_POLICY_ATTRIBUTE])}
        connected={connected}
        interrupting={controls.interrupting}
        interruptResult={controls.interruptResult}
        interruptError={controls.interruptError}
        onInterrupt={() => void controls.interrupt()}
      />
      <LatencyPanel turns={metrics.turns} />
      <TranscriptView entries={entries} self={self} />
      <ChatForm
        connected={connected}
        sending={controls.sending}
        error={controls.chatError}
        onSend={controls.send}
        onEdit={controls.clearChatError}
      />
    </div>
  );
}
