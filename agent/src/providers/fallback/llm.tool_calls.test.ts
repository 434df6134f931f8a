import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { llmOf } from '../../../test/scripted_llm.js';
import { drain } from '../../../test/streaming_provider.js';
import { OpenAiLlm } from '../llm/openai.js';
import { ProviderError } from '../types.js';
import type { ChatMessage, ToolSpec } from '../types.js';
import { FallbackLlm, ResumingLlm } from './llm.js';

const MESSAGES: ChatMessage[] = [{ role: 'user', content: 'Ana: What time is it?' }];
const TOOLS: ToolSpec[] = [
  { name: 'get_time', description: 'The time now.', parameters: { type: 'object' } },
];
const signal = () => new AbortController().signal;
const fast = { baseDelayMs: 5, random: () => 0 };

describe('fallback and resuming LLMs pass tools and tool calls through', () => {
  let primary: OpenAiFixture;
  let secondary: OpenAiFixture;
  const closers: { close(): Promise<void> }[] = [];
  const chats = (fx: OpenAiFixture) => fx.requests.filter((r) => r.endpoint === 'chat');
  const make = (fx: OpenAiFixture, label: string) =>
    new OpenAiLlm({ baseURL: fx.baseUrl, apiKey: 'k', model: 'm', label, retry: fast });

  before(async () => {
    [primary, secondary] = await Promise.all([
      startOpenAiFixture({ phrases: [] }),
      startOpenAiFixture({ phrases: [] }),
    ]);
  });
  beforeEach(() => {
    for (const fx of [primary, secondary]) {
      Object.assign(fx.script.chat, {
        reply: () => '',
        toolCalls: () => [{ name: 'get_time', arguments: {} }],
        ttftMs: 0,
        tokenIntervalMs: 0,
        faults: [],
      });
      fx.requests.length = 0;
    }
  });
  after(async () => {
    await Promise.all(closers.map((c) => c.close()));
    await Promise.all([primary.close(), secondary.close()]);
  });

  it('a chain whose first reply is only a tool call: that is the answer, no fallback', async () => {
    const chain = new FallbackLlm([make(primary, 'openai'), make(secondary, 'groq')], {
      firstTokenBudgetMs: 2_000,
      recheckMs: 60_000,
    });
    const llm = new ResumingLlm(chain);
    closers.push(llm);
    const { items, error } = await drain(llm.stream(MESSAGES, { signal: signal(), tools: TOOLS }));
    assert.equal(error, undefined);
    assert.equal(items.length, 1);
    assert.equal(typeof items[0] === 'object' && items[0].name, 'get_time');
    assert.equal(chats(secondary).length, 0, 'the next provider was not asked');
    assert.equal(chain.chain.isDown(chain.chain.providers[0]!), false, 'not counted as failed');
    assert.deepEqual(
      (chats(primary)[0]?.body as { tools: { function: { name: string } }[] }).tools.map(
        (t) => t.function.name,
      ),
      ['get_time'],
      'the tools reached the provider',
    );
  });

  it('a primary that fails: the next provider gets the tools and makes the call', async () => {
    primary.script.chat.faults = [400].map((status) => ({ kind: 'status', status }));
    const chain = new FallbackLlm([make(primary, 'openai'), make(secondary, 'groq')], {
      firstTokenBudgetMs: 2_000,
      recheckMs: 60_000,
    });
    closers.push(chain);
    const { items, error } = await drain(
      chain.stream(MESSAGES, { signal: signal(), tools: TOOLS }),
    );
    assert.equal(error, undefined);
    assert.deepEqual(
      items.map((i) => typeof i === 'object' && i.name),
      ['get_time'],
    );
    assert.ok((chats(secondary)[0]?.body as { tools?: unknown }).tools);
  });

  it('a stream cut after its tool call is not continued: the failure ends it', async () => {
    const requests: ChatMessage[][] = [];
    const inner = llmOf('cut', async function* (messages) {
      requests.push([...messages]);
      yield 'Let me look.';
      yield { type: 'tool_call', id: 'c1', name: 'get_time', arguments: '{}' };
      throw new ProviderError({ provider: 'cut', kind: 'llm', message: 'drop', retryable: true });
    });
    const llm = new ResumingLlm(inner);
    const { items, error } = await drain(llm.stream(MESSAGES, { signal: signal(), tools: TOOLS }));
    assert.ok(error instanceof ProviderError, 'the drop is the stream error');
    assert.equal(requests.length, 1, 'no continuation that could make the call again');
    assert.deepEqual(items, [
      'Let me look.',
      { type: 'tool_call', id: 'c1', name: 'get_time', arguments: '{}' },
    ]);
  });
});
