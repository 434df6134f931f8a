/**
 * Shared by the streaming provider tests (the OpenAI LLM and TTS): draining a stream, and the
 * failure scenarios every provider built on `retryingStream` must pass against the fixture —
 * retries before the first item, none after it, time limits, aborts and close().
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Fault, RecordedRequest } from '@voice-agent/fixtures';
import type { RetryPolicy } from '../src/providers/base.js';
import { ProviderError } from '../src/providers/types.js';
import type { ProviderKind } from '../src/providers/types.js';
import { startConnectionProbe } from './connection_probe.js';
import { until } from './until.js';

/** Every item until the stream ends or fails; the failure is returned, not thrown. */
export async function drain<T>(stream: AsyncIterable<T>) {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

/** What the scenarios change of a provider's settings (each provider names them its own way). */
export interface StreamSettings {
  baseURL?: string;
  firstChunkTimeoutMs?: number;
  stallTimeoutMs?: number;
  retry?: RetryPolicy;
}

/** A provider made for one scenario, and the two requests the scenarios send it. */
export interface StreamingClient<T> {
  /** The usual request. */
  request(signal: AbortSignal): AsyncIterable<T>;
  /** A request whose answer is long enough to still be streaming when a scenario aborts it. */
  long(signal: AbortSignal): AsyncIterable<T>;
  close(): Promise<void>;
}

/** A streaming provider and its fixture endpoint, as the failure scenarios drive them. */
export interface StreamingSubject<T> {
  kind: ProviderKind;
  /** What the provider yields, for the test names: 'token', 'chunk'. */
  item: string;
  /** The setting of its time limit to the first item, for the test names. */
  firstTimeout: string;
  /** The fixture's base URL (a connection probe stands in front of it). */
  baseUrl: () => string;
  /** The requests the fixture has recorded at the provider's endpoint. */
  requests: () => RecordedRequest[];
  /** The endpoint's faults, applied in order (emptied before each test). */
  faults: () => Fault[];
  /** From now on the endpoint sends one item every 5 s (reset before each test). */
  slow: () => void;
  /** From now on the endpoint's first item comes 2 s after the request (reset before each test). */
  late: () => void;
  /** A provider with quick retries (random 0) and `over` on top; the caller closes it later. */
  client: (over?: StreamSettings) => StreamingClient<T>;
  /** Asserts that the usual answer arrived whole. */
  whole: (items: T[]) => void;
  /** Asserts the first item of the long answer. */
  first: (item: T | undefined) => void;
  /** The chunks the fixture sends before a stall or a drop, and what the provider yields of them. */
  partial: { afterChunks: number; check: (items: T[]) => void };
}

/** Registers the failure scenarios for `s` in the enclosing describe(). */
export function streamFailureScenarios<T>(s: StreamingSubject<T>): void {
  const signal = () => new AbortController().signal;

  it(`a 500 before the first ${s.item} is retried, and the answer arrives whole`, async () => {
    s.faults().push({ kind: 'status', status: 500 });
    const before = s.requests().length;
    const { items, error } = await drain(s.client().request(signal()));
    assert.equal(error, undefined);
    s.whole(items);
    assert.equal(s.requests().length - before, 2);
  });

  it('a 429 with retry-after: the retry waits at least that long', async (t) => {
    s.faults().push({ kind: 'status', status: 429, retryAfterS: 0.3 });
    const before = s.requests().length;
    // Backoff alone would retry at once (random 0): only retry-after can make it wait.
    const { items, error } = await drain(s.client().request(signal()));
    assert.equal(error, undefined);
    s.whole(items);
    const [first, second] = s.requests().slice(before);
    assert.ok(first !== undefined && second !== undefined, 'two requests');
    const waitedMs = second.at - first.at;
    t.diagnostic(`429 -> retry: ${waitedMs.toFixed(0)} ms`);
    assert.ok(waitedMs >= 299, `retried after ${waitedMs} ms`);
  });

  for (const status of [401, 400]) {
    it(`a ${status} is a non-retryable ProviderError with its status, sent once`, async () => {
      s.faults().push({ kind: 'status', status });
      const before = s.requests().length;
      const { items, error } = await drain(s.client().request(signal()));
      assert.deepEqual(items, []);
      assert.ok(error instanceof ProviderError, String(error));
      assert.equal(error.status, status);
      assert.equal(error.retryable, false);
      assert.equal(error.kind, s.kind);
      assert.equal(s.requests().length - before, 1);
    });
  }

  it(`a stall after the first ${s.item}s fails with a stall timeout and is not retried`, async () => {
    // The first chunks, then silence on an open socket.
    s.faults().push({ kind: 'stall', afterChunks: s.partial.afterChunks });
    const before = s.requests().length;
    const started = performance.now();
    const { items, error } = await drain(s.client({ stallTimeoutMs: 150 }).request(signal()));
    const tookMs = performance.now() - started;
    s.partial.check(items);
    assert.ok(error instanceof ProviderError, String(error));
    assert.match(error.message, /timeout: stall/);
    assert.equal(s.requests().length - before, 1, `${s.item}s were already yielded: no retry`);
    assert.ok(tookMs >= 150 && tookMs < 1_000, `failed after ${tookMs} ms`);
  });

  it(`a socket dropped after the first ${s.item}s fails the stream and is not retried`, async () => {
    s.faults().push({ kind: 'drop', afterChunks: s.partial.afterChunks });
    const before = s.requests().length;
    const { items, error } = await drain(s.client().request(signal()));
    s.partial.check(items);
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.retryable, true, 'a dropped socket is a retryable kind of error');
    assert.equal(s.requests().length - before, 1);
  });

  it(`a first ${s.item} later than ${s.firstTimeout}: a retryable timeout after every attempt`, async () => {
    s.late();
    const before = s.requests().length;
    const started = performance.now();
    const client = s.client({ firstChunkTimeoutMs: 100, retry: { attempts: 2, baseDelayMs: 5 } });
    const { items, error } = await drain(client.request(signal()));
    const tookMs = performance.now() - started;
    assert.deepEqual(items, []);
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /timeout: first chunk/);
    assert.equal(s.requests().length - before, 2);
    assert.ok(tookMs >= 200 && tookMs < 1_000, `failed after ${tookMs} ms`);
  });

  it(`an abort while waiting for a ${s.item} rejects promptly with an AbortError and closes the socket`, async (t) => {
    s.slow();
    const p = await startConnectionProbe(s.baseUrl());
    t.after(() => p.close());
    const controller = new AbortController();
    const stream = s.client({ baseURL: p.baseUrl }).long(controller.signal);
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.equal(first.done, false);
    s.first(first.value);
    assert.equal(p.inUse(), 1);
    const pending = iterator.next(); // the next item is 5 s away
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    const stoppedMs = performance.now() - started;
    assert.ok(stoppedMs < 300, `stopped after ${stoppedMs} ms`);
    await until(() => p.inUse() === 0, 'the connection to close', 500);
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  });

  it(`an abort between ${s.item}s ends the iteration with an AbortError`, async () => {
    const controller = new AbortController();
    const items: T[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of s.client().long(controller.signal)) {
          items.push(item);
          if (items.length === 3) controller.abort();
        }
      })(),
      (err: Error) => err.name === 'AbortError',
    );
    assert.equal(items.length, 3);
  });

  it('close() aborts streams in flight and closes their sockets; later requests fail at once', async (t) => {
    s.slow();
    const p = await startConnectionProbe(s.baseUrl());
    t.after(() => p.close());
    const client = s.client({ baseURL: p.baseUrl });
    const streams = [0, 1].map(() => client.long(signal())[Symbol.asyncIterator]());
    for (const stream of streams) s.first((await stream.next()).value);
    assert.equal(p.inUse(), 2);
    const rejected = streams.map((stream) =>
      assert.rejects(stream.next(), (err: Error) => err.name === 'AbortError'),
    );
    const started = performance.now();
    await client.close();
    await Promise.all(rejected);
    const stoppedMs = performance.now() - started;
    assert.ok(stoppedMs < 300, `stopped after ${stoppedMs} ms`);
    await until(() => p.inUse() === 0, 'the connections to close', 500);

    const before = s.requests().length;
    const { items, error } = await drain(client.request(signal()));
    assert.deepEqual(items, []);
    assert.equal((error as Error | undefined)?.name, 'AbortError');
    assert.equal(s.requests().length, before, 'a closed provider sends nothing');
  });
}
