import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { startConnectionProbe } from '../../../test/connection_probe.js';
import { drain as drainItems, streamFailureScenarios } from '../../../test/streaming_provider.js';
import type { StreamSettings } from '../../../test/streaming_provider.js';
import { concat } from '../pcm.js';
import { OpenAiTts } from './openai.js';

const TEXT = 'The quick brown fox jumps over the lazy dog.';
const LONG_TEXT = Array.from({ length: 6 }, () => TEXT).join(' ');
/** The fixture speaks (espeak-ng) at about 165 words a minute. */
const WORDS_PER_MINUTE = 165;
/** One 100 ms chunk of the fixture's 24 kHz audio. */
const CHUNK_SAMPLES = 2_400;

/** Every chunk until the stream ends or fails, and all of its audio; the failure is returned. */
async function drain(stream: AsyncIterable<Int16Array>) {
  const { items: chunks, error } = await drainItems(stream);
  return { chunks, samples: concat(chunks), error };
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

const durationMs = (samples: Int16Array) => (samples.length * 1000) / PIPELINE_SAMPLE_RATE;
const spokenMs = (text: string) => (text.split(/\s+/).length / WORDS_PER_MINUTE) * 60_000;
const signal = () => new AbortController().signal;

let fx: OpenAiFixture;
/** TEXT's audio from a request that met no fault. */
let wholeText: Int16Array;
const providers: OpenAiTts[] = [];
const probes: Awaited<ReturnType<typeof startConnectionProbe>>[] = [];

const tts = (over: StreamSettings = {}) => {
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
  wholeText = (await drain(tts().synthesize(TEXT, { signal: signal() }))).samples;
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

describe('openai TTS: streamed /v1/audio/speech against the fixture', () => {
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

  streamFailureScenarios({
    kind: 'tts',
    item: 'chunk',
    firstTimeout: 'firstChunkTimeoutMs',
    baseUrl: () => fx.baseUrl,
    requests: speechRequests,
    faults: () => fx.script.speech.faults,
    slow: () => (fx.script.speech.realtimeFactor = 0.02), // one 100 ms chunk every 5 s
    late: () => (fx.script.speech.ttfbMs = 2_000),
    client: (over) => {
      const provider = tts(over);
      return {
        request: (signal) => provider.synthesize(TEXT, { signal }),
        long: (signal) => provider.synthesize(LONG_TEXT, { signal }),
        close: () => provider.close(),
      };
    },
    whole: (chunks) => {
      assert.ok(concat(chunks).length > 0);
      assert.deepEqual(concat(chunks), wholeText);
    },
    first: (chunk) => assert.equal(chunk?.length, CHUNK_SAMPLES),
    partial: {
      afterChunks: 2,
      check: (chunks) =>
        assert.equal(concat(chunks).length, 2 * CHUNK_SAMPLES, 'the two chunks sent'),
    },
  });
});

describe('openai TTS: the kept-alive connection, and empty text', () => {
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
