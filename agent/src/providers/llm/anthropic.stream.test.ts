import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { drain, streamFailureScenarios } from '../../../test/streaming_provider.js';
import type { StreamSettings } from '../../../test/streaming_provider.js';
import { ProviderError } from '../types.js';
import type { ChatMessage } from '../types.js';
import { AnthropicLlm, CONVERSATION_STARTS, toAnthropicMessages } from './anthropic.js';

const KEY = 'sk-ant-test';
const REPLY = 'Paris is sunny today, with a light breeze from the west.';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a weather assistant.' },
  { role: 'user', content: 'Ana: What is the weather like in Paris today?' },
];
const LONG_QUESTION = 'Ana: Count forty words.';
const LONG_REPLY = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
const signal = () => new AbortController().signal;

describe('toAnthropicMessages: our context as alternating turns', () => {
  it('a group: system joined, consecutive speakers in one user turn, the agent between', () => {
    const { system, turns } = toAnthropicMessages([
      { role: 'system', content: 'Be brief.' },
      { role: 'assistant', content: 'Hello Ana, welcome.' },
      { role: 'user', content: 'Ana: When does it open?' },
      { role: 'user', content: 'Ben: And on Sunday?' },
      { role: 'assistant', content: 'At nine, and ten on Sundays.' },
      { role: 'system', content: 'Facts: closed on Mondays.' },
      { role: 'user', content: 'Ana: Thanks.' },
      { role: 'user', content: '  ' },
    ]);
    assert.equal(system, 'Be brief.\n\nFacts: closed on Mondays.');
    assert.deepEqual(turns, [
      { role: 'user', content: CONVERSATION_STARTS },
      { role: 'assistant', content: 'Hello Ana, welcome.' },
      { role: 'user', content: 'Ana: When does it open?\nBen: And on Sunday?' },
      { role: 'assistant', content: 'At nine, and ten on Sundays.' },
      { role: 'user', content: 'Ana: Thanks.' },
    ]);
  });

  it('only a system prompt: one user turn, so the request is still valid', () => {
    assert.deepEqual(toAnthropicMessages([{ role: 'system', content: 'Hi' }]).turns, [
      { role: 'user', content: CONVERSATION_STARTS },
    ]);
  });
});

describe('anthropic LLM: the Messages API streamed against the fixture', () => {
  let fx: OpenAiFixture;
  const providers: AnthropicLlm[] = [];
  const llm = ({ firstChunkTimeoutMs, ...over }: StreamSettings = {}) => {
    const provider = new AnthropicLlm({
      baseURL: fx.anthropicBaseUrl,
      apiKey: KEY,
      model: 'claude-haiku-4-5',
      firstTokenTimeoutMs: firstChunkTimeoutMs ?? 1_000,
      stallTimeoutMs: 1_000,
      retry: { baseDelayMs: 5, random: () => 0 },
      ...over,
    });
    providers.push(provider);
    return provider;
  };
  const sent = () => fx.requests.filter((r) => r.endpoint === 'messages');

  before(async () => {
    fx = await startOpenAiFixture({ phrases: [], apiKey: KEY });
  });
  beforeEach(() => {
    Object.assign(fx.script.messages, {
      reply: (messages: ChatMessage[]) =>
        messages.at(-1)?.content === LONG_QUESTION ? LONG_REPLY : REPLY,
      ttftMs: 0,
      tokenIntervalMs: 2,
      faults: [],
      errorEvents: [],
      toolCalls: undefined,
    });
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await fx.close();
  });

  it('streams the reply as deltas, asking with the system prompt, the model and the key', async () => {
    const before = sent().length;
    const { items, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(items.join(''), REPLY);
    assert.ok(items.length > 1);
    const [request] = sent().slice(before);
    assert.deepEqual(request?.body, {
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Ana: What is the weather like in Paris today?' }],
      stream: true,
      system: 'You are a weather assistant.',
    });
    const key =
      request?.headers['x-api-key'] ?? request?.headers.authorization?.replace('Bearer ', '');
    assert.equal(key, KEY);
    assert.ok(request?.headers['anthropic-version']);
  });

  it('a tool call after the text: the text only, no failure', async () => {
    fx.script.messages.toolCalls = () => [{ name: 'get_weather', arguments: { city: 'Paris' } }];
    const { items, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(items.join(''), REPLY);
  });

  it('an overloaded_error event after HTTP 200, before any text: retried, the answer whole', async () => {
    fx.script.messages.errorEvents = [{ afterEvents: 2, type: 'overloaded_error' }];
    const before = sent().length;
    const { items, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(items.join(''), REPLY);
    assert.equal(sent().length - before, 2);
  });

  it('an error event after some text: the stream fails (retryable), nothing repeated', async () => {
    fx.script.messages.errorEvents = [{ afterEvents: 5, type: 'overloaded_error' }];
    const before = sent().length;
    const { items, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.deepEqual(items, ['Paris', ' is']);
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.retryable, true);
    assert.equal(error.status, 529);
    assert.equal(sent().length - before, 1);
  });

  it('a 529 overloaded answer is retried', async () => {
    fx.script.messages.faults.push({ kind: 'status', status: 529 });
    const { items, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(items.join(''), REPLY);
  });

  it('probe: lists one model; fails with the status when the API is down', async () => {
    const provider = llm();
    await provider.probe(signal());
    assert.equal(fx.requests.at(-1)?.endpoint, 'models');
    fx.script.messages.faults.push({ kind: 'status', status: 503 });
    await assert.rejects(
      provider.probe(signal()),
      (err: unknown) => err instanceof ProviderError && err.status === 503,
    );
  });

  streamFailureScenarios({
    kind: 'llm',
    item: 'token',
    firstTimeout: 'firstTokenTimeoutMs',
    baseUrl: () => fx.anthropicBaseUrl,
    requests: sent,
    faults: () => fx.script.messages.faults,
    slow: () => (fx.script.messages.tokenIntervalMs = 5_000),
    late: () => (fx.script.messages.ttftMs = 2_000),
    client: (over) => {
      const provider = llm(over);
      return {
        request: (s) => provider.stream(MESSAGES, { signal: s }),
        long: (s) => provider.stream([{ role: 'user', content: LONG_QUESTION }], { signal: s }),
        close: () => provider.close(),
      };
    },
    whole: (deltas) => assert.equal(deltas.join(''), REPLY),
    first: (delta) => assert.equal(delta, 'word0'),
    // message_start, content_block_start, ping and two text deltas.
    partial: { afterChunks: 5, check: (deltas) => assert.deepEqual(deltas, ['Paris', ' is']) },
  });
});
