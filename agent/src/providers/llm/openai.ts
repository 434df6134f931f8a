import OpenAI from 'openai';
import type { Logger } from '../../log.js';
import { LinkedAbort, retryingStream, toProviderError } from '../base.js';
import type { RetryPolicy } from '../base.js';
import type { ChatMessage, Llm } from '../types.js';

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
 * Yields the reply's text deltas; retries only before the first one.
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

  stream(messages: readonly ChatMessage[], opts: { signal: AbortSignal }): AsyncIterable<string> {
    return this.#stream(messages, opts.signal);
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
    const { temperature, extraBody } = this.#opts;
    const stream = await this.#client.chat.completions.create(
      {
        ...extraBody,
        model: this.#opts.model,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        stream: true,
        ...(temperature === undefined ? {} : { temperature }),
      },
      { signal },
    );
    for await (const chunk of stream) {
      signal.throwIfAborted();
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) yield delta;
    }
  }
}
