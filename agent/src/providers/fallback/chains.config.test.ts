import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { drain } from '../../../test/streaming_provider.js';
import { loadAgentConfig, stagesOf } from '../../config.js';
import { createProviders } from '../index.js';

/** From the variables a user sets to a chain that answers: OpenAI down, Groq (its preset) up. */
let openai: OpenAiFixture;
let groq: OpenAiFixture;
before(async () => {
  [openai, groq] = await Promise.all([
    startOpenAiFixture({ phrases: [] }),
    startOpenAiFixture({ phrases: [] }),
  ]);
  openai.script.chat.reply = () => 'From OpenAI.';
  groq.script.chat.reply = () => 'From Groq.';
});
after(() => Promise.all([openai.close(), groq.close()]));

describe('fallback chains from configuration', () => {
  it('AGENT_LLM=openai,groq: labelled as a chain; a failing OpenAI hands the reply to Groq', async () => {
    const config = loadAgentConfig({
      AGENT_LLM: 'openai,groq',
      AGENT_TTS: 'openai,flite',
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-openai',
      GROQ_BASE_URL: groq.baseUrl,
      GROQ_API_KEY: 'gsk-groq',
    });
    const providers = createProviders(stagesOf(config));
    try {
      assert.deepEqual(providers.labels, {
        stt: 'openai-realtime',
        llm: 'openai,groq',
        tts: 'openai,flite',
      });
      openai.script.chat.faults = [400].map((status) => ({ kind: 'status', status }));
      const { items, error } = await drain(
        providers.llm!.stream([{ role: 'user', content: 'Hello?' }], {
          signal: new AbortController().signal,
        }),
      );
      assert.equal(error, undefined);
      assert.equal(items.join(''), 'From Groq.');
      const asked = groq.requests.find((r) => r.endpoint === 'chat');
      assert.equal(asked?.headers.authorization, 'Bearer gsk-groq');
      assert.equal((asked?.body as { model?: string }).model, 'llama-3.3-70b-versatile');
    } finally {
      await providers.close();
    }
  });

  it('AGENT_TTS=deepgram,flite: Aura-2 speaks from DEEPGRAM_BASE_URL with DEEPGRAM_API_KEY', async () => {
    const config = loadAgentConfig({
      AGENT_TTS: 'deepgram,flite',
      DEEPGRAM_API_KEY: 'dg-key',
      // The http form, as a self-hosted Deepgram may be written: taken as ws.
      DEEPGRAM_BASE_URL: openai.deepgramBaseUrl.replace(/^ws:/, 'http:'),
    });
    const providers = createProviders(stagesOf(config));
    try {
      assert.equal(providers.labels.tts, 'deepgram,flite');
      const { items, error } = await drain(
        providers.tts.synthesize('Hello there.', { signal: new AbortController().signal }),
      );
      assert.equal(error, undefined);
      assert.ok(items.length > 0);
      const speak = openai.requests.find((r) => r.endpoint === 'speak');
      assert.equal(speak?.headers.authorization, 'Token dg-key');
      assert.equal((speak?.body as { query: { model?: string } }).query.model, 'aura-2-thalia-en');
    } finally {
      await providers.close();
    }
  });

  it('one provider per stage: no chain around it', () => {
    const providers = createProviders(stagesOf(loadAgentConfig({ OPENAI_API_KEY: 'sk-x' })));
    assert.deepEqual(providers.labels, { stt: 'openai-realtime', llm: 'openai', tts: 'openai' });
    return providers.close();
  });
});
