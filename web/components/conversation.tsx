'use client';

import type { TurnMetrics } from '@voice-agent/common/conventions';
import type { Room } from 'livekit-client';
import type { AgentView } from '../lib/agent';
import type { TranscriptEntry } from '../lib/transcript';
import { AgentPanel } from './agent-panel';
import { ChatForm } from './chat-form';
import { TranscriptView } from './transcript-view';
import { useAgentControls } from './use-agent-controls';

/**
 * The talking part of the page: the agent's state and last turn's latency, Interrupt, the live
 * transcript and the text box. Rendered once per joined room (keyed), so errors do not outlive it.
 */
export function Conversation({
  active,
  room,
  connected,
  self,
  agent,
  entries,
  metrics,
  onSent,
}: {
  /** Joined or joining; after leaving only the transcript stays. */
  active: boolean;
  room: Room | undefined;
  connected: boolean;
  self: string | undefined;
  agent: AgentView | undefined;
  entries: readonly TranscriptEntry[];
  metrics: TurnMetrics | undefined;
  onSent: (room: Room, streamId: string, text: string) => void;
}) {
  const controls = useAgentControls(room, agent?.identity, onSent);
  return (
    <div className="conversation">
      {active && (
        <AgentPanel
          agent={agent}
          metrics={metrics}
          connected={connected}
          interrupting={controls.interrupting}
          interruptResult={controls.interruptResult}
          interruptError={controls.interruptError}
          onInterrupt={() => void controls.interrupt()}
        />
      )}
      <TranscriptView entries={entries} self={self} />
      {active && (
        <ChatForm
          connected={connected}
          sending={controls.sending}
          error={controls.chatError}
          onSend={controls.send}
          onEdit={controls.clearChatError}
        />
      )}
    </div>
  );
}
