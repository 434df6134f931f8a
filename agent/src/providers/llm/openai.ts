import OpenAI from 'openai';
import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { Logger } from '../../log.js';
import { LinkedAbort, retryingStream, toProviderError } from '../base.js';
import type { RetryPolicy } from '../base.js';
import type { ChatMessage, Llm, LlmEvent, LlmStreamOptions } from '../types.js';
import { ToolCallAssembler, withoutToolMessages } from './tool_calls.js';

export interface OpenAiLlmOptions {
  /** Any OpenAI-compatible server: OpenAI, Groq, xAI, Ollama, vLLM... */
  baseURL: string;
  apiKey: string;
  model: string;
  temperature?: number | undefined;
  /** Extra request body fields (`max_tokens`, `top_p`, provider-specific settings). */
  extraBody?: Record<string, unknown> | undefined;
  /** Metrics/log label. Default 'openai'. */
  label?: string | undefined;
  /** Request -> first text delta, per attempt. Default 10000. */
  firstTokenTimeoutMs?: number | undefined;
  /** Longest gap between two text deltas. Default 5000. */
  stallTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

/**
 * Streaming chat completions through the `openai` package (retries off: ./base.ts owns them).
 * Yields the reply's text deltas, and with tools each call once it is complete (its
 * `delta.tool_calls` fragments assembled by index, given when the choice finishes); retries only
 * before the first item.
 */
export class OpenAiLlm implements Llm {
  readonly label: string;
  readonly #opts: OpenAiLlmOptions;
  readonly #client: OpenAI;
  readonly #closing = new AbortController();

  constructor(opts: OpenAiLlmOptions) {
    this.#opts = opts;
    this.label = opts.label ?? 'openai';
    this.#client = new OpenAI({ baseURL: opts.baseURL, apiKey: opts.apiKey, maxRetries: 0 });
  }

  stream(
    messages: readonly ChatMessage[],
    opts: { signal: AbortSignal; tools?: undefined },
  ): AsyncIterable<string>;
  stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent>;
  stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent> {
    return this.#stream(messages, opts);
  }

  /** Lists the models (one GET, nothing billed): the server answers. */
  async probe(signal: AbortSignal): Promise<void> {
    try {
      await this.#client.models.list({ signal });
    } catch (err) {
      throw toProviderError(err, { provider: this.label, kind: 'llm' });
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
    const stream = await this.#client.chat.completions.create(this.#body(messages, opts), {
      signal,
    });
    const calls = new ToolCallAssembler();
    const withTools = (opts.tools ?? []).length > 0;
    for await (const chunk of stream) {
      signal.throwIfAborted();
      const choice = chunk.choices[0];
      const delta = choice?.delta?.content;
      if (delta) yield delta;
      for (const piece of choice?.delta?.tool_calls ?? []) {
        calls.add(piece.index, {
          id: piece.id,
          name: piece.function?.name,
          arguments: piece.function?.arguments,
        });
      }
      if (choice?.finish_reason && withTools) yield* calls.take();
    }
    // A server that ends the stream without a finish reason: the calls are complete all the same.
    if (withTools) yield* calls.take();
  }

  #body(
    messages: readonly ChatMessage[],
    opts: LlmStreamOptions,
  ): ChatCompletionCreateParamsStreaming {
    const { temperature, extraBody } = this.#opts;
    const tools = opts.tools ?? [];
    const sent = tools.length > 0 ? messages : withoutToolMessages(messages);
    return {
      ...extraBody,
      model: this.#opts.model,
      messages: sent.map(toOpenAiMessage),
      stream: true,
      ...(temperature === undefined ? {} : { temperature }),
      ...(tools.length === 0
        ? {}
        : {
            tools: tools.map((t) => ({
              type: 'function' as const,
              function: { name: t.name, description: t.description, parameters: t.parameters },
            })),
            ...(opts.toolChoice === 'none' ? { tool_choice: 'none' as const } : {}),
          }),
    };
  }
}

/** One of our messages as chat completions take it (plain ones as `{ role, content }`). */
function toOpenAiMessage(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    case 'assistant':
      if (!m.toolCalls?.length) return { role: 'assistant', content: m.content };
      return {
        role: 'assistant',
        content: m.content === '' ? null : m.content,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.arguments },
        })),
      };
    default:
      return { role: m.role, content: m.content };
  }
}
