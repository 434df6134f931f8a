/** Typed messages (`lk.chat`): what the page accepts before sending. */

import { MAX_CHAT_CHARS } from '@voice-agent/common/conventions';

export { MAX_CHAT_CHARS };

export type ChatCheck = { ok: true; text: string } | { ok: false; error: string };

/** Trims the draft; refuses an empty one and one longer than {@link MAX_CHAT_CHARS}. */
export function checkChatMessage(draft: string): ChatCheck {
  const text = draft.trim();
  if (text === '') return { ok: false, error: 'Type a message first.' };
  if (text.length > MAX_CHAT_CHARS) {
    return {
      ok: false,
      error: `Messages can be at most ${MAX_CHAT_CHARS} characters; this one has ${text.length}.`,
    };
  }
  return { ok: true, text };
}
