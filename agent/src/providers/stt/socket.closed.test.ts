import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProviderError, Stt } from '../types.js';
import { DeepgramStt } from './deepgram.js';
import { OpenAiRealtimeStt } from './openai_realtime.js';

/** Nothing listens there: a stream that tried to connect would fail, not hang. */
const NOWHERE = 'http://127.0.0.1:9';
const providers: [string, () => Stt][] = [
  ['deepgram', () => new DeepgramStt({ baseURL: NOWHERE, apiKey: 'k', model: 'nova-3' })],
  [
    'openai realtime',
    () => new OpenAiRealtimeStt({ baseURL: NOWHERE, apiKey: 'k', model: 'gpt-4o-transcribe' }),
  ],
];

/** Records unhandled rejections while `fn` runs and for a few ticks after. */
async function unhandledDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => void seen.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  return seen;
}

for (const [name, make] of providers) {
  describe(`${name} STT: a stream opened when it cannot run`, () => {
    it('on an aborted signal: closed at once, no error, nothing unhandled', async () => {
      const stt = make();
      const errors: ProviderError[] = [];
      const unhandled = await unhandledDuring(async () => {
        const ac = new AbortController();
        ac.abort();
        const stream = stt.stream({
          signal: ac.signal,
          onEvent: () => {},
          onError: (e) => void errors.push(e),
        });
        await stream.close();
        await stt.close();
      });
      assert.deepEqual(unhandled, []);
      assert.deepEqual(errors, []);
    });

    it('after the provider closed: closed at once, no error, nothing unhandled', async () => {
      const stt = make();
      const errors: ProviderError[] = [];
      const unhandled = await unhandledDuring(async () => {
        await stt.close();
        const signal = new AbortController().signal;
        const stream = stt.stream({
          signal,
          onEvent: () => {},
          onError: (e) => void errors.push(e),
        });
        await stream.close();
      });
      assert.deepEqual(unhandled, []);
      assert.deepEqual(errors, []);
    });
  });
}
