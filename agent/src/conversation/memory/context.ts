import type { ChatMessage } from '../../providers/types.js';

export interface ContextOptions {
  /** The persona and rules, sent first with every request. */
  instructions: string;
  /** Oldest turns are dropped beyond this many messages (the instructions do not count). */
  maxMessages: number;
}

/**
 * What the LLM sees of one room's conversation: the instructions, then every turn, each user
 * message tagged with the speaker's name ("Ana: ..."), and of the agent's replies only what was
 * actually played out.
 */
export class ChatContext {
  readonly #opts: ContextOptions;
  readonly #messages: ChatMessage[] = [];

  constructor(opts: ContextOptions) {
    this.#opts = opts;
  }

  /** A user turn; consecutive turns of the same person are one message. */
  addUser(speaker: string, text: string): void {
    appendUser(this.#messages, speaker, text);
    this.#trim();
  }

  /** What the agent said, as far as it was heard; nothing is recorded for an empty text. */
  addAgent(text: string): void {
    this.startAgent()(text);
  }

  /**
   * The agent starts speaking: its reply takes its place in the conversation now (turns that
   * come while it speaks, such as an interruption, come after it), and is recorded, as far as
   * it was heard, by calling the function returned. Until then it is not in messages().
   */
  startAgent(): (heard: string) => void {
    const message: ChatMessage = { role: 'assistant', content: '' };
    this.#messages.push(message);
    return (heard) => {
      message.content = heard.trim();
      if (!message.content) {
        const at = this.#messages.indexOf(message);
        if (at >= 0) this.#messages.splice(at, 1);
      }
      this.#trim();
    };
  }

  /**
   * The request body's messages, system first. A copy: later turns do not change it. With
   * `draft`, as if that turn had been added (a reply prepared before the turn is over).
   */
  messages(draft?: { speaker: string; text: string }): ChatMessage[] {
    const messages: ChatMessage[] = [
      { role: 'system', content: this.#opts.instructions },
      // (A reply still being spoken has no content yet: it is not part of any request.)
      ...this.#messages.filter((m) => m.content).map((m) => ({ ...m })),
    ];
    if (draft) appendUser(messages, draft.speaker, draft.text);
    return messages;
  }

  #trim(): void {
    const excess = this.#messages.length - this.#opts.maxMessages;
    if (excess > 0) this.#messages.splice(0, excess);
  }
}

function appendUser(messages: ChatMessage[], speaker: string, text: string): void {
  const last = messages.at(-1);
  if (last?.role === 'user' && last.content.startsWith(`${speaker}: `)) {
    last.content += ` ${text.trim()}`;
  } else {
    messages.push({ role: 'user', content: `${speaker}: ${text.trim()}` });
  }
}
