import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadCpuSeconds, TreeMeter } from './systems.js';

/** Keeps the calling thread busy for `ms`. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

describe('agent CPU by thread', () => {
  it('names the main thread and counts what it used', () => {
    const before = threadCpuSeconds(process.pid);
    const main = [...before.values()].filter((t) => t.name === 'main');
    assert.equal(main.length, 1, 'exactly one main thread');
    spin(300);
    const after = [...threadCpuSeconds(process.pid).values()].find((t) => t.name === 'main')!;
    assert.ok(after.cpuS - main[0]!.cpuS >= 0.2, `main used ${after.cpuS - main[0]!.cpuS} s`);
  });

  it("splits a process's CPU between its main thread and another that ended", async () => {
    const meter = new TreeMeter(process.pid);
    meter.start();
    spin(300);
    // A worker thread busy for 600 ms, which has ended by the time the meter stops: it keeps
    // its last reading (the meter samples every 250 ms).
    await new Promise<void>((resolve, reject) => {
      const worker = new Worker(
        'const until = performance.now() + 600; while (performance.now() < until) {}',
        { eval: true, name: 'busy-worker' },
      );
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
    const { threads, cpuS } = meter.stop();
    const used = Object.fromEntries(threads);
    assert.ok((used.main ?? 0) >= 0.2, JSON.stringify(threads));
    // Sampled while it ran, under its own thread's name, though it is gone now.
    const worker = threads.find(
      ([name, c]) => name !== 'main' && !name.startsWith('(') && c >= 0.3,
    );
    assert.ok(worker, `the worker's CPU is counted: ${JSON.stringify(threads)}`);
    // One process, so the tree's CPU is its own: the split adds up to it.
    const sum = threads.reduce((s, [, c]) => s + c, 0);
    assert.ok(Math.abs(sum - cpuS) <= 0.02, `${sum} of ${cpuS}: ${JSON.stringify(threads)}`);
  });
});
