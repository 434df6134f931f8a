import { CHAT_RESEND_OF } from '@voice-agent/common';

/** How many typed messages a room remembers to tell a resent copy from a new message. */
const REMEMBERED = 512;

/**
 * Typed messages already taken, so that a message the page resent (its receipt was late or lost)
 * is answered once. A copy names the first send's stream id in `CHAT_RESEND_OF`; the first send
 * is its own id. Either copy may arrive first: a first send kept by the page's SDK through a
 * reconnect can arrive after its resend.
 */
export class MessageCopies {
  readonly #taken = new Set<string>();

  /** True for the first copy of a message from `sender`; false for a copy already taken. */
  first(sender: string, streamId: string, attributes: Record<string, string> = {}): boolean {
    const key = `${sender}\n${attributes[CHAT_RESEND_OF] ?? streamId}`;
    if (this.#taken.has(key)) return false;
    this.#taken.add(key);
    if (this.#taken.size > REMEMBERED) {
      this.#taken.delete(this.#taken.values().next().value!);
    }
    return true;
  }
}
