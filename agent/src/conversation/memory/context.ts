import type { Logger } from '../../log.js';
import { errorFields } from '../../log.js';
import type { ChatMessage } from '../../providers/types.js';
import { roundMessages } from '../tools/round.js';
import type { ToolRound } from '../tools/round.js';
import { MESSAGE_OVERHEAD_TOKENS, estimateTokens } from './tokens.js';

/** Folds turns into a running summary (./summary.ts); rejects when the model fails. */
export type Summarize = (
  previous: string,
  turns: readonly ChatMessage[],
  opts: { maxTokens: number; signal: AbortSignal },
) => Promise<string>;

export interface ContextOptions {
  /** The persona and rules, sent first with every request. */
  instructions: string;
  /** The largest request, in estimated tokens (./tokens.ts). */
  tokenBudget: number;
  /** What every request carries besides its messages (the tools' definitions), in tokens. */
  reservedTokens?: number | undefined;
  /** Folds older turns into the summary; without it, older turns are left out. */
  summarize?: Summarize | undefined;
  /** Applied to every person's words before they are kept (AGENT_REDACT=llm). */
  redact?: ((text: string) => string) | undefined;
  log?: Logger | undefined;
}

/** A conversation as one job leaves it to the next (ChatContext.snapshot). */
export interface ContextSnapshot {
  instructions: string;
  facts: string[];
  summary: string;
  /** Each finished turn's messages in order (a reply: its tool rounds, then its words). */
  turns: ChatMessage[][];
}

/** The last turns, always sent whole. */
export const KEEP_RECENT = 6;
/** A fold starts when a request would be this share of the budget. */
export const FOLD_AT = 0.7;
/** The instructions' largest share of the budget (the configuration refuses more). */
export const INSTRUCTIONS_SHARE = 0.4;
/** The summary's share of the budget. */
export const SUMMARY_SHARE = 0.2;
/** After a failed fold, this many more messages before the next try. */
const FOLD_RETRY_AFTER = 4;
/** Turns waiting for a fold beyond this many budgets are dropped, oldest first. */
const UNFOLDED_LIMIT = 2;

interface Entry {
  message: ChatMessage;
  /** A reply's tool calls and their results, before its words: kept, sent and folded with it. */
  tools: ChatMessage[];
  tokens: number;
  /** A reply still being spoken is not finished (and not sent, nor folded). */
  finished: boolean;
}

/**
 * What the LLM sees of one room's conversation: the instructions and any facts added since,
 * the summary of earlier turns, then the turns themselves, each user message tagged with the
 * speaker's name ("Ana: ..."), and of the agent's replies only what was actually played out,
 * after the tool calls the reply made and their results. A reply, its calls and their results
 * are one entry: the rules below keep, leave out, fold or drop them together, so a call is never
 * sent without its result.
 *
 * Bounded by a token budget, by these rules:
 *  1. The system message (instructions, facts, summary) and the last KEEP_RECENT messages are
 *     always sent whole.
 *  2. When a request reaches FOLD_AT of the budget, the finished turns before the last
 *     KEEP_RECENT are folded into the summary by the model, in the background: no request
 *     waits for it. When the summary comes back, it takes their place.
 *  3. A request over the budget meanwhile (a fold still running, or failed) leaves out its
 *     oldest turns beyond the last KEEP_RECENT until it fits; they stay for the fold.
 *  4. A failed fold is logged and tried again FOLD_RETRY_AFTER messages later; turns waiting
 *     for one beyond UNFOLDED_LIMIT budgets are dropped, so memory stays bounded.
 *  5. Without a summariser, turns that no longer fit are dropped.
 */
export class ChatContext {
  readonly #opts: ContextOptions;
  readonly #entries: Entry[] = [];
  readonly #closing = new AbortController();
  #instructions: string;
  readonly #facts: string[] = [];
  #summary = '';
  #folding = false;
  #nextFoldAt = 0;
  #added = 0;
  readonly #observers = new Set<() => void>();

  constructor(opts: ContextOptions) {
    this.#opts = opts;
    this.#instructions = opts.instructions;
  }

  /** The summary of the turns folded so far ('' before the first fold). */
  get summary(): string {
    return this.#summary;
  }

  /** A user turn; consecutive turns of the same person are one message. */
  addUser(speaker: string, text: string): void {
    const said = this.#opts.redact ? this.#opts.redact(text.trim()) : text.trim();
    const last = this.#entries.at(-1);
    if (last?.finished && isFrom(last.message, speaker)) {
      last.message.content += ` ${said}`;
      last.tokens = entryCost(last);
    } else {
      this.#push({ role: 'user', content: `${speaker}: ${said}` }, true);
    }
    this.#changed();
  }

  /** What the agent said, as far as it was heard; nothing is recorded for an empty text. */
  addAgent(text: string): void {
    this.startAgent()(text);
  }

  /**
   * The agent starts speaking: its reply takes its place in the conversation now (turns that
   * come while it speaks, such as an interruption, come after it), and is recorded, as far as
   * it was heard, by calling the function returned, with the tool rounds it completed (each
   * call only with its result: roundMessages). Until then it is not in messages().
   */
  startAgent(): (heard: string, rounds?: readonly ToolRound[]) => void {
    const entry = this.#push({ role: 'assistant', content: '' }, false);
    return (heard, rounds = []) => {
      entry.message.content = heard.trim();
      entry.tools = rounds.flatMap((round) => roundMessages(round));
      entry.tokens = entryCost(entry);
      entry.finished = true;
      if (!entry.message.content && entry.tools.length === 0) {
        const at = this.#entries.indexOf(entry);
        if (at >= 0) this.#entries.splice(at, 1);
      }
      this.#changed();
    };
  }

  /** New instructions, from the next request on (a live context update). */
  setInstructions(text: string): void {
    this.#instructions = text;
    this.#notify();
  }

  /** A fact the model keeps from the next request on, however long the conversation. */
  addFact(text: string): void {
    this.#facts.push(text);
    this.#notify();
  }

  /**
   * The request body's messages, system first, within the budget. A copy: later turns do not
   * change it. With `draft`, as if that turn had been added (a reply prepared before the turn
   * is over).
   */
  messages(draft?: { speaker: string; text: string }): ChatMessage[] {
    const system: ChatMessage = { role: 'system', content: this.#systemText() };
    // (A reply still being spoken has no content yet: it is not part of any request.)
    const turns = this.#entries
      .filter((e) => e.finished)
      .map((e) => ({ messages: messagesOf(e).map((m) => ({ ...m })), tokens: e.tokens }));
    if (draft) {
      const said = this.#opts.redact ? this.#opts.redact(draft.text.trim()) : draft.text.trim();
      const last = turns.at(-1);
      const message = last?.messages.length === 1 ? last.messages[0]! : undefined;
      if (last && message && isFrom(message, draft.speaker)) {
        message.content += ` ${said}`;
        last.tokens = cost(message);
      } else {
        const message: ChatMessage = { role: 'user', content: `${draft.speaker}: ${said}` };
        turns.push({ messages: [message], tokens: cost(message) });
      }
    }
    // Rule 3: the oldest turns beyond the last few leave a request over the budget (a reply
    // with its tool calls and results as one).
    let total = cost(system) + turns.reduce((sum, t) => sum + t.tokens, 0);
    let first = 0;
    while (total > this.#budget() && turns.length - first > KEEP_RECENT) {
      total -= turns[first]!.tokens;
      first++;
    }
    return [system, ...turns.slice(first).flatMap((t) => t.messages)];
  }

  /**
   * What a later job needs to carry the conversation on (in another process: cluster/): the
   * instructions and facts as they are now, the summary, and the finished turns, each with its
   * tool rounds. A reply still being spoken is not in it.
   */
  snapshot(): ContextSnapshot {
    return {
      instructions: this.#instructions,
      facts: [...this.#facts],
      summary: this.#summary,
      turns: this.#entries.filter((e) => e.finished).map((e) => messagesOf(e)),
    };
  }

  /**
   * Takes up a conversation from {@link snapshot}: its turns come before any this context
   * holds already; its instructions, facts and summary replace these.
   */
  restore(snapshot: ContextSnapshot): void {
    this.#instructions = snapshot.instructions;
    this.#facts.splice(0, this.#facts.length, ...snapshot.facts);
    this.#summary = snapshot.summary;
    const restored = snapshot.turns.map((messages): Entry => {
      // A turn's last message is its words, unless the reply said nothing after its tools.
      const last = messages.at(-1);
      const words =
        last && last.role !== 'tool' && !(last.role === 'assistant' && last.toolCalls?.length)
          ? last
          : undefined;
      const entry: Entry = {
        message: { ...(words ?? { role: 'assistant', content: '' }) },
        tools: words ? messages.slice(0, -1) : [...messages],
        tokens: 0,
        finished: true,
      };
      entry.tokens = entryCost(entry);
      return entry;
    });
    this.#entries.unshift(...restored);
    this.#changed();
  }

  /** Calls `fn` after every change to what a request would hold; returns the unsubscribe. */
  observe(fn: () => void): () => void {
    this.#observers.add(fn);
    return () => this.#observers.delete(fn);
  }

  /** Stops a fold in flight (the room has ended). */
  close(): void {
    this.#closing.abort();
  }

  #systemText(): string {
    const parts = [this.#instructions];
    if (this.#facts.length > 0)
      parts.push(`Facts:\n${this.#facts.map((f) => `- ${f}`).join('\n')}`);
    if (this.#summary) parts.push(`Earlier in this conversation (a summary):\n${this.#summary}`);
    return parts.join('\n\n');
  }

  #push(message: ChatMessage, finished: boolean): Entry {
    const entry: Entry = { message, tools: [], tokens: cost(message), finished };
    this.#entries.push(entry);
    return entry;
  }

  #notify(): void {
    for (const fn of this.#observers) fn();
  }

  #changed(): void {
    this.#added++;
    // Told first: a fold below changes the turns again later, and tells again then.
    this.#notify();
    const total = cost({ role: 'system', content: this.#systemText() }) + this.#size();
    const foldable = this.#foldable();
    if (foldable.length === 0 || total < this.#budget() * FOLD_AT) return;
    if (!this.#opts.summarize) {
      // Rule 5.
      while (this.#size() > this.#budget() && this.#foldable().length > 0) {
        this.#entries.shift();
      }
      return;
    }
    if (!this.#folding && this.#added >= this.#nextFoldAt) this.#fold(foldable);
    // Rule 4: bounded while folds fail.
    while (this.#size() > this.#budget() * UNFOLDED_LIMIT && !this.#folding) {
      if (this.#foldable().length === 0) break;
      this.#entries.shift();
    }
  }

  /** What the messages of a request may take. */
  #budget(): number {
    return this.#opts.tokenBudget - (this.#opts.reservedTokens ?? 0);
  }

  /** The finished turns from the start, up to the last KEEP_RECENT. */
  #foldable(): Entry[] {
    const out: Entry[] = [];
    for (const e of this.#entries.slice(0, Math.max(0, this.#entries.length - KEEP_RECENT))) {
      if (!e.finished) break;
      out.push(e);
    }
    return out;
  }

  #size(): number {
    return this.#entries.reduce((sum, e) => sum + e.tokens, 0);
  }

  #fold(entries: Entry[]): void {
    this.#folding = true;
    const turns = entries.flatMap((e) => messagesOf(e).map((m) => ({ ...m })));
    const started = performance.now();
    const maxTokens = Math.floor(this.#opts.tokenBudget * SUMMARY_SHARE);
    this.#opts.summarize!(this.#summary, turns, { maxTokens, signal: this.#closing.signal })
      .then((summary) => {
        if (this.#closing.signal.aborted) return;
        const kept = withinTokens(summary.trim(), maxTokens * 1.5);
        if (!kept) throw new Error('the summary came back empty');
        if (kept.length < summary.trim().length) {
          this.#opts.log?.warn({ maxTokens }, 'summary over its share: its end was cut');
        }
        this.#summary = kept;
        // Still in front (only turns after them were added): they leave as one.
        for (const e of entries) {
          const at = this.#entries.indexOf(e);
          if (at >= 0) this.#entries.splice(at, 1);
        }
        this.#notify();
        this.#opts.log?.info(
          {
            turns: turns.length,
            summaryTokens: estimateTokens(kept),
            foldMs: Math.round(performance.now() - started),
          },
          'older turns folded into the summary',
        );
      })
      .catch((err: unknown) => {
        if (this.#closing.signal.aborted) return;
        this.#nextFoldAt = this.#added + FOLD_RETRY_AFTER;
        this.#opts.log?.warn({ err: errorFields(err) }, 'summary failed: older turns kept');
      })
      .finally(() => {
        this.#folding = false;
      });
  }
}

/** An entry's messages in order: the reply's tool rounds, then its words (if any). */
function messagesOf(entry: Entry): ChatMessage[] {
  const words = entry.message.content !== '' || entry.tools.length === 0 ? [entry.message] : [];
  return [...entry.tools, ...words];
}

function entryCost(entry: Entry): number {
  return messagesOf(entry).reduce((sum, m) => sum + cost(m), 0);
}

function cost(message: ChatMessage): number {
  const calls =
    message.role === 'assistant'
      ? (message.toolCalls ?? []).reduce(
          (sum, c) => sum + estimateTokens(c.name + c.arguments) + MESSAGE_OVERHEAD_TOKENS,
          0,
        )
      : 0;
  return estimateTokens(message.content) + MESSAGE_OVERHEAD_TOKENS + calls;
}

/** `text` cut after its last whole sentence (or word) within `tokens`. */
function withinTokens(text: string, tokens: number): string {
  if (estimateTokens(text) <= tokens) return text;
  let cut = text;
  while (cut && estimateTokens(cut) > tokens) cut = cut.slice(0, Math.floor(cut.length * 0.9));
  const sentence = cut.search(/[.!?][^.!?]*$/);
  return (sentence > 0 ? cut.slice(0, sentence + 1) : cut.replace(/\s+\S*$/, '')).trim();
}

function isFrom(message: ChatMessage, speaker: string): boolean {
  return message.role === 'user' && message.content.startsWith(`${speaker}: `);
}
