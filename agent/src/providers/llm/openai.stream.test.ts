import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { drain, streamFailureScenarios } from '../../../test/streaming_provider.js';
import type { StreamSettings } from '../../../test/streaming_provider.js';
import type { ChatMessage } from '../types.js';
import { OpenAiLlm } from './openai.js';

const REPLY = 'Paris is sunny today, with a light breeze from the west.';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a weather assistant.' },
  { role: 'user', content: 'What is the weather like in Paris today?' },
];
/** Answered with 40 tokens: long enough to still be streaming when a test aborts. */
const LONG_QUESTION = 'Count forty words.';
const LONG_MESSAGES: ChatMessage[] = [{ role: 'user', content: LONG_QUESTION }];
const LONG_REPLY = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
/** The fixture's answer to `messages`. */
const reply = (messages: ChatMessage[]) =>
  messages.at(-1)?.content === LONG_QUESTION ? LONG_REPLY : REPLY;

const signal = () => new AbortController().signal;

describe('openai LLM: streamed chat completions against the fixture', () => {
  let fx: OpenAiFixture;
  const providers: OpenAiLlm[] = [];

  const llm = ({ firstChunkTimeoutMs, ...over }: StreamSettings = {}) => {
    const provider = new OpenAiLlm({
      baseURL: fx.baseUrl,
      apiKey: 'sk-llm',
      model: 'gpt-4o-mini',
      firstTokenTimeoutMs: firstChunkTimeoutMs ?? 1_000,
      stallTimeoutMs: 1_000,
      retry: { baseDelayMs: 5, random: () => 0 },
      ...over,
    });
    providers.push(provider);
    return provider;
  };
  const chatRequests = () => fx.requests.filter((r) => r.endpoint === 'chat');

  before(async () => {
    fx = await startOpenAiFixture({ phrases: [] });
  });
  beforeEach(() => {
    Object.assign(fx.script.chat, {
      reply,
      ttftMs: 0,
      tokenIntervalMs: 2,
    });
    fx.script.chat.faults.length = 0;
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await fx.close();
  });

  it('yields the scripted reply as several deltas, from one request with the messages sent', async () => {
    const before = chatRequests().length;
    const { items: deltas, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(deltas.join(''), REPLY);
    assert.ok(deltas.length > 1, `${deltas.length} deltas`);
    assert.ok(
      deltas.every((d) => d !== ''),
      'no empty deltas',
    );
    const sent = chatRequests().slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]?.body, {
      model: 'gpt-4o-mini',
      messages: MESSAGES,
      stream: true,
    });
    assert.equal(sent[0]?.headers.authorization, 'Bearer sk-llm');
  });

  streamFailureScenarios({
    kind: 'llm',
    item: 'token',
    firstTimeout: 'firstTokenTimeoutMs',
    baseUrl: () => fx.baseUrl,
    requests: chatRequests,
    faults: () => fx.script.chat.faults,
    slow: () => (fx.script.chat.tokenIntervalMs = 5_000),
    late: () => (fx.script.chat.ttftMs = 2_000),
    client: (over) => {
      const provider = llm(over);
      return {
        request: (signal) => provider.stream(MESSAGES, { signal }),
        long: (signal) => provider.stream(LONG_MESSAGES, { signal }),
        close: () => provider.close(),
      };
    },
    whole: (deltas) => assert.equal(deltas.join(''), REPLY),
    first: (delta) => assert.equal(delta, 'word0'),
    // The role chunk and two tokens.
    partial: { afterChunks: 3, check: (deltas) => assert.deepEqual(deltas, ['Paris', ' is']) },
  });
});
