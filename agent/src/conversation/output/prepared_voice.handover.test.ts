import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { SpeechSynthesizer } from '../../providers/types.js';
import { PreparedVoice } from './prepared_voice.js';

/** A voice that takes `firstMs` to its first chunk and `chunkMs` per later one; logs its calls. */
function scriptedVoice(opts: {
  chunks: number;
  firstMs: number;
  chunkMs: number;
  failAt?: number;
}) {
  const calls: { text: string; aborted: boolean; finished: boolean }[] = [];
  const voice: SpeechSynthesizer = {
    label: 'scripted',
    async *synthesize(text, { signal }) {
      const call = { text, aborted: false, finished: false };
      calls.push(call);
      signal.addEventListener('abort', () => (call.aborted = true), { once: true });
      for (let i = 0; i < opts.chunks; i++) {
        await sleep(i === 0 ? opts.firstMs : opts.chunkMs);
        if (signal.aborted) return;
        if (i === opts.failAt) throw new Error('voice failed');
        yield new Int16Array([i]);
      }
      call.finished = true;
    },
    close: () => Promise.resolve(),
  };
  return { voice, calls };
}

async function collect(stream: AsyncIterable<Int16Array>) {
  const askedAt = performance.now();
  const chunks: number[] = [];
  let firstMs: number | undefined;
  for await (const chunk of stream) {
    firstMs ??= performance.now() - askedAt;
    chunks.push(chunk[0]!);
  }
  return { chunks, firstMs: firstMs ?? NaN };
}

const signal = () => new AbortController().signal;

describe('prepared voice: speech synthesised before it is asked for', () => {
  it('hands over what it synthesised ahead, at once, and the rest as it comes', async () => {
    const { voice, calls } = scriptedVoice({ chunks: 4, firstMs: 120, chunkMs: 40 });
    const prepared = new PreparedVoice(voice);
    prepared.prepare('Hello Ana,', 10_000);
    await sleep(150); // the agent joins meanwhile: the first chunk is in
    const { chunks, firstMs } = await collect(
      prepared.synthesize('Hello Ana,', { signal: signal() }),
    );
    assert.deepEqual(chunks, [0, 1, 2, 3]);
    assert.ok(firstMs < 30, `first chunk ${firstMs.toFixed(0)} ms after the request, not at once`);
    assert.equal(calls.length, 1, 'synthesised once');
  });

  it('sends other texts, and a second request of the same text, to the voice', async () => {
    const { voice, calls } = scriptedVoice({ chunks: 2, firstMs: 5, chunkMs: 5 });
    const prepared = new PreparedVoice(voice);
    prepared.prepare('Hello Ana,', 10_000);
    assert.deepEqual(
      (await collect(prepared.synthesize('Hi Ben,', { signal: signal() }))).chunks,
      [0, 1],
    );
    await collect(prepared.synthesize('Hello Ana,', { signal: signal() }));
    await collect(prepared.synthesize('Hello Ana,', { signal: signal() }));
    assert.deepEqual(
      calls.map((c) => c.text),
      ['Hello Ana,', 'Hi Ben,', 'Hello Ana,'],
    );
  });

  it('drops speech nobody asked for in time, and stops synthesising it', async () => {
    const { voice, calls } = scriptedVoice({ chunks: 50, firstMs: 5, chunkMs: 10 });
    const prepared = new PreparedVoice(voice);
    prepared.prepare('Hello Ana,', 50);
    await sleep(120);
    assert.equal(calls[0]!.aborted, true, 'still synthesising a dropped greeting');
    await collect(prepared.synthesize('Hello Ana,', { signal: signal() }));
    assert.equal(calls.length, 2, 'a dropped greeting was handed over');
  });

  it('keeps synthesising what was handed over past the time it was kept for', async () => {
    const { voice, calls } = scriptedVoice({ chunks: 8, firstMs: 5, chunkMs: 15 });
    const prepared = new PreparedVoice(voice);
    prepared.prepare('Hello Ana,', 40);
    await sleep(10);
    const { chunks } = await collect(prepared.synthesize('Hello Ana,', { signal: signal() }));
    assert.deepEqual(chunks, [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.equal(calls[0]!.finished, true);
  });
});

describe("prepared voice: aborts, failures and the job's end", () => {
  it('stops the synthesis when the request is aborted', async () => {
    const { voice, calls } = scriptedVoice({ chunks: 50, firstMs: 5, chunkMs: 10 });
    const prepared = new PreparedVoice(voice);
    prepared.prepare('Hello Ana,', 10_000);
    const abort = new AbortController();
    const got: number[] = [];
    for await (const chunk of prepared.synthesize('Hello Ana,', { signal: abort.signal })) {
      got.push(chunk[0]!);
      if (got.length === 3) abort.abort();
    }
    await sleep(30);
    assert.deepEqual(got, [0, 1, 2]);
    assert.equal(calls[0]!.aborted, true);
    assert.equal(calls[0]!.finished, false);
  });

  it('fails the request as the voice failed, after what it had synthesised', async () => {
    const { voice } = scriptedVoice({ chunks: 4, firstMs: 5, chunkMs: 5, failAt: 2 });
    const prepared = new PreparedVoice(voice);
    prepared.prepare('Hello Ana,', 10_000);
    await sleep(40);
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const chunk of prepared.synthesize('Hello Ana,', { signal: signal() })) {
        got.push(chunk[0]!);
      }
    }, /voice failed/);
    assert.deepEqual(got, [0, 1]);
  });

  it('clears what was prepared when the job ends', async () => {
    const { voice, calls } = scriptedVoice({ chunks: 50, firstMs: 5, chunkMs: 10 });
    const prepared = new PreparedVoice(voice);
    prepared.prepare('Hello Ana,', 10_000);
    prepared.prepare('Hello Ben,', 10_000);
    await sleep(20);
    await prepared.close();
    await sleep(20);
    assert.deepEqual(
      calls.map((c) => c.aborted),
      [true, true],
    );
  });

  it('prepares nothing once the job has ended (a lookup that answered late)', async () => {
    const { voice, calls } = scriptedVoice({ chunks: 2, firstMs: 5, chunkMs: 5 });
    const prepared = new PreparedVoice(voice);
    await prepared.close();
    prepared.prepare('Hello Ana,', 10_000);
    await sleep(20);
    assert.equal(calls.length, 0);
  });
});
