import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { registry } from '../metrics/registry.js';
import { retry, retryDelayMs } from './base.js';
import { ProviderError } from './types.js';

let counter = 0;
/** A provider label of its own per test, so metric counts do not mix. */
const label = () => ({ provider: `fake-${++counter}`, kind: 'llm' as const });

const retryable = (retryAfterMs?: number) =>
  new ProviderError({
    provider: 'fake',
    kind: 'llm',
    message: 'HTTP 503: overloaded',
    status: 503,
    retryable: true,
    retryAfterMs,
  });

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, name);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return match?.value ?? 0;
}

function memoryLog() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

describe('retry delays', () => {
  it('back off with full jitter: from 0 up to a ceiling doubling from baseDelayMs to maxDelayMs', () => {
    const delays = (random: number) =>
      [0, 1, 2, 3, 4, 5, 6, 7].map((n) =>
        retryDelayMs(n, retryable(), { baseDelayMs: 100, maxDelayMs: 2000, random: () => random }),
      );
    assert.deepEqual(delays(0), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(delays(0.5), [50, 100, 200, 400, 800, 1000, 1000, 1000]);
    assert.deepEqual(delays(0.999_999), [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it("a server's retry-after replaces the backoff, capped by maxRetryAfterMs", () => {
    assert.equal(retryDelayMs(0, retryable(1500), { random: () => 0 }), 1500);
    assert.equal(retryDelayMs(0, retryable(60_000), { maxRetryAfterMs: 3000 }), 3000);
    assert.equal(retryDelayMs(0, retryable(), { random: () => 0.5, baseDelayMs: 100 }), 50);
  });
});

describe('retry', () => {
  it('retries a retryable failure and counts the request, the error and the retry', async () => {
    const l = label();
    const { log, lines } = memoryLog();
    let calls = 0;
    const result = await retry(
      async (n) => {
        calls++;
        if (n === 0) throw retryable();
        return 'ok';
      },
      { ...l, signal: new AbortController().signal, baseDelayMs: 1, log },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 2);
    assert.equal(await metricValue('voice_agent_provider_retries_total', l), 1);
    assert.equal(
      await metricValue('voice_agent_provider_requests_total', { ...l, outcome: 'ok' }),
      1,
    );
    assert.equal(
      await metricValue('voice_agent_provider_errors_total', { ...l, retryable: 'true' }),
      1,
    );
    const line = lines.find((x) => x.msg === 'provider request retrying');
    assert.ok(line, 'retry logged');
    assert.equal(line.provider, l.provider);
    assert.equal(line.attempt, 1);
    assert.equal(line.status, 503);
    assert.equal(typeof line.delayMs, 'number');
  });

  it('does not retry a non-retryable ProviderError', async () => {
    const refused = new ProviderError({
      provider: 'fake',
      kind: 'llm',
      message: 'HTTP 401',
      status: 401,
      retryable: false,
    });
    let calls = 0;
    await assert.rejects(
      retry(
        async () => {
          calls++;
          throw refused;
        },
        { ...label(), signal: new AbortController().signal, baseDelayMs: 1 },
      ),
      (err) => err === refused,
    );
    assert.equal(calls, 1);
  });

  it('maps anything else to a non-retryable ProviderError', async () => {
    let calls = 0;
    await assert.rejects(
      retry(
        async () => {
          calls++;
          throw new RangeError('bad input');
        },
        { ...label(), signal: new AbortController().signal },
      ),
      (err) => err instanceof ProviderError && !err.retryable && /bad input/.test(err.message),
    );
    assert.equal(calls, 1);
  });

  it('gives up after `attempts` and rejects with the last error', async () => {
    const l = label();
    let calls = 0;
    await assert.rejects(
      retry(
        async () => {
          calls++;
          throw retryable();
        },
        { ...l, signal: new AbortController().signal, attempts: 4, baseDelayMs: 1 },
      ),
      (err) => err instanceof ProviderError && err.status === 503,
    );
    assert.equal(calls, 4);
    assert.equal(await metricValue('voice_agent_provider_retries_total', l), 3);
    assert.equal(
      await metricValue('voice_agent_provider_requests_total', { ...l, outcome: 'error' }),
      1,
    );
  });
});

describe('retry: retry-after and aborts', () => {
  it('waits for the retry-after the server asked for', async () => {
    const started = performance.now();
    let secondAt = 0;
    await retry(
      async (n) => {
        if (n === 0) throw retryable(150);
        secondAt = performance.now();
      },
      { ...label(), signal: new AbortController().signal, random: () => 0 },
    );
    const waited = secondAt - started;
    assert.ok(waited >= 145 && waited < 400, `waited ${waited} ms for a 150 ms retry-after`);
  });

  it('caps a long retry-after', async () => {
    const started = performance.now();
    await retry(
      async (n) => {
        if (n === 0) throw retryable(60_000);
      },
      { ...label(), signal: new AbortController().signal, maxRetryAfterMs: 100 },
    );
    const waited = performance.now() - started;
    assert.ok(waited >= 95 && waited < 400, `waited ${waited} ms, cap 100 ms`);
  });

  it('an abort during the backoff sleep rejects at once with the abort reason', async () => {
    const l = label();
    const ac = new AbortController();
    const reason = new DOMException('user left', 'AbortError');
    const started = performance.now();
    setTimeout(() => ac.abort(reason), 30);
    await assert.rejects(
      retry(
        async () => {
          throw retryable();
        },
        { ...l, signal: ac.signal, baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 0.99 },
      ),
      (err) => err === reason,
    );
    const took = performance.now() - started;
    assert.ok(took < 200, `took ${took} ms`);
    assert.equal(
      await metricValue('voice_agent_provider_requests_total', { ...l, outcome: 'aborted' }),
      1,
    );
  });

  it('does not start when already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    let calls = 0;
    await assert.rejects(
      retry(
        async () => {
          calls++;
        },
        { ...label(), signal: ac.signal },
      ),
      { name: 'AbortError' },
    );
    assert.equal(calls, 0);
  });
});
