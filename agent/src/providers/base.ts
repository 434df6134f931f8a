/**
 * The boring parts every provider shares, in one place: retry with bounded exponential backoff
 * and full jitter, deadlines (time to first chunk, stalls between chunks, whole requests),
 * streaming requests that retry only before their first chunk, abort-aware waiting, and the
 * provider metrics. A provider file implements only its request; errors are mapped by
 * ./errors.ts (re-exported here). The backoff delay and the sleep are ../util/backoff.ts's, the
 * worker's too (abortReason is re-exported here for the providers).
 */
import type { Logger } from '../log.js';
import { providerMetrics } from '../metrics/providers.js';
import type { RequestOutcome } from '../metrics/providers.js';
import { abortReason, backoffDelayMs, sleep } from '../util/backoff.js';
import { timeoutError, toProviderError } from './errors.js';
import type { ProviderLabel } from './errors.js';
import type { ProviderError } from './types.js';

export * from './errors.js';
export { abortReason } from '../util/backoff.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 3. */
  attempts?: number | undefined;
  /** Ceiling of the first retry's delay; it doubles per retry. Default 100. */
  baseDelayMs?: number | undefined;
  /** The ceiling never exceeds this. Default 2000. */
  maxDelayMs?: number | undefined;
  /** A server's `retry-after` is honoured up to this. Default 5000. */
  maxRetryAfterMs?: number | undefined;
  /** Injectable for tests: uniform in [0, 1). */
  random?: (() => number) | undefined;
}

export interface RetryOptions extends RetryPolicy, ProviderLabel {
  signal: AbortSignal;
  log?: Logger | undefined;
}

export const DEFAULT_RETRY = {
  attempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2000,
  maxRetryAfterMs: 5000,
} as const;

type Policy = Required<{ [K in keyof RetryPolicy]: NonNullable<RetryPolicy[K]> }>;

function policyOf(opts: RetryPolicy): Policy {
  return {
    attempts: Math.max(1, opts.attempts ?? DEFAULT_RETRY.attempts),
    baseDelayMs: opts.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: opts.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs,
    random: opts.random ?? Math.random,
  };
}

/** The wait before retry `n` after `error`: the server's `retry-after` (capped), else backoff. */
export function retryDelayMs(retry: number, error: ProviderError, opts: RetryPolicy = {}): number {
  const policy = policyOf(opts);
  if (error.retryAfterMs !== undefined) {
    return Math.min(Math.max(0, error.retryAfterMs), policy.maxRetryAfterMs);
  }
  const { baseDelayMs: baseMs, maxDelayMs: maxMs, random } = policy;
  return backoffDelayMs(retry, { baseMs, maxMs, jitter: 'full' }, random);
}

/** Settles as `promise`, or rejects with the abort reason as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** An AbortController that also aborts (with the same reason) when any parent signal does. */
export class LinkedAbort {
  readonly #controller = new AbortController();
  readonly #unlink: (() => void)[] = [];

  constructor(...parents: AbortSignal[]) {
    for (const parent of parents) {
      if (parent.aborted) {
        this.#controller.abort(parent.reason);
        break;
      }
      const onAbort = () => this.abort(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
      this.#unlink.push(() => parent.removeEventListener('abort', onAbort));
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  abort(reason?: unknown): void {
    this.dispose();
    this.#controller.abort(reason);
  }

  /** Stops listening to the parents (call when the work is over). */
  dispose(): void {
    for (const unlink of this.#unlink.splice(0)) unlink();
  }
}

/**
 * Runs `attempt(n)` until it succeeds, retrying retryable ProviderErrors (other failures are
 * mapped by toProviderError) with backoff; counts the request, each error and each retry.
 * Rejects with the abort reason when `signal` aborts, also during a backoff sleep.
 */
export async function retry<T>(attempt: (n: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  let outcome: RequestOutcome = 'error';
  try {
    const result = await attempts(attempt, opts);
    outcome = 'ok';
    return result;
  } catch (err) {
    if (opts.signal.aborted) outcome = 'aborted';
    throw err;
  } finally {
    providerMetrics.request(opts.provider, opts.kind, outcome);
  }
}

/** retry() without counting the request (streams count theirs when they end). */
async function attempts<T>(attempt: (n: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const policy = policyOf(opts);
  const { provider, kind, signal, log } = opts;
  for (let n = 0; ; n++) {
    if (signal.aborted) throw abortReason(signal);
    try {
      return await attempt(n);
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      const error = toProviderError(err, opts);
      providerMetrics.error(provider, kind, error.retryable);
      const fields = { provider, kind, attempt: n + 1, status: error.status, err: error.message };
      if (!error.retryable || n + 1 >= policy.attempts) {
        log?.warn({ ...fields, retryable: error.retryable }, 'provider request failed');
        throw error;
      }
      const delayMs = retryDelayMs(n, error, policy);
      providerMetrics.retry(provider, kind);
      log?.warn({ ...fields, delayMs }, 'provider request retrying');
      await sleep(delayMs, signal);
    }
  }
}

/**
 * Runs `run` with a signal that aborts when `signal` does or when `timeoutMs` passes; a timeout
 * rejects with a retryable ProviderError. For requests whose result is complete when they
 * resolve (the signal is aborted afterwards to release the connection).
 */
export async function withDeadline<T>(
  run: (signal: AbortSignal) => Promise<T>,
  opts: ProviderLabel & { signal: AbortSignal; timeoutMs: number; what: string },
): Promise<T> {
  const attempt = new LinkedAbort(opts.signal);
  const timer = setTimeout(
    () => attempt.abort(timeoutError(opts, opts.what, opts.timeoutMs)),
    opts.timeoutMs,
  );
  try {
    return await abortable(run(attempt.signal), attempt.signal);
  } finally {
    clearTimeout(timer);
    attempt.abort();
  }
}

/**
 * The next item of `it` within `ms`. On timeout, `attempt` is aborted (cancelling the request
 * underneath) and a retryable timeout ProviderError rejects; an abort rejects at once.
 */
async function nextWithin<T>(
  it: AsyncIterator<T>,
  ms: number,
  attempt: LinkedAbort,
  label: ProviderLabel,
  what: string,
): Promise<IteratorResult<T>> {
  const next = it.next();
  const timer = setTimeout(() => attempt.abort(timeoutError(label, what, ms)), ms);
  try {
    return await abortable(next, attempt.signal);
  } finally {
    clearTimeout(timer);
  }
}

export interface StreamOptions extends RetryOptions {
  /** Request -> first chunk of one attempt. */
  firstChunkTimeoutMs: number;
  /** Longest silence between two chunks. */
  stallTimeoutMs: number;
}

interface Opened<T> {
  first: IteratorResult<T>;
  it: AsyncIterator<T>;
  attempt: LinkedAbort;
}

/**
 * A streaming request that retries only before its first chunk: `open(signal, n)` starts
 * attempt `n` (its `signal` aborts on timeouts, on `opts.signal` and when the consumer stops).
 * Once a chunk has been yielded, a failure ends the iteration with a ProviderError and is never
 * retried (the consumer already has part of the answer). Records time to first chunk.
 */
export async function* retryingStream<T>(
  open: (signal: AbortSignal, attempt: number) => AsyncIterable<T>,
  opts: StreamOptions,
): AsyncGenerator<T, void, undefined> {
  const { signal, provider, kind } = opts;
  const startedAt = performance.now();
  // Stays 'aborted' if the consumer stops early (break/return): not a failure of the provider.
  let outcome: RequestOutcome = 'aborted';
  let opened: Opened<T> | undefined;
  try {
    opened = await attempts(async (n) => {
      const attempt = new LinkedAbort(signal);
      const it = open(attempt.signal, n)[Symbol.asyncIterator]();
      try {
        const first = await nextWithin(it, opts.firstChunkTimeoutMs, attempt, opts, 'first chunk');
        return { first, it, attempt };
      } catch (err) {
        release(it, attempt);
        throw err;
      }
    }, opts);
    let result = opened.first;
    if (!result.done) providerMetrics.firstChunk(provider, kind, performance.now() - startedAt);
    while (!result.done) {
      yield result.value;
      if (signal.aborted) throw abortReason(signal);
      result = await nextWithin(opened.it, opts.stallTimeoutMs, opened.attempt, opts, 'stall');
    }
    outcome = 'ok';
  } catch (err) {
    if (signal.aborted) throw abortReason(signal);
    outcome = 'error';
    if (opened === undefined) throw err; // attempts() mapped, counted and logged it
    const error = toProviderError(err, opts);
    providerMetrics.error(provider, kind, error.retryable);
    opts.log?.warn(
      { provider, kind, status: error.status, err: error.message },
      'provider stream failed after first chunk',
    );
    throw error;
  } finally {
    if (opened) release(opened.it, opened.attempt);
    providerMetrics.request(provider, kind, outcome);
  }
}

/** Cancels an attempt's request and closes its iterator without waiting for either. */
function release<T>(it: AsyncIterator<T>, attempt: LinkedAbort): void {
  attempt.abort();
  it.return?.().catch(() => undefined);
}
