/**
 * Typed messages the agent confirms. livekit-client resolves a send made during a reconnect once
 * it has queued it for a replay, and a full reconnect never replays it: the message is lost
 * while the page says it was sent. So the page waits for the agent's receipt
 * (`voice_agent.chat_receipt`) and resends a message without one, naming the first send
 * (`voice_agent.resend_of`); the agent answers it once.
 */

import { CHAT_RESEND_OF } from '@voice-agent/common/conventions';

/** How long one send waits for its receipt (one that arrives is back in well under 1 s). */
export const RECEIPT_WAIT_MS = 5_000;
/** Sends of one message before the page gives up and keeps it in the box. */
export const CHAT_SENDS = 3;

/** Receipts that arrived, by stream id, and who waits for which. */
export class ChatReceipts {
  readonly #got = new Set<string>();
  readonly #waiting = new Set<{ ids: readonly string[]; done: () => void }>();

  /** A receipt for stream `id` arrived. */
  add(id: string): void {
    this.#got.add(id);
    for (const w of this.#waiting) if (w.ids.includes(id)) w.done();
  }

  /** True once a receipt for any of `ids` is in; false after `ms` without one. */
  wait(ids: readonly string[], ms: number): Promise<boolean> {
    if (ids.some((id) => this.#got.has(id))) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        ids,
        done: () => {
          clearTimeout(timer);
          this.#waiting.delete(waiter);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.#waiting.delete(waiter);
        resolve(false);
      }, ms);
      this.#waiting.add(waiter);
    });
  }
}

/** Sends a message on `lk.chat` (with `attributes` on a resend); resolves its stream id. */
export type SendChat = (
  text: string,
  options?: { attributes?: Record<string, string> },
) => Promise<{ id: string }>;

/**
 * Sends `text` until the agent confirms one of its copies, at most `sends` times. True when
 * confirmed; false when no receipt came (the caller keeps the draft). A failed send throws.
 */
export async function deliverChat(
  text: string,
  send: SendChat,
  receipts: ChatReceipts,
  { waitMs = RECEIPT_WAIT_MS, sends = CHAT_SENDS } = {},
): Promise<boolean> {
  const first = (await send(text)).id;
  const ids = [first];
  for (let sent = 1; ; sent++) {
    if (await receipts.wait(ids, waitMs)) return true;
    if (sent >= sends) return false;
    ids.push((await send(text, { attributes: { [CHAT_RESEND_OF]: first } })).id);
  }
}
