'use client';

import { INTERRUPT_RPC } from '@voice-agent/common/conventions';
import type { Room } from 'livekit-client';
import { useCallback, useState } from 'react';
import { checkChatMessage } from '../lib/chat';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface UseAgentControls {
  interrupting: boolean;
  /** The agent's answer to the last interrupt: 'ok' (a reply was stopped) or 'idle'. */
  interruptResult: string | undefined;
  interruptError: string | undefined;
  interrupt(): Promise<void>;
  sending: boolean;
  chatError: string | undefined;
  /** Sends a typed message; resolves true when it was sent (the draft can be cleared). */
  send(draft: string): Promise<boolean>;
  clearChatError(): void;
}

/**
 * The person's controls over the agent: stop its reply (`voice_agent.interrupt` RPC) and type to
 * it through `sendChat` (LiveKit's `useChat().send`, which also shows the message in its list).
 *
 * Kept: the Interrupt RPC is our agent's own method, one `performRpc` on the room (LiveKit's beta
 * `useRpc` registers a handler, or calls out only through its `useSession`, which the page does
 * not use); and the typed message is checked (empty, over MAX_CHAT_CHARS) and a failure shown
 * around `useChat`'s send, which does neither.
 */
export function useAgentControls(
  room: Room | undefined,
  agentIdentity: string | undefined,
  sendChat: (text: string) => Promise<unknown>,
): UseAgentControls {
  const [interrupting, setInterrupting] = useState(false);
  const [interruptResult, setInterruptResult] = useState<string | undefined>(undefined);
  const [interruptError, setInterruptError] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const [chatError, setChatError] = useState<string | undefined>(undefined);

  const interrupt = useCallback(async () => {
    if (!room || agentIdentity === undefined) {
      setInterruptError('There is no agent to interrupt.');
      return;
    }
    setInterrupting(true);
    setInterruptError(undefined);
    setInterruptResult(undefined);
    try {
      const result = await room.localParticipant.performRpc({
        destinationIdentity: agentIdentity,
        method: INTERRUPT_RPC,
        payload: '',
      });
      setInterruptResult(result);
    } catch (err) {
      setInterruptError(`Could not interrupt the agent: ${messageOf(err)}`);
    } finally {
      setInterrupting(false);
    }
  }, [room, agentIdentity]);

  const send = useCallback(
    async (draft: string) => {
      const check = checkChatMessage(draft);
      if (!check.ok) {
        setChatError(check.error);
        return false;
      }
      if (!room) {
        setChatError('Join a room first.');
        return false;
      }
      setSending(true);
      setChatError(undefined);
      try {
        await sendChat(check.text);
        return true;
      } catch (err) {
        setChatError(`Could not send the message: ${messageOf(err)}`);
        return false;
      } finally {
        setSending(false);
      }
    },
    [room, sendChat],
  );

  const clearChatError = useCallback(() => setChatError(undefined), []);

  return {
    interrupting,
    interruptResult,
    interruptError,
    interrupt,
    sending,
    chatError,
    send,
    clearChatError,
  };
}
