import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep } from '../util/backoff.js';
import { retryingStream, withDeadline } from './base.js';
import type { StreamOptions } from './base.js';
import { ProviderError } from './types.js';

let counter = 0;
const options = (over: Partial<StreamOptions> = {}): StreamOptions => ({
  provider: `fake-stream-${++counter}`,
  kind: 'tts',
  signal: new AbortController().signal,
  firstChunkTimeoutMs: 1_000,
  stallTimeoutMs: 1_000,
  baseDelayMs: 1,
  ...over,
});

const dropped = () =>
  new ProviderError({
    provider: 'fake',
    kind: 'tts',
    message: 'connection reset',
    retryable: true,
  });

/** Waits on `ms` like a network read would, ending early (with the reason) when aborted. */
function wait(ms: number, signal: AbortSignal) {
  return sleep(ms, signal);
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

describe('retryingStream: retry only before the first chunk', () => {
  it('retries an attempt that failed before its first chunk', async () => {
    const attempts: number[] = [];
    const chunks = await collect(
      retryingStream(async function* (_signal, n) {
        attempts.push(n);
        if (n === 0) throw dropped();
        yield* [1, 2, 3];
      }, options()),
    );
    assert.deepEqual(chunks, [1, 2, 3]);
    assert.deepEqual(attempts, [0, 1]);
  });

  it('after the first chunk a failure reaches the consumer and nothing is retried', async () => {
    const attempts: number[] = [];
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const x of retryingStream(async function* (_signal, n) {
          attempts.push(n);
          yield 1;
          throw dropped();
        }, options()))
          got.push(x);
      })(),
      (err) => err instanceof ProviderError && /connection reset/.test(err.message),
    );
    assert.deepEqual(got, [1]);
    assert.deepEqual(attempts, [0]);
  });

  it('no first chunk in time: a retryable timeout, the attempt is aborted and retried', async () => {
    const signals: AbortSignal[] = [];
    const started = performance.now();
    await assert.rejects(
      collect(
        retryingStream(
          async function* (signal) {
            signals.push(signal);
            await wait(10_000, signal);
            yield 1;
          },
          options({ firstChunkTimeoutMs: 50, attempts: 2 }),
        ),
      ),
      (err) =>
        err instanceof ProviderError && err.retryable && /timeout: first chunk/.test(err.message),
    );
    const took = performance.now() - started;
    assert.equal(signals.length, 2);
    assert.ok(
      signals.every((s) => s.aborted),
      'each timed-out attempt was cancelled',
    );
    assert.ok(took >= 100 && took < 500, `took ${took} ms`);
  });

  it('a stall between chunks ends the stream with a timeout, not retried', async () => {
    let attempts = 0;
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const x of retryingStream(
          async function* (signal) {
            attempts++;
            yield 1;
            await wait(10_000, signal);
            yield 2;
          },
          options({ stallTimeoutMs: 60 }),
        ))
          got.push(x);
      })(),
      (err) => err instanceof ProviderError && /timeout: stall/.test(err.message),
    );
    assert.deepEqual(got, [1]);
    assert.equal(attempts, 1);
  });
});

describe('retryingStream: aborts, early stops and failures not retried', () => {
  it('an abort while waiting for a chunk rejects promptly with the abort reason', async () => {
    const ac = new AbortController();
    let attemptSignal: AbortSignal | undefined;
    const reason = new DOMException('barge-in', 'AbortError');
    setTimeout(() => ac.abort(reason), 40);
    const started = performance.now();
    await assert.rejects(
      collect(
        retryingStream(
          async function* (signal) {
            attemptSignal = signal;
            yield 1;
            // A read that ignores the signal: the stream must not wait for it.
            await new Promise((resolve) => setTimeout(resolve, 2_000));
            yield 2;
          },
          options({ signal: ac.signal, stallTimeoutMs: 5_000 }),
        ),
      ),
      (err) => err === reason,
    );
    assert.ok(performance.now() - started < 200);
    assert.equal(attemptSignal?.aborted, true);
  });

  it('a consumer that stops early cancels the request underneath', async () => {
    let attemptSignal: AbortSignal | undefined;
    for await (const x of retryingStream(async function* (signal) {
      attemptSignal = signal;
      yield 1;
      yield 2;
    }, options())) {
      assert.equal(x, 1);
      break;
    }
    assert.equal(attemptSignal?.aborted, true);
  });

  it('does not retry a non-retryable failure before the first chunk', async () => {
    let attempts = 0;
    await assert.rejects(
      collect(
        retryingStream(async function* () {
          attempts++;
          yield* [];
          throw new ProviderError({
            provider: 'fake',
            kind: 'tts',
            message: 'HTTP 400',
            status: 400,
            retryable: false,
          });
        }, options()),
      ),
      { status: 400 },
    );
    assert.equal(attempts, 1);
  });
});

describe('withDeadline', () => {
  it('rejects with a retryable timeout and aborts the work', async () => {
    let workSignal: AbortSignal | undefined;
    await assert.rejects(
      withDeadline(
        (signal) => {
          workSignal = signal;
          return new Promise(() => undefined);
        },
        {
          provider: 'fake',
          kind: 'stt',
          signal: new AbortController().signal,
          timeoutMs: 30,
          what: 'response',
        },
      ),
      (err) =>
        err instanceof ProviderError && err.retryable && /timeout: response/.test(err.message),
    );
    assert.equal(workSignal?.aborted, true);
  });
});
