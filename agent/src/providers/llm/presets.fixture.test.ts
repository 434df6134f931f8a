import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { drain } from '../../../test/streaming_provider.js';
import { loadAgentConfig, stagesOf } from '../../config.js';
import { createProviders } from '../index.js';

const REPLY = 'The museum opens at nine.';

let fx: OpenAiFixture;
before(async () => {
  fx = await startOpenAiFixture({ phrases: [] });
  fx.script.chat.reply = () => REPLY;
});
after(() => fx.close());

// The presets' own servers are not reachable here: LLM_BASE_URL points the preset at the
// fixture, which speaks the same chat-completions protocol and records what arrived.
describe('LLM presets against the chat-completions fixture', () => {
  for (const [preset, keyVariable, model] of [
    ['groq', 'GROQ_API_KEY', 'llama-3.3-70b-versatile'],
    ['xai', 'XAI_API_KEY', 'grok-4.3'],
  ] as const) {
    it(`${preset}: streams the reply, asks for its model with its key, labelled ${preset}`, async () => {
      const config = loadAgentConfig({
        AGENT_LLM: preset,
        [keyVariable]: `${preset}-key`,
        LLM_BASE_URL: fx.baseUrl,
      });
      const providers = createProviders(stagesOf(config));
      try {
        assert.equal(providers.labels.llm, preset);
        const sent = fx.requests.length;
        const { items, error } = await drain(
          providers.llm!.stream([{ role: 'user', content: 'When does it open?' }], {
            signal: new AbortController().signal,
          }),
        );
        assert.equal(error, undefined);
        assert.equal(items.join(''), REPLY);
        const request = fx.requests.slice(sent).find((r) => r.endpoint === 'chat');
        assert.equal((request?.body as { model?: string }).model, model);
        assert.equal(request?.headers.authorization, `Bearer ${preset}-key`);
      } finally {
        await providers.close();
      }
    });
  }
});
