import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { loadAgentConfig, stagesOf } from '../../config.js';
import { PreparedVoice } from '../../conversation/output/prepared_voice.js';
import { registry } from '../../metrics/registry.js';
import { drain } from '../../../test/streaming_provider.js';
import { createProviders } from '../index.js';
import { concat } from '../pcm.js';
import { CachedTts, TtsCache } from './cache.js';
import { OpenAiTts } from './openai.js';

const GREETING = 'Hello Ana, welcome. I can hear you.';
const TTFB_MS = 200;
const signal = () => new AbortController().signal;

let fx: OpenAiFixture;
const closers: { close(): Promise<void> }[] = [];
const speechRequests = () => fx.requests.filter((r) => r.endpoint === 'speech').length;

function cachedOpenAi(cache = new TtsCache(32 * 1024 * 1024)) {
  const voice = new OpenAiTts({
    baseURL: fx.baseUrl,
    apiKey: 'sk-tts',
    model: 'gpt-4o-mini-tts',
    voice: 'alloy',
    retry: { baseDelayMs: 5, random: () => 0 },
  });
  closers.push(voice);
  return new CachedTts(voice, cache, { model: 'gpt-4o-mini-tts', voice: 'alloy' });
}

/** Request -> first chunk, and all of the audio. */
async function timed(stream: AsyncIterable<Int16Array>) {
  const started = performance.now();
  let firstChunkMs: number | undefined;
  const chunks: Int16Array[] = [];
  for await (const chunk of stream) {
    firstChunkMs ??= performance.now() - started;
    chunks.push(chunk);
  }
  return { firstChunkMs: firstChunkMs ?? NaN, samples: concat(chunks) };
}

before(async () => {
  fx = await startOpenAiFixture({ phrases: [], apiKey: 'sk-tts' });
});
beforeEach(() => {
  Object.assign(fx.script.speech, { ttfbMs: TTFB_MS, chunkMs: 100, realtimeFactor: 0 });
  fx.script.speech.faults.length = 0;
});
after(async () => {
  await Promise.all(closers.map((c) => c.close()));
  await fx.close();
});

describe('tts cache in front of OpenAI TTS (the fixture, 200 ms to first byte)', () => {
  it('a hit starts without the round trip: time to first chunk, miss vs hit', async (t) => {
    const tts = cachedOpenAi();
    const before = speechRequests();
    const miss = await timed(tts.synthesize(GREETING, { signal: signal() }));
    const hit = await timed(tts.synthesize(GREETING, { signal: signal() }));
    assert.equal(speechRequests() - before, 1, 'one request for both');
    assert.deepEqual(hit.samples, miss.samples);
    const figure = `first chunk: miss ${miss.firstChunkMs.toFixed(1)} ms, hit ${hit.firstChunkMs.toFixed(2)} ms (fixture ttfbMs ${TTFB_MS}, ${miss.samples.length / 24} ms of audio)`;
    t.diagnostic(figure);
    // Sanity only: the miss waited for the fixture; the hit did not.
    assert.ok(miss.firstChunkMs >= TTFB_MS, `miss ${miss.firstChunkMs} ms`);
    assert.ok(hit.firstChunkMs < 50, `hit ${hit.firstChunkMs} ms`);
  });

  it('a drop after the first chunk (retries are over by then): not kept, asked again', async () => {
    const tts = cachedOpenAi();
    fx.script.speech.faults.push({ kind: 'drop', afterChunks: 1 });
    const before = speechRequests();
    const { items, error } = await drain(tts.synthesize(GREETING, { signal: signal() }));
    assert.ok(error !== undefined && items.length >= 1, 'failed part-way');
    await drain(tts.synthesize(GREETING, { signal: signal() }));
    await drain(tts.synthesize(GREETING, { signal: signal() }));
    assert.equal(speechRequests() - before, 2, 'the failed one was not kept; the whole one was');
  });

  it("a greeting prepared in the next room is ready at once: the first room's audio", async (t) => {
    const cache = new TtsCache(32 * 1024 * 1024);
    const tts = cachedOpenAi(cache);
    const before = speechRequests();
    const room1 = new PreparedVoice(tts);
    room1.prepare(GREETING, 10_000);
    const first = await timed(room1.synthesize(GREETING, { signal: signal() }));
    const room2 = new PreparedVoice(tts);
    room2.prepare(GREETING, 10_000);
    const second = await timed(room2.synthesize(GREETING, { signal: signal() }));
    await Promise.all([room1.close(), room2.close()]);
    assert.equal(speechRequests() - before, 1, 'no request from the second room');
    assert.deepEqual(second.samples, first.samples);
    t.diagnostic(
      `greeting first chunk: room 1 ${first.firstChunkMs.toFixed(1)} ms, room 2 ${second.firstChunkMs.toFixed(2)} ms`,
    );
    assert.ok(second.firstChunkMs < 50, `room 2 ${second.firstChunkMs} ms`);
  });
});

describe('tts cache from configuration (createProviders)', () => {
  async function hits(provider: string): Promise<number> {
    const metric = await registry.getSingleMetric('voice_agent_tts_cache_hits_total')?.get();
    return metric?.values.find((v) => v.labels.provider === provider)?.value ?? 0;
  }

  it('the configured voice and the embedded fallback are both cached, each once', async () => {
    const providers = createProviders(
      stagesOf(loadAgentConfig({ OPENAI_BASE_URL: fx.baseUrl, OPENAI_API_KEY: 'sk-tts' })),
    );
    closers.push(providers);
    fx.script.speech.ttfbMs = 0;
    const before = speechRequests();
    const [openaiHits, fliteHits] = [await hits('openai'), await hits('flite')];
    for (let i = 0; i < 2; i++) {
      await drain(providers.tts.synthesize('One moment.', { signal: signal() }));
      await drain(providers.fallbackTts.synthesize('One moment.', { signal: signal() }));
    }
    assert.equal(speechRequests() - before, 1);
    assert.equal((await hits('openai')) - openaiHits, 1);
    assert.equal((await hits('flite')) - fliteHits, 1);
  });

  it('AGENT_TTS=openai,flite: the chain over cached voices; Flite is the same one as fallback', async () => {
    const providers = createProviders(
      stagesOf(
        loadAgentConfig({
          AGENT_TTS: 'openai,flite',
          OPENAI_BASE_URL: fx.baseUrl,
          OPENAI_API_KEY: 'sk-tts',
        }),
      ),
    );
    closers.push(providers);
    const fliteHits = await hits('flite');
    await drain(providers.fallbackTts.synthesize('Please wait.', { signal: signal() }));
    await drain(providers.fallbackTts.synthesize('Please wait.', { signal: signal() }));
    assert.equal((await hits('flite')) - fliteHits, 1);
    assert.equal(providers.labels.tts, 'openai,flite');
  });

  it('AGENT_TTS_CACHE_BYTES=0: every request goes to the provider', async () => {
    const providers = createProviders(
      stagesOf(
        loadAgentConfig({
          OPENAI_BASE_URL: fx.baseUrl,
          OPENAI_API_KEY: 'sk-tts',
          AGENT_TTS_CACHE_BYTES: '0',
        }),
      ),
    );
    closers.push(providers);
    fx.script.speech.ttfbMs = 0;
    const before = speechRequests();
    for (let i = 0; i < 2; i++) {
      await drain(providers.tts.synthesize('One moment.', { signal: signal() }));
    }
    assert.equal(speechRequests() - before, 2, 'both said by the provider: nothing cached');
  });
});
