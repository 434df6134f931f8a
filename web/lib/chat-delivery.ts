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

/** One message's sends: the first send's stream id, and every copy's. */
export interface ChatSends {
  first: string;
  ids: string[];
}

export interface DeliverOptions {
  waitMs?: number;
  sends?: number;
  /** False while the page is cut off from the room: the wait for a receipt goes on meanwhile. */
  online?: () => boolean;
  /** The same message sent before without a receipt: this is one more copy of it. */
  earlier?: ChatSends | undefined;
}

/**
 * Sends `text` until the agent confirms one of its copies, at most `sends` times. `confirmed`
 * false: no receipt came (the caller keeps the draft, and passes `sends` back as `earlier` when
 * the person sends it again). A failed send throws.
 */
export async function deliverChat(
  text: string,
  send: SendChat,
  receipts: ChatReceipts,
  {
    waitMs = RECEIPT_WAIT_MS,
    sends = CHAT_SENDS,
    online = () => true,
    earlier,
  }: DeliverOptions = {},
): Promise<{ confirmed: boolean; sends: ChatSends }> {
  const copy = async (resendOf: string | undefined) =>
    (
      await send(
        text,
        resendOf === undefined ? undefined : { attributes: { [CHAT_RESEND_OF]: resendOf } },
      )
    ).id;
  const ids = [...(earlier?.ids ?? [])];
  const id = await copy(earlier?.first);
  ids.push(id);
  const all = { first: earlier?.first ?? id, ids };
  for (let sent = 1; ; sent++) {
    // A wait that ends while the page is cut off goes on: the copies are queued, not lost.
    for (;;) {
      if (await receipts.wait(ids, waitMs)) return { confirmed: true, sends: all };
      if (online()) break;
    }
    if (sent >= sends) return { confirmed: false, sends: all };
    ids.push(await copy(all.first));
  }
}
