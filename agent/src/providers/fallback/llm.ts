/**
 * An LLM made of several (AGENT_LLM=openai,anthropic): a reply starts on the first working one;
 * it moves to the next when the provider fails after its own retries, misses the first-token
 * budget, or ends with nothing (a tool call is something). A provider that fails after some of
 * the reply was given is not asked again: the next one continues the reply from where it stopped
 * (the text so far is in its request), so nothing already said is said twice. Tools are passed
 * to every provider; once a tool call was given, a failure ends the stream (the call is the
 * reply's to run: a continuation could make it again).
 */
import type { Logger } from '../../log.js';
import { errorFields } from '../../log.js';
import { fallbackMetrics } from '../../metrics/providers.js';
import { abortReason, LinkedAbort } from '../base.js';
import type { ChatMessage, Llm, LlmEvent, LlmStreamOptions } from '../types.js';
import { ProviderChain } from './chain.js';
import type { ChainOptions, FailReason } from './chain.js';

export interface FallbackLlmOptions extends Omit<ChainOptions, 'kind'> {
  /** Request -> first text: a provider that takes longer is passed over (not the last). */
  firstTokenBudgetMs: number;
}

export class FallbackLlm implements Llm {
  readonly chain: ProviderChain<Llm>;
  readonly #budgetMs: number;

  constructor(llms: readonly Llm[], opts: FallbackLlmOptions) {
    this.chain = new ProviderChain(llms, { ...opts, kind: 'llm' });
    this.#budgetMs = opts.firstTokenBudgetMs;
  }

  get label(): string {
    return this.chain.label;
  }

  stream(
    messages: readonly ChatMessage[],
    opts: { signal: AbortSignal; tools?: undefined },
  ): AsyncIterable<string>;
  stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent>;
  async *stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent> {
    const { signal } = opts;
    const order = this.chain.order();
    let said = '';
    for (const [i, llm] of order.entries()) {
      const last = i === order.length - 1;
      const attempt = new LinkedAbort(signal);
      const budget = !this.chain.hasWorkingAfter(order, i)
        ? undefined
        : setTimeout(
            () => attempt.abort(new Error('missed the first-token budget')),
            this.#budgetMs,
          );
      let given = false;
      let gaveText = false;
      let called = false;
      try {
        const request = said === '' ? messages : continuation(messages, said);
        for await (const item of llm.stream(request, { ...opts, signal: attempt.signal })) {
          clearTimeout(budget);
          if (typeof item !== 'string') {
            given = called = true;
            yield item;
            continue;
          }
          const text = said === '' || gaveText ? item : joined(said, item);
          given = gaveText = true;
          said += text;
          yield text;
        }
        if (given || last) {
          if (given) this.chain.succeeded(llm);
          return;
        }
        this.chain.failed(llm, 'empty');
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        const reason: FailReason = attempt.signal.aborted && !given ? 'slow' : 'error';
        this.chain.failed(llm, reason, err);
        if (last || called) throw err;
      } finally {
        clearTimeout(budget);
        attempt.abort();
      }
    }
  }

  async close(): Promise<void> {
    this.chain.close();
    await Promise.allSettled(this.chain.providers.map((llm) => llm.close()));
  }
}

/**
 * The stage's LLM (one provider or a chain) with one more chance for a reply cut mid-way: when
 * the stream fails after some text was given (a dropped connection, an error event after 200),
 * the same stage is asked once more to finish it (`continuation`), instead of the reply ending
 * half-said and an apology following. Requests that fail before any text are not retried here:
 * the provider's own retries and the chain have had them; nor are streams that gave a tool call
 * (the call is the reply's to run). One resume per reply, so a provider that cuts every reply
 * costs one extra request, not a loop.
 */
export class ResumingLlm implements Llm {
  readonly #inner: Llm;
  readonly #log: Logger | undefined;

  constructor(inner: Llm, log?: Logger) {
    this.#inner = inner;
    this.#log = log;
  }

  get label(): string {
    return this.#inner.label;
  }

  /** The wrapped LLM (a FallbackLlm's chain is there). */
  get inner(): Llm {
    return this.#inner;
  }

  stream(
    messages: readonly ChatMessage[],
    opts: { signal: AbortSignal; tools?: undefined },
  ): AsyncIterable<string>;
  stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent>;
  async *stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent> {
    let said = '';
    let called = false;
    for (let resumed = false; ; resumed = true) {
      const request = resumed ? continuation(messages, said) : messages;
      let given = false;
      try {
        for await (const item of this.#inner.stream(request, opts)) {
          if (typeof item !== 'string') {
            called = true;
            yield item;
            continue;
          }
          const text = given || !resumed ? item : joined(said, item);
          given = true;
          said += text;
          yield text;
        }
        return;
      } catch (err) {
        if (opts.signal.aborted || resumed || said === '' || called) throw err;
        fallbackMetrics.switched('llm', this.label, this.label, 'resume');
        this.#log?.warn(
          { provider: this.label, givenChars: said.length, err: errorFields(err) },
          'llm reply cut mid-way: asking it to continue',
        );
      }
    }
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/**
 * The request that asks the next model to finish a reply another one began: the same
 * conversation, and a system note with the words already said (not heard twice).
 */
export function continuation(messages: readonly ChatMessage[], said: string): ChatMessage[] {
  return [
    ...messages,
    {
      role: 'system',
      content:
        `Your reply so far, already spoken aloud, was cut off here: "${said}". ` +
        'Continue it from exactly where it stops, without repeating any of it.',
    },
  ];
}

/** A continuation's first delta, with a space if it would glue two words together. */
function joined(said: string, delta: string): string {
  const gluesWords = /[\p{L}\p{N},.;:!?]$/u.test(said) && /^[\p{L}\p{N}]/u.test(delta);
  return gluesWords ? ` ${delta}` : delta;
}
