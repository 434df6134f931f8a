import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { backoffDelayMs, sleep } from './backoff.js';

/** The worker's reconnect: equal jitter, the default. */
const OPTS = { baseMs: 500, maxMs: 10_000 };
/** The providers' retries: full jitter. */
const FULL = { baseMs: 100, maxMs: 2000, jitter: 'full' } as const;

describe('backoffDelayMs with equal jitter (the default)', () => {
  it('stays within [ceiling/2, ceiling] for any random value', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(OPTS.maxMs, OPTS.baseMs * 2 ** attempt);
      for (const r of [0, 0.001, 0.25, 0.5, 0.75, 0.999_999]) {
        const delay = backoffDelayMs(attempt, OPTS, () => r);
        assert.ok(
          delay >= ceiling / 2 && delay <= ceiling,
          `attempt ${attempt}, random ${r}: ${delay} not in [${ceiling / 2}, ${ceiling}]`,
        );
      }
    }
  });

  it('the ceiling doubles with each attempt: 500, 1000, 2000, 4000, 8000', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((n) => backoffDelayMs(n, OPTS, () => 0)),
      [250, 500, 1000, 2000, 4000],
    );
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((n) => backoffDelayMs(n, OPTS, () => 0.999_999)),
      [500, 1000, 2000, 4000, 8000],
    );
  });

  it('the ceiling caps at maxMs and stays there', () => {
    for (const attempt of [5, 6, 10, 50, 2000]) {
      assert.equal(
        backoffDelayMs(attempt, OPTS, () => 0),
        5_000,
        `attempt ${attempt}`,
      );
      assert.equal(
        backoffDelayMs(attempt, OPTS, () => 0.999_999),
        10_000,
        `attempt ${attempt}`,
      );
    }
  });

  it('a negative attempt counts as the first', () => {
    assert.equal(
      backoffDelayMs(-3, OPTS, () => 0.999_999),
      500,
    );
  });

  it('uses the jitter: different random values give different delays', () => {
    const delays = new Set([0, 0.5, 0.999].map((r) => backoffDelayMs(3, OPTS, () => r)));
    assert.equal(delays.size, 3);
  });

  it('without an injected random, delays still stay within bounds', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(2, OPTS);
      assert.ok(delay >= 1000 && delay <= 2000, `${delay}`);
    }
  });
});

describe('backoffDelayMs with full jitter', () => {
  it('stays within [0, ceiling] and the ceiling doubles from baseMs up to maxMs', () => {
    const ceilings = [100, 200, 400, 800, 1600, 2000, 2000, 2000];
    for (const [n, ceiling] of ceilings.entries()) {
      for (const r of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const delay = backoffDelayMs(n, FULL, () => r);
        assert.ok(delay >= 0 && delay <= ceiling, `retry ${n}, random ${r}: ${delay}`);
      }
      assert.equal(
        backoffDelayMs(n, FULL, () => 0),
        0,
      );
      assert.equal(
        backoffDelayMs(n, FULL, () => 0.999_999),
        ceiling,
      );
    }
  });

  it('spreads delays over the whole range (full jitter, not equal jitter)', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelayMs(3, FULL));
    assert.ok(Math.min(...delays) < 80, 'some delays near 0');
    assert.ok(Math.max(...delays) > 720, 'some delays near the 800 ms ceiling');
    assert.ok(delays.every((d) => d >= 0 && d <= 800));
  });
});

describe('sleep', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  /** Lets promise callbacks run after a timer or abort. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  /** Whether `p` has resolved, or rejected (and with what). */
  function track(p: Promise<void>) {
    const state: { done: boolean; error: unknown } = { done: false, error: undefined };
    p.then(
      () => (state.done = true),
      (err: unknown) => (state.error = err),
    );
    return state;
  }

  it('resolves after the given time, not before', async () => {
    const slept = track(sleep(1_000));
    mock.timers.tick(999);
    await settle();
    assert.equal(slept.done, false);
    mock.timers.tick(1);
    await settle();
    assert.equal(slept.done, true);
  });

  it('rejects early, with the abort reason, when the signal aborts', async () => {
    const ac = new AbortController();
    const slept = track(sleep(60_000, ac.signal));
    mock.timers.tick(100);
    await settle();
    assert.equal(slept.done, false);
    assert.equal(slept.error, undefined);
    const reason = new Error('stop');
    ac.abort(reason);
    await settle();
    assert.equal(slept.done, false);
    assert.equal(slept.error, reason);
  });

  it('rejects at once when the signal has already aborted', async () => {
    const slept = track(sleep(60_000, AbortSignal.abort()));
    await settle();
    assert.equal(slept.done, false);
    assert.ok(slept.error instanceof DOMException && slept.error.name === 'AbortError');
  });

  it('an abort reason that is not an Error rejects as an AbortError', async () => {
    const ac = new AbortController();
    const slept = track(sleep(60_000, ac.signal));
    ac.abort('bye');
    await settle();
    assert.ok(slept.error instanceof DOMException && slept.error.name === 'AbortError');
  });

  it('a signal that never aborts does not shorten the sleep', async () => {
    const ac = new AbortController();
    const slept = track(sleep(1_000, ac.signal));
    mock.timers.tick(500);
    await settle();
    assert.equal(slept.done, false);
    mock.timers.tick(500);
    await settle();
    assert.equal(slept.done, true);
    ac.abort(); // after the sleep ended: harmless
    await settle();
    assert.equal(slept.error, undefined);
  });
});
