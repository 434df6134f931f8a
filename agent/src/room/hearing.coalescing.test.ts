import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as wait } from 'node:timers/promises';
import type { HearingReport } from '@voice-agent/common';
import { HearingReporter } from './hearing.js';

// Real timers with a short interval: the reporter reads performance.now(), which node:test's
// mock.timers does not fake in Node 20.
const INTERVAL_MS = 40;

/** One turn of the event loop, far shorter than the interval. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function recorder(fail = false) {
  const writes: { atMs: number; report: HearingReport }[] = [];
  const write = async (json: string) => {
    writes.push({ atMs: performance.now(), report: JSON.parse(json) as HearingReport });
    if (fail) throw new Error('attribute write failed');
  };
  return { writes, write };
}

describe('HearingReporter coalescing', () => {
  it('a burst of changes in one tick is written once, with the latest report', async () => {
    const { writes, write } = recorder();
    const reporter = new HearingReporter(write, INTERVAL_MS);
    reporter.set('ann', { active: false, dbfs: -100 });
    reporter.set('ann', { active: true, dbfs: -30 });
    reporter.set('bob', { active: false, dbfs: -80 });
    reporter.set('ann', { active: true, dbfs: -25.5 });
    assert.equal(writes.length, 0, 'nothing is written synchronously');
    await wait(INTERVAL_MS * 3);
    assert.deepEqual(
      writes.map((w) => w.report),
      [{ ann: { active: true, dbfs: -25.5 }, bob: { active: false, dbfs: -80 } }],
    );
    reporter.close();
  });

  it('changes soon after a write wait for the interval and are written once, latest wins', async () => {
    const { writes, write } = recorder();
    const reporter = new HearingReporter(write, INTERVAL_MS);
    reporter.set('ann', { active: false, dbfs: -100 });
    await wait(5);
    assert.equal(writes.length, 1);

    reporter.set('ann', { active: true, dbfs: -40 });
    reporter.set('ann', { active: true, dbfs: -35 });
    await nextTurn();
    reporter.set('ann', { active: false, dbfs: -60 });
    await nextTurn();
    assert.equal(writes.length, 1, 'the burst waits for the interval');

    await wait(INTERVAL_MS * 3);
    assert.deepEqual(
      writes.map((w) => w.report),
      [{ ann: { active: false, dbfs: -100 } }, { ann: { active: false, dbfs: -60 } }],
    );
    const [first, second] = writes;
    assert.ok(first && second);
    // Timers may fire up to a millisecond early relative to performance.now().
    assert.ok(
      second.atMs - first.atMs >= INTERVAL_MS - 2,
      `second write came ${second.atMs - first.atMs} ms after the first`,
    );
    reporter.close();
  });
});

describe('HearingReporter: removals, close and failures', () => {
  it('remove drops the person from the next write', async () => {
    const { writes, write } = recorder();
    const reporter = new HearingReporter(write, INTERVAL_MS);
    reporter.set('ann', { active: true, dbfs: -30 });
    reporter.set('bob', { active: false, dbfs: -90 });
    await wait(INTERVAL_MS * 2);
    reporter.remove('ann');
    await wait(INTERVAL_MS * 3);
    assert.deepEqual(
      writes.map((w) => w.report),
      [
        { ann: { active: true, dbfs: -30 }, bob: { active: false, dbfs: -90 } },
        { bob: { active: false, dbfs: -90 } },
      ],
    );
    reporter.close();
  });

  it('removing someone it never heard writes nothing', async () => {
    const { writes, write } = recorder();
    const reporter = new HearingReporter(write, INTERVAL_MS);
    reporter.remove('nobody');
    await wait(INTERVAL_MS * 2);
    assert.deepEqual(writes, []);
    reporter.close();
  });

  it('nothing is written after close, not even a change already waiting', async () => {
    const { writes, write } = recorder();
    const reporter = new HearingReporter(write, INTERVAL_MS);
    reporter.set('ann', { active: true, dbfs: -30 });
    await wait(5);
    assert.equal(writes.length, 1);
    reporter.set('ann', { active: false, dbfs: -70 }); // waiting for the interval
    reporter.close();
    reporter.set('bob', { active: true, dbfs: -20 });
    reporter.remove('ann');
    await wait(INTERVAL_MS * 3);
    assert.equal(writes.length, 1);
  });

  it('a failed write does not stop later writes', async () => {
    const { writes, write } = recorder(true);
    const reporter = new HearingReporter(write, INTERVAL_MS);
    reporter.set('ann', { active: true, dbfs: -30 });
    await wait(INTERVAL_MS * 2);
    reporter.set('ann', { active: false, dbfs: -70 });
    await wait(INTERVAL_MS * 3);
    assert.deepEqual(
      writes.map((w) => w.report.ann?.active),
      [true, false],
    );
    reporter.close();
  });
});
