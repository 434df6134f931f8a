import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { FliteTts } from './flite.js';

const TEXT = 'The quick brown fox jumps over the lazy dog.';
const LONG_TEXT = Array.from({ length: 8 }, () => TEXT).join(' ');

async function collect(stream: AsyncIterable<Int16Array>): Promise<Int16Array[]> {
  const chunks: Int16Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function rms(chunks: Int16Array[]): number {
  let sum = 0;
  let n = 0;
  for (const chunk of chunks) {
    for (const s of chunk) sum += s * s;
    n += chunk.length;
  }
  return Math.sqrt(sum / Math.max(1, n));
}

const signal = () => new AbortController().signal;

/** Pids of this process's Flite children. */
function fliteChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], {
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((line) => line.includes('flite_process'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

const fliteDirs = () => readdirSync(tmpdir()).filter((name) => name.startsWith('flite-'));

const tts = new FliteTts();

before(() => tts.warmUp());
after(() => tts.close());

describe('flite TTS: offline synthesis in a child process', () => {
  it('speaks a sentence as audible 100 ms chunks of plausible length', async (t) => {
    const chunks = await collect(tts.synthesize(TEXT, { signal: signal() }));
    const samples = chunks.reduce((n, c) => n + c.length, 0);
    const ms = (samples * 1000) / PIPELINE_SAMPLE_RATE;
    t.diagnostic(`${ms.toFixed(0)} ms of audio, rms ${rms(chunks).toFixed(0)}`);
    // Nine words at a speaking rate of 120 to 250 words a minute.
    assert.ok(ms > 2_000 && ms < 4_500, `${ms} ms`);
    assert.ok(rms(chunks) > 300, `rms ${rms(chunks)}`);
    assert.ok(chunks.length > 1);
    // Flite's own 180 ms of leading silence is cut: the voice starts within the first 20 ms.
    const first = chunks[0]!;
    const lead = first.findIndex((v) => Math.abs(v) >= 100);
    assert.ok(lead >= 0 && lead <= PIPELINE_SAMPLE_RATE / 50, `sound starts at sample ${lead}`);
    assert.ok(
      chunks.slice(0, -1).every((c) => c.length === PIPELINE_SAMPLE_RATE / 10),
      'every chunk but the last is 100 ms',
    );
  });

  it('empty or blank text yields nothing', async () => {
    for (const text of ['', '  \n']) {
      assert.deepEqual(await collect(tts.synthesize(text, { signal: signal() })), []);
    }
  });

  it('an abort during synthesis rejects at once with an AbortError', async () => {
    const controller = new AbortController();
    const it = tts.synthesize(LONG_TEXT, { signal: controller.signal })[Symbol.asyncIterator]();
    const pending = it.next();
    setTimeout(() => controller.abort(), 5);
    const started = performance.now();
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    const stoppedMs = performance.now() - started;
    assert.ok(stoppedMs < 100, `stopped after ${stoppedMs} ms`);
    // The child still serves the next request.
    assert.ok((await collect(tts.synthesize(TEXT, { signal: signal() }))).length > 0);
  });

  it('an abort between chunks ends the iteration with an AbortError', async () => {
    const controller = new AbortController();
    const chunks: Int16Array[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of tts.synthesize(TEXT, { signal: controller.signal })) {
          chunks.push(chunk);
          if (chunks.length === 2) controller.abort();
        }
      })(),
      (err: Error) => err.name === 'AbortError',
    );
    assert.equal(chunks.length, 2);
  });
});

describe('flite TTS: close(), many requests, and a child that dies', () => {
  // A timeout: a synthesis that close() forgets never settles.
  it('close() rejects a synthesis in flight with an AbortError', { timeout: 10_000 }, async () => {
    const own = new FliteTts({ voice: 'kal' });
    const next = own.synthesize(LONG_TEXT, { signal: signal() })[Symbol.asyncIterator]().next();
    const rejected = assert.rejects(next, (err: Error) => err.name === 'AbortError');
    // Closed while its child is still starting (compiling the WASM module).
    await own.close();
    await rejected;
    await own.close(); // closing twice is harmless
  });

  it('close() while a request is in the child rejects it with an AbortError', async () => {
    const own = new FliteTts();
    await own.warmUp();
    const next = own.synthesize(LONG_TEXT, { signal: signal() })[Symbol.asyncIterator]().next();
    const rejected = assert.rejects(next, (err: Error) => err.name === 'AbortError');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    await own.close();
    await rejected;
    const closedMs = performance.now() - started;
    assert.ok(closedMs < 200, `closed after ${closedMs} ms`);
  });

  // Node 20's WASI corrupted the heap by the third run in a row when instances were left to the
  // garbage collector, and in the agent's worker thread that took the whole process down.
  it('thirty syntheses in a row all succeed, from one child', { timeout: 60_000 }, async () => {
    const others = fliteChildren();
    const own = new FliteTts();
    try {
      for (let i = 0; i < 30; i++) {
        const { samples } = await own.synthesizeAll(`Sentence number ${i + 1}.`, signal());
        assert.ok(samples.length > PIPELINE_SAMPLE_RATE / 2, `run ${i + 1}: ${samples.length}`);
      }
      // No child died and was replaced along the way.
      assert.equal(fliteChildren().filter((pid) => !others.includes(pid)).length, 1);
    } finally {
      await own.close();
    }
  });

  it('a child that dies under a request is replaced and the request answered', async () => {
    const own = new FliteTts();
    const others = fliteChildren();
    await own.warmUp();
    const [first] = fliteChildren().filter((pid) => !others.includes(pid));
    assert.ok(first, 'a child is running');
    const pending = own.synthesizeAll(LONG_TEXT, signal());
    process.kill(first, 'SIGKILL');
    const { samples } = await pending;
    assert.ok(samples.length > PIPELINE_SAMPLE_RATE * 10, `${samples.length} samples`);
    const now = fliteChildren().filter((pid) => !others.includes(pid));
    assert.equal(now.length, 1);
    assert.notEqual(now[0], first);
    await own.close();
  });

  it('a child that dies twice fails the request with a retryable error', async () => {
    const others = fliteChildren();
    const own = new FliteTts();
    await own.warmUp();
    const pending = own.synthesizeAll(LONG_TEXT, signal());
    const rejected = assert.rejects(pending, (err: Error & { retryable?: boolean }) => {
      assert.match(err.message, /flite process exited \(SIGKILL\)/);
      assert.equal(err.retryable, true);
      return true;
    });
    // Kill every child as it appears, until the request has given up.
    let settled = false;
    void rejected.finally(() => (settled = true));
    while (!settled) {
      for (const pid of fliteChildren()) if (!others.includes(pid)) process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await rejected;
    await own.close();
  });

  it('close() ends the child and removes its directory', async () => {
    const before = fliteDirs();
    const own = new FliteTts();
    await own.synthesizeAll(TEXT, signal());
    const made = fliteDirs().filter((d) => !before.includes(d));
    assert.equal(made.length, 1);
    await own.close();
    assert.equal(existsSync(`${tmpdir()}/${made[0]}`), false);
    assert.equal(fliteChildren().length, 1, 'only the suite child is left');
  });
});
