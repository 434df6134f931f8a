/**
 * Anthropic's Messages API, streamed, through the official `@anthropic-ai/sdk` (its retries off:
 * ./base.ts owns them). Yields the reply's text deltas; a tool call in the stream is not text
 * and is passed over. An `error` event after HTTP 200 (`overloaded_error`) is a retryable
 * failure like a 529.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '../../log.js';
import { LinkedAbort, retryAfterFromHeaders, retryingStream, statusError } from '../base.js';
import type { ProviderLabel, RetryPolicy } from '../base.js';
import { ProviderError } from '../types.js';
import type { ChatMessage, Llm } from '../types.js';

export interface AnthropicLlmOptions {
  /** `https://api.anthropic.com` (the SDK appends `/v1/messages`). */
  baseURL: string;
  apiKey: string;
  model: string;
  /** Default 1024: a spoken reply is short; the cap only bounds a runaway one. */
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  /** Request -> first text delta, per attempt. Default 10000. */
  firstTokenTimeoutMs?: number | undefined;
  /** Longest gap between two text deltas. Default 5000. */
  stallTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

/** Stream error types a new request may get past (the API's own advice). */
const RETRYABLE_TYPES = new Set([
  'overloaded_error',
  'api_error',
  'rate_limit_error',
  'timeout_error',
]);

/** Said first when a conversation starts with the agent (the API wants a user turn first). */
export const CONVERSATION_STARTS = '(The conversation starts.)';

export class AnthropicLlm implements Llm {
  readonly label = 'anthropic';
  readonly #opts: AnthropicLlmOptions;
  readonly #client: Anthropic;
  readonly #closing = new AbortController();

  constructor(opts: AnthropicLlmOptions) {
    this.#opts = opts;
    this.#client = new Anthropic({ baseURL: opts.baseURL, apiKey: opts.apiKey, maxRetries: 0 });
  }

  stream(messages: readonly ChatMessage[], opts: { signal: AbortSignal }): AsyncIterable<string> {
    return this.#stream(messages, opts.signal);
  }

  /** Lists one model (nothing billed): the API answers. */
  async probe(signal: AbortSignal): Promise<void> {
    try {
      await this.#client.models.list({ limit: 1 }, { signal });
    } catch (err) {
      throw anthropicError(err, { provider: this.label, kind: 'llm' });
    }
  }

  async close(): Promise<void> {
    this.#closing.abort(new DOMException('provider closed', 'AbortError'));
  }

  async *#stream(
    messages: readonly ChatMessage[],
    signal: AbortSignal,
  ): AsyncGenerator<string, void, undefined> {
    const request = new LinkedAbort(signal, this.#closing.signal);
    try {
      yield* retryingStream((attemptSignal) => this.#attempt(messages, attemptSignal), {
        provider: this.label,
        kind: 'llm',
        signal: request.signal,
        firstChunkTimeoutMs: this.#opts.firstTokenTimeoutMs ?? 10_000,
        stallTimeoutMs: this.#opts.stallTimeoutMs ?? 5_000,
        log: this.#opts.log,
        ...this.#opts.retry,
      });
    } finally {
      request.dispose();
    }
  }

  async *#attempt(
    messages: readonly ChatMessage[],
    signal: AbortSignal,
  ): AsyncGenerator<string, void, undefined> {
    const { system, turns } = toAnthropicMessages(messages);
    const { temperature } = this.#opts;
    const label = { provider: this.label, kind: 'llm' as const };
    try {
      const stream = await this.#client.messages.create(
        {
          model: this.#opts.model,
          max_tokens: this.#opts.maxTokens ?? 1024,
          messages: turns,
          stream: true,
          ...(system ? { system } : {}),
          ...(temperature === undefined ? {} : { temperature }),
        },
        { signal },
      );
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          if (event.delta.text) yield event.delta.text;
        }
      }
    } catch (err) {
      throw signal.aborted ? err : anthropicError(err, label);
    }
    // The SDK ends a stream quietly when its signal aborts: an abort is not a finished reply.
    signal.throwIfAborted();
  }
}

/**
 * Our context as the Messages API takes it: every system message joined into `system`, and
 * turns that alternate from `user`. Consecutive messages of one role are joined (in a group,
 * two people's speaker-tagged turns in a row become one user turn, each line still naming its
 * speaker); a conversation the agent began (its greeting) starts with a short user turn;
 * empty messages are left out.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): {
  system: string;
  turns: { role: 'user' | 'assistant'; content: string }[];
} {
  const system = messages
    .filter((m) => m.role === 'system' && m.content.trim() !== '')
    .map((m) => m.content)
    .join('\n\n');
  const turns: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const m of messages) {
    if (m.role === 'system' || m.content.trim() === '') continue;
    const last = turns.at(-1);
    if (last?.role === m.role) last.content += `\n${m.content}`;
    else turns.push({ role: m.role, content: m.content });
  }
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', content: CONVERSATION_STARTS });
  return { system, turns };
}

/** The SDK's failures as ProviderErrors (an abort passes through as it is). */
function anthropicError(err: unknown, label: ProviderLabel): unknown {
  if (err instanceof ProviderError || err instanceof Anthropic.APIUserAbortError) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return new ProviderError({ ...label, message: err.message, retryable: true, cause: err });
  }
  if (err instanceof Anthropic.APIError) {
    if (err.status !== undefined) {
      const header = (name: string) => err.headers?.get(name) ?? undefined;
      return statusError(label, err.status, err.message, retryAfterFromHeaders(header));
    }
    // An `error` event in a stream that began with HTTP 200.
    const type = err.type ?? 'unknown';
    return new ProviderError({
      ...label,
      message: `stream error event: ${type}`,
      retryable: RETRYABLE_TYPES.has(type),
      status: type === 'overloaded_error' ? 529 : undefined,
      cause: err,
    });
  }
  return err;
}
