import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture, SpeakRecord } from '@voice-agent/fixtures';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { drain as drainItems } from '../../../test/streaming_provider.js';
import { until } from '../../../test/until.js';
import { concat } from '../pcm.js';
import { ProviderError } from '../types.js';
import { DeepgramTts, type DeepgramTtsOptions } from './deepgram.js';

const PHRASES = ['Turn on the kitchen lights.', 'Book a table for two at seven.'];
const TEXT = PHRASES[0]!;
const LONG_TEXT = Array.from(
  { length: 6 },
  () => 'The quick brown fox jumps over the lazy dog.',
).join(' ');
const signal = () => new AbortController().signal;
const durationMs = (samples: Int16Array) => (samples.length * 1000) / PIPELINE_SAMPLE_RATE;

async function drain(stream: AsyncIterable<Int16Array>) {
  const { items: chunks, error } = await drainItems(stream);
  return { chunks, samples: concat(chunks), error };
}

let fx: OpenAiFixture;
/** TEXT's audio from a turn that met no fault. */
let wholeText: Int16Array;
const providers: DeepgramTts[] = [];

const tts = (over: Partial<DeepgramTtsOptions> = {}) => {
  const provider = new DeepgramTts({
    baseURL: fx.deepgramBaseUrl,
    apiKey: 'dg-tts',
    model: 'aura-2-thalia-en',
    firstChunkTimeoutMs: 2_000,
    stallTimeoutMs: 1_000,
    clearTimeoutMs: 500,
    retry: { baseDelayMs: 5, random: () => 0 },
    ...over,
  });
  providers.push(provider);
  return provider;
};
const speaks = () => fx.requests.filter((r) => r.endpoint === 'speak');
const lastRecord = () => speaks().at(-1)?.body as SpeakRecord;

before(async () => {
  fx = await startOpenAiFixture({ phrases: PHRASES, apiKey: 'dg-tts' });
  wholeText = (await drain(tts().synthesize(TEXT, { signal: signal() }))).samples;
});
beforeEach(() => {
  Object.assign(fx.script.speak, {
    ttfbMs: 0,
    chunkMs: 100,
    realtimeFactor: 0,
    flushLimit: 20,
    flushWindowMs: 60_000,
    idleTimeoutMs: 0,
  });
  fx.script.speak.faults.length = 0;
});
after(async () => {
  await Promise.all(providers.map((p) => p.close()));
  await fx.close();
});

describe('deepgram TTS: Aura-2 over the /v1/speak socket', () => {
  it('streams real 24 kHz speech of the text, asked for as linear16 at 24000', async (t) => {
    const before = speaks().length;
    const { chunks, samples, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
    assert.equal(error, undefined);
    assert.ok(chunks.length > 1, `${chunks.length} chunks`);
    t.diagnostic(`${durationMs(samples).toFixed(0)} ms of audio in ${chunks.length} chunks`);
    assert.ok(durationMs(samples) > 1_000 && durationMs(samples) < 3_000);
    assert.equal(await fx.recognize(samples, PIPELINE_SAMPLE_RATE), TEXT);
    const sent = speaks().slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual((sent[0]?.body as SpeakRecord).query, {
      model: 'aura-2-thalia-en',
      encoding: 'linear16',
      sample_rate: '24000',
    });
    assert.equal(sent[0]?.headers.authorization, 'Token dg-tts');
  });

  it('keeps one socket for three replies: one connection, Speak + Flush each', async () => {
    const provider = tts();
    const before = speaks().length;
    for (let i = 0; i < 3; i++) {
      const { samples, error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
      assert.equal(error, undefined);
      assert.deepEqual(samples, wholeText);
    }
    assert.equal(speaks().length - before, 1, 'one connection');
    const record = lastRecord();
    assert.deepEqual(record.clientMessages, ['Speak', 'Flush', 'Speak', 'Flush', 'Speak', 'Flush']);
    assert.deepEqual(record.texts, [TEXT, TEXT, TEXT]);
  });

  it('replies asked for at once (two rooms) speak on sockets of their own; a free one is reused', async () => {
    fx.script.speak.realtimeFactor = 10;
    const provider = tts();
    const before = speaks().length;
    const [a, b] = await Promise.all([
      drain(provider.synthesize(TEXT, { signal: signal() })),
      drain(provider.synthesize(PHRASES[1]!, { signal: signal() })),
    ]);
    assert.deepEqual(a.samples, wholeText);
    assert.equal(await fx.recognize(b.samples, PIPELINE_SAMPLE_RATE), PHRASES[1]);
    const opened = speaks().slice(before);
    assert.equal(opened.length, 2, 'two sockets');
    for (const record of opened) {
      assert.deepEqual((record.body as SpeakRecord).clientMessages, ['Speak', 'Flush']);
    }
    await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.equal(speaks().length - before, 2, 'the next reply took a free socket');
  });

  it('with one socket allowed, replies queue: the second Speak after the first Flushed', async () => {
    fx.script.speak.realtimeFactor = 10;
    const provider = tts({ maxSockets: 1 });
    const [a, b] = await Promise.all([
      drain(provider.synthesize(TEXT, { signal: signal() })),
      drain(provider.synthesize(PHRASES[1]!, { signal: signal() })),
    ]);
    assert.deepEqual(a.samples, wholeText);
    assert.equal(await fx.recognize(b.samples, PIPELINE_SAMPLE_RATE), PHRASES[1]);
    assert.deepEqual(lastRecord().clientMessages, ['Speak', 'Flush', 'Speak', 'Flush']);
  });

  it('an abort mid-speech sends Clear; the socket speaks the next reply whole', async () => {
    Object.assign(fx.script.speak, { chunkMs: 50, realtimeFactor: 1 });
    const provider = tts();
    const controller = new AbortController();
    const chunks: Int16Array[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of provider.synthesize(LONG_TEXT, { signal: controller.signal })) {
          chunks.push(chunk);
          if (chunks.length === 3) controller.abort();
        }
      })(),
      (err: Error) => err.name === 'AbortError',
    );
    fx.script.speak.realtimeFactor = 0;
    const before = speaks().length;
    const next = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.equal(next.error, undefined);
    assert.deepEqual(next.samples, wholeText, 'nothing of the cleared reply leaks into it');
    assert.equal(speaks().length, before, 'the same socket');
    assert.deepEqual(lastRecord().clientMessages, ['Speak', 'Flush', 'Clear', 'Speak', 'Flush']);
  });

  it('a socket the server closed while idle is reopened for the next reply', async () => {
    fx.script.speak.idleTimeoutMs = 100;
    const provider = tts();
    await drain(provider.synthesize(TEXT, { signal: signal() }));
    const before = speaks().length;
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { samples, error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.equal(error, undefined);
    assert.deepEqual(samples, wholeText);
    assert.equal(speaks().length - before, 1, 'a new connection');
  });

  for (const fault of [
    { kind: 'status', status: 500 },
    { kind: 'status', status: 429, retryAfterS: 0.2 },
    { kind: 'drop', afterChunks: 0 },
  ] as const) {
    it(`${JSON.stringify(fault)} before the first audio is retried, and the audio arrives whole`, async () => {
      fx.script.speak.faults.push(fault);
      const before = speaks().length;
      const started = performance.now();
      const { samples, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
      assert.equal(error, undefined);
      assert.deepEqual(samples, wholeText);
      assert.equal(speaks().length - before, 2, 'a second connection');
      if (fault.status === 429) assert.ok(performance.now() - started >= 199, 'retry-after');
    });
  }

  it('a 401 is a non-retryable ProviderError with its status, tried once', async () => {
    fx.script.speak.faults.push({ kind: 'status', status: 401 });
    const before = speaks().length;
    const { chunks, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
    assert.deepEqual(chunks, []);
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.status, 401);
    assert.equal(error.retryable, false);
    assert.equal(speaks().length - before, 1);
  });

  it('a close with an error code (1009 for text over 2000 characters) is not retried', async () => {
    const { error } = await drain(tts().synthesize('a'.repeat(2001), { signal: signal() }));
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.status, 1009);
    assert.equal(error.retryable, false);
    assert.match(error.message, /BIG-0000/);
  });

  it('a stall after the first audio fails with a stall timeout, and the socket is replaced', async () => {
    fx.script.speak.faults.push({ kind: 'stall', afterChunks: 2 });
    const provider = tts({ stallTimeoutMs: 150, clearTimeoutMs: 100 });
    const before = speaks().length;
    const { chunks, error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.equal(concat(chunks).length, 2 * 2_400, 'the two frames sent');
    assert.ok(error instanceof ProviderError, String(error));
    assert.match(error.message, /timeout: stall/);
    assert.equal(speaks().length - before, 1, 'audio was yielded: no retry');
    const next = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.deepEqual(next.samples, wholeText);
    assert.equal(speaks().length - before, 2, 'the unanswered Clear cost the socket');
  });

  it('a socket silent mid-turn is closed, not Cleared: the next reply does not wait for it', async () => {
    fx.script.speak.faults.push({ kind: 'stall', afterChunks: 2 });
    const provider = tts({ stallTimeoutMs: 600, clearTimeoutMs: 5_000 });
    const before = speaks().length;
    const { error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.match(String(error), /timeout: stall/);
    assert.ok(!lastRecord().clientMessages.includes('Clear'), 'no Clear to a stalled socket');
    const started = performance.now();
    const next = await drain(provider.synthesize(TEXT, { signal: signal() }));
    const tookMs = performance.now() - started;
    assert.deepEqual(next.samples, wholeText);
    assert.ok(tookMs < 1_000, `not the 5 s Clear wait: ${tookMs.toFixed(0)} ms`);
    assert.equal(speaks().length - before, 2, 'a new socket');
  });

  it('a socket at its Flush limit: the next reply opens another instead of waiting', async () => {
    Object.assign(fx.script.speak, { flushLimit: 2, flushWindowMs: 60_000 });
    const provider = tts({ flushLimit: { count: 2, windowMs: 60_000 } });
    const before = speaks().length;
    const started = performance.now();
    for (let i = 0; i < 3; i++) {
      assert.equal((await drain(provider.synthesize(TEXT, { signal: signal() }))).error, undefined);
    }
    assert.ok(performance.now() - started < 2_000, 'nobody waited a minute');
    const opened = speaks()
      .slice(before)
      .map((r) => r.body as SpeakRecord);
    assert.deepEqual(
      opened.map((r) => [r.texts.length, r.flushesRefused]),
      [
        [2, 0],
        [1, 0],
      ],
    );
  });

  it('keeps to the Flush limit: with every socket at it, a reply waits for the window', async () => {
    Object.assign(fx.script.speak, { flushLimit: 2, flushWindowMs: 400 });
    const provider = tts({ flushLimit: { count: 2, windowMs: 400 }, maxSockets: 1 });
    const started = performance.now();
    for (let i = 0; i < 3; i++) {
      const { error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
      assert.equal(error, undefined);
    }
    const tookMs = performance.now() - started;
    assert.ok(tookMs >= 390, `the third waited: ${tookMs} ms`);
    assert.equal(lastRecord().flushesRefused, 0, 'no Flush over the server’s limit');
  });

  it('a Flush the server refuses (its Warning) fails the turn, not retryably', async () => {
    Object.assign(fx.script.speak, { flushLimit: 1, flushWindowMs: 60_000 });
    const provider = tts();
    assert.equal((await drain(provider.synthesize(TEXT, { signal: signal() }))).error, undefined);
    const { error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.retryable, false);
    assert.match(error.message, /flush refused/);
  });

  it('probe() opens a socket and closes it without speaking; a refused upgrade rejects', async () => {
    const provider = tts();
    const before = speaks().length;
    await provider.probe(signal());
    assert.equal(speaks().length - before, 1);
    await until(() => lastRecord().clientMessages.length === 0, 'nothing sent', 200);
    fx.script.speak.faults.push({ kind: 'status', status: 503 });
    await assert.rejects(provider.probe(signal()), (err: unknown) => {
      return err instanceof ProviderError && err.status === 503;
    });
    const down = tts({ baseURL: 'ws://127.0.0.1:9', connectTimeoutMs: 500 });
    await assert.rejects(down.probe(signal()), ProviderError);
  });

  it('warmUp() opens the socket the first reply uses; close() sends Close', async () => {
    const provider = tts();
    const before = speaks().length;
    await provider.warmUp();
    assert.equal(speaks().length - before, 1);
    await drain(provider.synthesize(TEXT, { signal: signal() }));
    await provider.close();
    assert.equal(speaks().length - before, 1);
    assert.deepEqual(lastRecord().clientMessages, ['Speak', 'Flush', 'Close']);
    const { error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.equal((error as Error | undefined)?.name, 'AbortError');
  });

  it('a warm-up and a reply at the same moment share one opening', async () => {
    const provider = tts();
    const before = speaks().length;
    const [, reply] = await Promise.all([
      provider.warmUp(),
      drain(provider.synthesize(TEXT, { signal: signal() })),
    ]);
    assert.deepEqual(reply.samples, wholeText);
    assert.equal(speaks().length - before, 1);
  });

  it('empty or blank text yields nothing and opens nothing', async () => {
    const before = speaks().length;
    for (const text of ['', '  \n']) {
      const { chunks, error } = await drain(tts().synthesize(text, { signal: signal() }));
      assert.deepEqual(chunks, []);
      assert.equal(error, undefined);
    }
    assert.equal(speaks().length, before);
  });
});
