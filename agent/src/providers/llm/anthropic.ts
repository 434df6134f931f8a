/**
 * Anthropic's Messages API, streamed, through the official `@anthropic-ai/sdk` (its retries off:
 * ./base.ts owns them). Yields the reply's text deltas and, when tools were offered, each
 * `tool_use` block as a complete call when the block stops (its `input_json_delta` pieces
 * joined); without tools a tool call in the stream is passed over. An `error` event after HTTP
 * 200 (`overloaded_error`) is a retryable failure like a 529.
 */
import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  MessageCreateParamsStreaming,
  MessageParam,
} from '@anthropic-ai/sdk/resources/messages';
import type { Logger } from '../../log.js';
import { LinkedAbort, retryAfterFromHeaders, retryingStream, statusError } from '../base.js';
import type { ProviderLabel, RetryPolicy } from '../base.js';
import { ProviderError } from '../types.js';
import type { ChatMessage, Llm, LlmEvent, LlmStreamOptions } from '../types.js';
import { argumentsObject, ToolCallAssembler, withoutToolMessages } from './tool_calls.js';

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

  stream(
    messages: readonly ChatMessage[],
    opts: { signal: AbortSignal; tools?: undefined },
  ): AsyncIterable<string>;
  stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent>;
  stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent> {
    return this.#stream(messages, opts);
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
    opts: LlmStreamOptions,
  ): AsyncGenerator<LlmEvent, void, undefined> {
    const request = new LinkedAbort(opts.signal, this.#closing.signal);
    try {
      yield* retryingStream((attemptSignal) => this.#attempt(messages, opts, attemptSignal), {
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
    opts: LlmStreamOptions,
    signal: AbortSignal,
  ): AsyncGenerator<LlmEvent, void, undefined> {
    const label = { provider: this.label, kind: 'llm' as const };
    const withTools = (opts.tools ?? []).length > 0;
    const calls = new ToolCallAssembler();
    try {
      const stream = await this.#client.messages.create(this.#body(messages, opts), { signal });
      for await (const event of stream) {
        if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
          const { id, name } = event.content_block;
          calls.add(event.index, { id, name });
        } else if (event.type === 'content_block_delta') {
          if (event.delta.type === 'text_delta' && event.delta.text) yield event.delta.text;
          if (event.delta.type === 'input_json_delta' && calls.has(event.index)) {
            calls.add(event.index, { arguments: event.delta.partial_json });
          }
        } else if (event.type === 'content_block_stop' && calls.has(event.index)) {
          const call = calls.takeOne(event.index);
          if (call && withTools) yield call;
        }
      }
    } catch (err) {
      throw signal.aborted ? err : anthropicError(err, label);
    }
    // The SDK ends a stream quietly when its signal aborts: an abort is not a finished reply.
    signal.throwIfAborted();
  }

  #body(messages: readonly ChatMessage[], opts: LlmStreamOptions): MessageCreateParamsStreaming {
    const tools = opts.tools ?? [];
    const sent = tools.length > 0 ? messages : withoutToolMessages(messages);
    const { system, turns } = toAnthropicMessages(sent);
    const { temperature } = this.#opts;
    return {
      model: this.#opts.model,
      max_tokens: this.#opts.maxTokens ?? 1024,
      messages: turns,
      stream: true,
      ...(system ? { system } : {}),
      ...(temperature === undefined ? {} : { temperature }),
      ...(tools.length === 0
        ? {}
        : {
            tools: tools.map((t) => ({
              name: t.name,
              description: t.description,
              input_schema: { ...t.parameters, type: 'object' as const },
            })),
            ...(opts.toolChoice === 'none' ? { tool_choice: { type: 'none' as const } } : {}),
          }),
    };
  }
}

/**
 * Our context as the Messages API takes it: every system message joined into `system`, and
 * turns that alternate from `user`. Consecutive messages of one role are joined (in a group,
 * two people's speaker-tagged turns in a row become one user turn, each line still naming its
 * speaker); a conversation the agent began (its greeting) starts with a short user turn;
 * empty messages are left out. An assistant's tool calls are `tool_use` blocks of its turn, and
 * their results `tool_result` blocks at the start of the next user turn; text alone stays a
 * string.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): {
  system: string;
  turns: MessageParam[];
} {
  const system = messages
    .filter((m) => m.role === 'system' && m.content.trim() !== '')
    .map((m) => m.content)
    .join('\n\n');
  const turns: MessageParam[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const role = m.role === 'tool' ? 'user' : m.role;
    const content = contentOf(m);
    if (content === undefined) continue;
    const last = turns.at(-1);
    if (last?.role === role) last.content = joined(last.content, content);
    else turns.push({ role, content });
  }
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', content: CONVERSATION_STARTS });
  return { system, turns };
}

/** A message's content: text alone as a string, tool calls and results as blocks. */
function contentOf(
  m: Exclude<ChatMessage, { role: 'system' }>,
): MessageParam['content'] | undefined {
  if (m.role === 'tool') {
    const result: ContentBlockParam = {
      type: 'tool_result',
      tool_use_id: m.toolCallId,
      content: m.content || '(no result)',
      ...(m.isError ? { is_error: true } : {}),
    };
    return [result];
  }
  const text = m.content.trim() === '' ? undefined : m.content;
  if (m.role !== 'assistant' || !m.toolCalls?.length) return text;
  const uses: ContentBlockParam[] = m.toolCalls.map((c) => ({
    type: 'tool_use',
    id: c.id,
    name: c.name,
    input: argumentsObject(c.arguments),
  }));
  return text === undefined ? uses : [{ type: 'text', text }, ...uses];
}

/** Two contents of one turn: strings joined by a line, else their blocks in order. */
function joined(a: MessageParam['content'], b: MessageParam['content']): MessageParam['content'] {
  if (typeof a === 'string' && typeof b === 'string') return `${a}\n${b}`;
  const blocks = (c: MessageParam['content']): ContentBlockParam[] =>
    typeof c === 'string' ? [{ type: 'text', text: c }] : c;
  return [...blocks(a), ...blocks(b)];
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
