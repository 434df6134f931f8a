/**
 * Tavily's web search (`POST {baseURL}/search`, `Authorization: Bearer <key>`), with the shared
 * retry of ./base.ts: a 429 is retried after its `retry-after` (up to the policy's cap), a 401
 * is a ProviderError at once. The whole search, retries included, has a time limit.
 */
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { retry, withDeadline } from '../base.js';
import type { RetryPolicy } from '../base.js';
import { KeepAliveHttp } from '../http.js';
import { ProviderError } from '../types.js';

export interface TavilyOptions {
  /** `https://api.tavily.com` */
  baseURL: string;
  apiKey: string;
  /** One request, answer read. Default 5000. */
  timeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  log?: Logger | undefined;
}

export interface SearchRequest {
  query: string;
  maxResults: number;
  includeAnswer: boolean;
}

const searchResponse = z.looseObject({
  answer: z.string().nullish(),
  results: z.array(
    z.looseObject({
      title: z.string(),
      url: z.string(),
      content: z.string(),
      score: z.number(),
    }),
  ),
});

export type SearchResponse = z.infer<typeof searchResponse>;

export class TavilySearch {
  readonly label = 'tavily';
  readonly #http: KeepAliveHttp;
  readonly #opts: TavilyOptions;

  constructor(opts: TavilyOptions) {
    this.#opts = opts;
    this.#http = new KeepAliveHttp({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey,
      label: { provider: this.label, kind: 'tool' },
    });
  }

  search(request: SearchRequest, signal: AbortSignal): Promise<SearchResponse> {
    const label = { provider: this.label, kind: 'tool' as const };
    const attempt = (attemptSignal: AbortSignal) =>
      withDeadline((s) => this.#request(request, s), {
        ...label,
        signal: attemptSignal,
        timeoutMs: this.#opts.timeoutMs ?? 5_000,
        what: 'search',
      });
    return retry(() => attempt(signal), {
      ...label,
      signal,
      log: this.#opts.log,
      ...this.#opts.retry,
    });
  }

  close(): void {
    this.#http.close();
  }

  async #request(request: SearchRequest, signal: AbortSignal): Promise<SearchResponse> {
    const res = await this.#http.request({
      method: 'POST',
      path: '/search',
      json: {
        query: request.query,
        max_results: request.maxResults,
        include_answer: request.includeAnswer,
      },
      signal,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw this.#badAnswer('the answer is not JSON', err);
    }
    const parsed = searchResponse.safeParse(json);
    if (!parsed.success) throw this.#badAnswer('the answer has no results list', parsed.error);
    return parsed.data;
  }

  #badAnswer(message: string, cause: unknown): ProviderError {
    return new ProviderError({
      provider: this.label,
      kind: 'tool',
      message,
      retryable: false,
      cause,
    });
  }
}
