/**
 * Waiting between attempts, one helper of each kind: the backoff delay (exponential, capped,
 * with jitter) and a sleep that an AbortSignal ends early.
 */

/**
 * How a delay is drawn below its ceiling:
 * 1. `full`: uniformly in [0, ceiling]. Retries spread the most; a quick retry stays possible
 *    (the providers' retries, where the wait is part of a reply's latency).
 * 2. `equal`: uniformly in [ceiling / 2, ceiling]. Never less than half: a reconnect loop does not
 *    hammer a server that is down (the worker's reconnect).
 */
export type Jitter = 'full' | 'equal';

export interface Backoff {
  /** Ceiling of the first attempt's delay; it doubles per attempt. */
  baseMs: number;
  /** The ceiling never exceeds this. */
  maxMs: number;
  /** Default 'equal'. */
  jitter?: Jitter | undefined;
}

/**
 * The delay before attempt `attempt` (0 = the first; a negative one counts as the first): its
 * ceiling is `baseMs * 2^attempt` capped at `maxMs`, the delay drawn below it by `jitter`.
 * `random` (uniform in [0, 1)) is injectable for tests.
 */
export function backoffDelayMs(
  attempt: number,
  { baseMs, maxMs, jitter = 'equal' }: Backoff,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const floor = jitter === 'equal' ? ceiling / 2 : 0;
  return Math.round(floor + random() * (ceiling - floor));
}

/** The signal's reason if it is an Error, else a DOMException AbortError. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Waits `ms`. Rejects with the abort reason as soon as `signal` aborts (at once if it already
 * has), so a caller never mistakes a cancelled wait for a finished one.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      if (signal) reject(abortReason(signal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
