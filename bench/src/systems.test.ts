import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { threadCpuSeconds, TreeMeter } from './systems.js';

/** CPU seconds this thread has used, by its own /proc count. */
function threadCpu(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Spins this thread until it has used `cpuS` seconds of CPU (not wall time: on a loaded
 * machine a thread may get half a core), or `capMs` has passed.
 */
function spin(cpuS: number, capMs: number): void {
  const from = threadCpu();
  const until = Date.now() + capMs;
  while (threadCpu() - from < cpuS && Date.now() < until) {
    for (let i = 0; i < 1e5; i++);
  }
}

/** The same, as plain JavaScript for a worker thread. */
const WORKER_SPIN = `
const { readFileSync } = require('node:fs');
function threadCpu() {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
function spin(cpuS, capMs) {
  const from = threadCpu();
  const until = Date.now() + capMs;
  while (threadCpu() - from < cpuS && Date.now() < until) {
    for (let i = 0; i < 1e5; i++);
  }
}`;

describe('agent CPU by thread', () => {
  it('names the main thread and counts what it used', () => {
    const main = () => [...threadCpuSeconds(process.pid).values()].filter((t) => t.name === 'main');
    const before = main();
    assert.equal(before.length, 1, 'exactly one main thread');
    spin(0.3, 10_000);
    const used = main()[0]!.cpuS - before[0]!.cpuS;
    assert.ok(used >= 0.29, `main used ${used} s`);
  });

  it("splits a process's CPU between its main thread and another that ended", async () => {
    const meter = new TreeMeter(process.pid);
    meter.start();
    spin(0.3, 10_000);
    // A worker thread that uses 0.6 s of CPU and has ended by the time the meter stops: it keeps
    // the last reading the meter took (every 250 ms); what it used after that is unsampled.
    await new Promise<void>((resolve, reject) => {
      const worker = new Worker(`${WORKER_SPIN}\nspin(0.6, 20000);`, { eval: true });
      worker.once('error', reject);
      worker.once('exit', () => resolve());
    });
    const { threads } = meter.stop();
    const used = Object.fromEntries(threads);
    assert.ok((used.main ?? 0) >= 0.29, JSON.stringify(threads));
    // Sampled while it ran, under its own thread's name, though it is gone now.
    const worker = threads.find(
      ([name, c]) => name !== 'main' && !name.startsWith('(') && c >= 0.3,
    );
    assert.ok(worker, `the worker's CPU is counted: ${JSON.stringify(threads)}`);
    const workerAndRest = worker[1] + (used['(threads that ended, unsampled)'] ?? 0);
    assert.ok(workerAndRest >= 0.59, `the worker's 0.6 s: ${JSON.stringify(threads)}`);
  });
});
