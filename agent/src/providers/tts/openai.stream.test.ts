import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { startConnectionProbe } from '../../../test/connection_probe.js';
import { until } from '../../../test/until.js';
import { ProviderError } from '../types.js';
import { OpenAiTts } from './openai.js';
import type { OpenAiTtsOptions } from './openai.js';

const TEXT = 'The quick brown fox jumps over the lazy dog.';
const LONG_TEXT = Array.from({ length: 6 }, () => TEXT).join(' ');
/** The fixture speaks (espeak-ng) at about 165 words a minute. */
const WORDS_PER_MINUTE = 165;
/** One 100 ms chunk of the fixture's 24 kHz audio. */
const CHUNK_SAMPLES = 2_400;

/** Every chunk until the stream ends or fails; the failure is returned, not thrown. */
async function drain(stream: AsyncIterable<Int16Array>) {
  const chunks: Int16Array[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { chunks, samples: concat(chunks), error: undefined };
  } catch (error) {
    return { chunks, samples: concat(chunks), error };
  }
}

function concat(chunks: Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

const durationMs = (samples: Int16Array) => (samples.length * 1000) / PIPELINE_SAMPLE_RATE;
const spokenMs = (text: string) => (text.split(/\s+/).length / WORDS_PER_MINUTE) * 60_000;
const signal = () => new AbortController().signal;

describe('openai TTS: streamed /v1/audio/speech against the fixture', () => {
  let fx: OpenAiFixture;
  const providers: OpenAiTts[] = [];
  const probes: Awaited<ReturnType<typeof startConnectionProbe>>[] = [];

  const tts = (over: Partial<OpenAiTtsOptions> = {}) => {
    const provider = new OpenAiTts({
      baseURL: fx.baseUrl,
      apiKey: 'sk-tts',
      model: 'gpt-4o-mini-tts',
      voice: 'alloy',
      firstChunkTimeoutMs: 2_000,
      stallTimeoutMs: 1_000,
      retry: { baseDelayMs: 5, random: () => 0 },
      ...over,
    });
    providers.push(provider);
    return provider;
  };
  const probe = async () => {
    const p = await startConnectionProbe(fx.baseUrl);
    probes.push(p);
    return p;
  };
  const speechRequests = () => fx.requests.filter((r) => r.endpoint === 'speech');

  before(async () => {
    fx = await startOpenAiFixture({ phrases: [] });
  });
  beforeEach(() => {
    // 100 ms chunks, unpaced: all of the audio at once.
    Object.assign(fx.script.speech, { ttfbMs: 0, chunkMs: 100, realtimeFactor: 0 });
    fx.script.speech.faults.length = 0;
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await Promise.all(probes.map((p) => p.close()));
    await fx.close();
  });

  it('streams audible 24 kHz speech as it arrives, from one request for pcm', async (t) => {
    fx.script.speech.realtimeFactor = 20; // 100 ms chunks every 5 ms: several network reads
    const before = speechRequests().length;
    const { chunks, samples, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
    assert.equal(error, undefined);
    assert.ok(chunks.length > 1, `${chunks.length} chunks`);
    const ms = durationMs(samples);
    t.diagnostic(
      `${ms.toFixed(0)} ms of audio in ${chunks.length} chunks, rms ${rms(samples).toFixed(0)}`,
    );
    assert.ok(
      ms > 0.5 * spokenMs(TEXT) && ms < 1.5 * spokenMs(TEXT),
      `${ms} ms for ${spokenMs(TEXT)} ms of words`,
    );
    assert.ok(rms(samples) > 300, `rms ${rms(samples)}`);
    const sent = speechRequests().slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]?.body, {
      model: 'gpt-4o-mini-tts',
      voice: 'alloy',
      input: TEXT,
      response_format: 'pcm',
    });
    assert.equal(sent[0]?.headers.authorization, 'Bearer sk-tts');
  });

  it('the audio grows with the text: six sentences last about six times one', async () => {
    const provider = tts();
    const one = await drain(provider.synthesize(TEXT, { signal: signal() }));
    const six = await drain(provider.synthesize(LONG_TEXT, { signal: signal() }));
    const ratio = durationMs(six.samples) / durationMs(one.samples);
    assert.ok(ratio > 4.5 && ratio < 7.5, `ratio ${ratio}`);
  });

  it('a 500 before the first chunk is retried, and the audio arrives whole', async () => {
    const whole = await drain(tts().synthesize(TEXT, { signal: signal() }));
    fx.script.speech.faults.push({ kind: 'status', status: 500 });
    const before = speechRequests().length;
    const { samples, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
    assert.equal(error, undefined);
    assert.deepEqual(samples, whole.samples);
    assert.equal(speechRequests().length - before, 2);
  });

  it('a 429 with retry-after: the retry waits at least that long', async (t) => {
    fx.script.speech.faults.push({ kind: 'status', status: 429, retryAfterS: 0.3 });
    const before = speechRequests().length;
    // Backoff alone would retry at once (random 0): only retry-after can make it wait.
    const { samples, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
    assert.equal(error, undefined);
    assert.ok(samples.length > 0);
    const [first, second] = speechRequests().slice(before);
    assert.ok(first !== undefined && second !== undefined, 'two requests');
    const waitedMs = second.at - first.at;
    t.diagnostic(`429 -> retry: ${waitedMs.toFixed(0)} ms`);
    assert.ok(waitedMs >= 299, `retried after ${waitedMs} ms`);
  });

  for (const status of [401, 400]) {
    it(`a ${status} is a non-retryable ProviderError with its status, sent once`, async () => {
      fx.script.speech.faults.push({ kind: 'status', status });
      const before = speechRequests().length;
      const { chunks, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
      assert.deepEqual(chunks, []);
      assert.ok(error instanceof ProviderError, String(error));
      assert.equal(error.status, status);
      assert.equal(error.retryable, false);
      assert.equal(error.kind, 'tts');
      assert.equal(speechRequests().length - before, 1);
    });
  }

  it('a stall after the first chunks fails with a stall timeout and is not retried', async () => {
    fx.script.speech.faults.push({ kind: 'stall', afterChunks: 2 });
    const before = speechRequests().length;
    const started = performance.now();
    const { samples, error } = await drain(
      tts({ stallTimeoutMs: 150 }).synthesize(TEXT, { signal: signal() }),
    );
    const tookMs = performance.now() - started;
    assert.equal(samples.length, 2 * CHUNK_SAMPLES, 'the two chunks sent');
    assert.ok(error instanceof ProviderError, String(error));
    assert.match(error.message, /timeout: stall/);
    assert.equal(speechRequests().length - before, 1, 'audio was already yielded: no retry');
    assert.ok(tookMs >= 150 && tookMs < 1_000, `failed after ${tookMs} ms`);
  });

  it('a socket dropped after the first chunks fails the stream and is not retried', async () => {
    fx.script.speech.faults.push({ kind: 'drop', afterChunks: 2 });
    const before = speechRequests().length;
    const { samples, error } = await drain(tts().synthesize(TEXT, { signal: signal() }));
    assert.equal(samples.length, 2 * CHUNK_SAMPLES, 'the two chunks sent');
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.retryable, true, 'a dropped socket is a retryable kind of error');
    assert.equal(speechRequests().length - before, 1);
  });

  it('a first byte later than firstChunkTimeoutMs: a retryable timeout after every attempt', async () => {
    fx.script.speech.ttfbMs = 2_000;
    const before = speechRequests().length;
    const started = performance.now();
    const { chunks, error } = await drain(
      tts({ firstChunkTimeoutMs: 100, retry: { attempts: 2, baseDelayMs: 5 } }).synthesize(TEXT, {
        signal: signal(),
      }),
    );
    const tookMs = performance.now() - started;
    assert.deepEqual(chunks, []);
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /timeout: first chunk/);
    assert.equal(speechRequests().length - before, 2);
    assert.ok(tookMs >= 200 && tookMs < 1_000, `failed after ${tookMs} ms`);
  });

  it('an abort while waiting for audio rejects promptly with an AbortError and closes the socket', async () => {
    fx.script.speech.realtimeFactor = 0.02; // one 100 ms chunk every 5 s
    const p = await probe();
    const controller = new AbortController();
    const stream = tts({ baseURL: p.baseUrl }).synthesize(LONG_TEXT, { signal: controller.signal });
    const it = stream[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.length, CHUNK_SAMPLES);
    assert.equal(p.inUse(), 1);
    const pending = it.next(); // the next chunk is 5 s away
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    const stoppedMs = performance.now() - started;
    assert.ok(stoppedMs < 300, `stopped after ${stoppedMs} ms`);
    await until(() => p.inUse() === 0, 'the connection to close', 500);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  it('an abort between chunks ends the iteration with an AbortError', async () => {
    const controller = new AbortController();
    const chunks: Int16Array[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of tts().synthesize(LONG_TEXT, { signal: controller.signal })) {
          chunks.push(chunk);
          if (chunks.length === 3) controller.abort();
        }
      })(),
      (err: Error) => err.name === 'AbortError',
    );
    assert.equal(chunks.length, 3);
  });

  it('close() aborts streams in flight and closes their sockets; later requests fail at once', async () => {
    fx.script.speech.realtimeFactor = 0.02;
    const p = await probe();
    const provider = tts({ baseURL: p.baseUrl });
    const streams = [0, 1].map(() =>
      provider.synthesize(LONG_TEXT, { signal: signal() })[Symbol.asyncIterator](),
    );
    for (const stream of streams) assert.equal((await stream.next()).value?.length, CHUNK_SAMPLES);
    assert.equal(p.inUse(), 2);
    const rejected = streams.map((stream) =>
      assert.rejects(stream.next(), (err: Error) => err.name === 'AbortError'),
    );
    const started = performance.now();
    await provider.close();
    await Promise.all(rejected);
    const stoppedMs = performance.now() - started;
    assert.ok(stoppedMs < 300, `stopped after ${stoppedMs} ms`);
    await until(() => p.inUse() === 0, 'the connections to close', 500);

    const before = speechRequests().length;
    const { chunks, error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
    assert.deepEqual(chunks, []);
    assert.equal((error as Error | undefined)?.name, 'AbortError');
    assert.equal(speechRequests().length, before, 'a closed provider sends nothing');
  });

  it('warmUp() opens the keep-alive connection that the following requests reuse', async () => {
    const p = await probe();
    const provider = tts({ baseURL: p.baseUrl });
    const models = () => fx.requests.filter((r) => r.endpoint === 'models').length;
    const modelsBefore = models();
    await provider.warmUp();
    assert.equal(models() - modelsBefore, 1, 'GET /models');
    assert.equal(p.accepted(), 1);
    for (let i = 0; i < 2; i++) {
      const { samples, error } = await drain(provider.synthesize(TEXT, { signal: signal() }));
      assert.equal(error, undefined);
      assert.ok(samples.length > 0);
    }
    assert.equal(p.accepted(), 1, 'one connection for the warm-up and both requests');
  });

  it('empty or blank text yields nothing and sends nothing', async () => {
    const before = speechRequests().length;
    for (const text of ['', '   \n']) {
      const { chunks, error } = await drain(tts().synthesize(text, { signal: signal() }));
      assert.deepEqual(chunks, []);
      assert.equal(error, undefined);
    }
    assert.equal(speechRequests().length, before);
  });
});
