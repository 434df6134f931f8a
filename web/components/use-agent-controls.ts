'use client';

import { CHAT_RECEIPT_TOPIC, INTERRUPT_RPC } from '@voice-agent/common/conventions';
import { ConnectionState, type Room } from 'livekit-client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { checkChatMessage } from '../lib/chat';
import {
  CHAT_SENDS,
  ChatReceipts,
  deliverChat,
  type ChatSends,
  type SendChat,
} from '../lib/chat-delivery';

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
  /**
   * Sends a typed message; resolves true when the agent confirmed it (or there is no agent to
   * confirm it yet): the draft can be cleared.
   */
  send(draft: string): Promise<boolean>;
  clearChatError(): void;
}

/**
 * The person's controls over the agent: stop its reply (`voice_agent.interrupt` RPC) and type to
 * it through `sendChat` (LiveKit's `useChat().send`, which also shows the message in its list),
 * resending a message the agent does not confirm (see lib/chat-delivery).
 *
 * Kept: the Interrupt RPC is our agent's own method, one `performRpc` on the room (LiveKit's beta
 * `useRpc` registers a handler, or calls out only through its `useSession`, which the page does
 * not use); and the typed message is checked (empty, over MAX_CHAT_CHARS) and a failure shown
 * around `useChat`'s send, which does neither.
 */
export function useAgentControls(
  room: Room | undefined,
  agentIdentity: string | undefined,
  sendChat: SendChat,
): UseAgentControls {
  const [interrupting, setInterrupting] = useState(false);
  const [interruptResult, setInterruptResult] = useState<string | undefined>(undefined);
  const [interruptError, setInterruptError] = useState<string | undefined>(undefined);
  const [sending, setSending] = useState(false);
  const [chatError, setChatError] = useState<string | undefined>(undefined);
  const [receipts] = useState(() => new ChatReceipts());
  /** The last message given up on (no receipt), while it may be sent again. */
  const unconfirmed = useRef<{ text: string; sends: ChatSends } | undefined>(undefined);
  const agent = useRef(agentIdentity);
  agent.current = agentIdentity;

  useEffect(() => {
    if (!room) return;
    room.registerTextStreamHandler(CHAT_RECEIPT_TOPIC, (reader, { identity }) => {
      // Only the agent confirms: anyone else's "receipt" would stop a resend.
      if (identity !== agent.current) return;
      reader.readAll().then(
        (id) => {
          receipts.add(id);
          // A late receipt for the message given up on: it did arrive after all.
          if (unconfirmed.current?.sends.ids.includes(id)) setChatError(undefined);
        },
        () => undefined,
      );
    });
    return () => room.unregisterTextStreamHandler(CHAT_RECEIPT_TOPIC);
  }, [room, receipts]);

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
        // With no agent in the room yet nobody can confirm it: sent is all there is to know.
        if (agentIdentity === undefined) {
          await sendChat(check.text);
          return true;
        }
        const earlier =
          unconfirmed.current?.text === check.text ? unconfirmed.current.sends : undefined;
        const { confirmed, sends } = await deliverChat(check.text, sendChat, receipts, {
          online: () => room.state === ConnectionState.Connected,
          earlier,
        });
        unconfirmed.current = confirmed ? undefined : { text: check.text, sends };
        if (confirmed) return true;
        setChatError(
          `The agent did not confirm the message (sent ${CHAT_SENDS} times). ` +
            'It is still in the box: send it again.',
        );
        return false;
      } catch (err) {
        setChatError(`Could not send the message: ${messageOf(err)}`);
        return false;
      } finally {
        setSending(false);
      }
    },
    [room, agentIdentity, sendChat, receipts],
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
