import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { startConnectionProbe } from '../../../test/connection_probe.js';
import { until } from '../../../test/until.js';
import { ProviderError } from '../types.js';
import type { ChatMessage } from '../types.js';
import { OpenAiLlm } from './openai.js';
import type { OpenAiLlmOptions } from './openai.js';

const REPLY = 'Paris is sunny today, with a light breeze from the west.';
/** 40 tokens: long enough to still be streaming when a test aborts. */
const LONG_REPLY = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a weather assistant.' },
  { role: 'user', content: 'What is the weather like in Paris today?' },
];

/** Every delta until the stream ends or fails; the failure is returned, not thrown. */
async function drain(stream: AsyncIterable<string>) {
  const deltas: string[] = [];
  try {
    for await (const delta of stream) deltas.push(delta);
    return { deltas, error: undefined };
  } catch (error) {
    return { deltas, error };
  }
}

const signal = () => new AbortController().signal;

describe('openai LLM: streamed chat completions against the fixture', () => {
  let fx: OpenAiFixture;
  const providers: OpenAiLlm[] = [];
  const probes: Awaited<ReturnType<typeof startConnectionProbe>>[] = [];

  const llm = (over: Partial<OpenAiLlmOptions> = {}) => {
    const provider = new OpenAiLlm({
      baseURL: fx.baseUrl,
      apiKey: 'sk-llm',
      model: 'gpt-4o-mini',
      firstTokenTimeoutMs: 1_000,
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
  const chatRequests = () => fx.requests.filter((r) => r.endpoint === 'chat');

  before(async () => {
    fx = await startOpenAiFixture({ phrases: [] });
  });
  beforeEach(() => {
    Object.assign(fx.script.chat, { reply: () => REPLY, ttftMs: 0, tokenIntervalMs: 2 });
    fx.script.chat.faults.length = 0;
  });
  after(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await Promise.all(probes.map((p) => p.close()));
    await fx.close();
  });

  it('yields the scripted reply as several deltas, from one request with the messages sent', async () => {
    const before = chatRequests().length;
    const { deltas, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
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

  it('a 500 before the first token is retried, and the reply arrives whole', async () => {
    fx.script.chat.faults.push({ kind: 'status', status: 500 });
    const before = chatRequests().length;
    const { deltas, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(deltas.join(''), REPLY);
    assert.equal(chatRequests().length - before, 2);
  });

  it('a 429 with retry-after: the retry waits at least that long', async (t) => {
    fx.script.chat.faults.push({ kind: 'status', status: 429, retryAfterS: 0.3 });
    const before = chatRequests().length;
    // Backoff alone would retry at once (random 0): only retry-after can make it wait.
    const { deltas, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(deltas.join(''), REPLY);
    const [first, second] = chatRequests().slice(before);
    assert.ok(first !== undefined && second !== undefined, 'two requests');
    const waitedMs = second.at - first.at;
    t.diagnostic(`429 -> retry: ${waitedMs.toFixed(0)} ms`);
    assert.ok(waitedMs >= 299, `retried after ${waitedMs} ms`);
  });

  for (const status of [401, 400]) {
    it(`a ${status} is a non-retryable ProviderError with its status, sent once`, async () => {
      fx.script.chat.faults.push({ kind: 'status', status });
      const before = chatRequests().length;
      const { deltas, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
      assert.deepEqual(deltas, []);
      assert.ok(error instanceof ProviderError, String(error));
      assert.equal(error.status, status);
      assert.equal(error.retryable, false);
      assert.equal(error.kind, 'llm');
      assert.equal(chatRequests().length - before, 1);
    });
  }

  it('a stall after the first tokens fails with a stall timeout and is not retried', async () => {
    // The role chunk and two tokens, then silence on an open socket.
    fx.script.chat.faults.push({ kind: 'stall', afterChunks: 3 });
    const before = chatRequests().length;
    const started = performance.now();
    const { deltas, error } = await drain(
      llm({ stallTimeoutMs: 150 }).stream(MESSAGES, { signal: signal() }),
    );
    const tookMs = performance.now() - started;
    assert.deepEqual(deltas, ['Paris', ' is']);
    assert.ok(error instanceof ProviderError, String(error));
    assert.match(error.message, /timeout: stall/);
    assert.equal(chatRequests().length - before, 1, 'text was already yielded: no retry');
    assert.ok(tookMs >= 150 && tookMs < 1_000, `failed after ${tookMs} ms`);
  });

  it('a socket dropped after the first tokens fails the stream and is not retried', async () => {
    fx.script.chat.faults.push({ kind: 'drop', afterChunks: 3 });
    const before = chatRequests().length;
    const { deltas, error } = await drain(llm().stream(MESSAGES, { signal: signal() }));
    assert.deepEqual(deltas, ['Paris', ' is']);
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(chatRequests().length - before, 1);
  });

  it('a first token later than firstTokenTimeoutMs: a retryable timeout after every attempt', async () => {
    fx.script.chat.ttftMs = 2_000;
    const before = chatRequests().length;
    const started = performance.now();
    const { deltas, error } = await drain(
      llm({ firstTokenTimeoutMs: 100, retry: { attempts: 2, baseDelayMs: 5 } }).stream(MESSAGES, {
        signal: signal(),
      }),
    );
    const tookMs = performance.now() - started;
    assert.deepEqual(deltas, []);
    assert.ok(error instanceof ProviderError, String(error));
    assert.equal(error.retryable, true);
    assert.match(error.message, /timeout: first chunk/);
    assert.equal(chatRequests().length - before, 2);
    assert.ok(tookMs >= 200 && tookMs < 1_000, `failed after ${tookMs} ms`);
  });

  it('an abort while waiting for a token rejects promptly with an AbortError and closes the socket', async () => {
    fx.script.chat.reply = () => LONG_REPLY;
    fx.script.chat.tokenIntervalMs = 5_000;
    const p = await probe();
    const controller = new AbortController();
    const stream = llm({ baseURL: p.baseUrl }).stream(MESSAGES, { signal: controller.signal });
    const it = stream[Symbol.asyncIterator]();
    assert.deepEqual(await it.next(), { done: false, value: 'word0' });
    assert.equal(p.inUse(), 1);
    const pending = it.next(); // the next token is 5 s away
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    await assert.rejects(pending, (err: Error) => err.name === 'AbortError');
    const stoppedMs = performance.now() - started;
    assert.ok(stoppedMs < 300, `stopped after ${stoppedMs} ms`);
    await until(() => p.inUse() === 0, 'the connection to close', 500);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  it('an abort between deltas ends the iteration with an AbortError', async () => {
    fx.script.chat.reply = () => LONG_REPLY;
    const controller = new AbortController();
    const deltas: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const delta of llm().stream(MESSAGES, { signal: controller.signal })) {
          deltas.push(delta);
          if (deltas.length === 3) controller.abort();
        }
      })(),
      (err: Error) => err.name === 'AbortError',
    );
    assert.equal(deltas.length, 3);
  });

  it('close() aborts streams in flight and closes their sockets; later streams fail at once', async () => {
    fx.script.chat.reply = () => LONG_REPLY;
    fx.script.chat.tokenIntervalMs = 5_000;
    const p = await probe();
    const provider = llm({ baseURL: p.baseUrl });
    const streams = [0, 1].map(() =>
      provider.stream(MESSAGES, { signal: signal() })[Symbol.asyncIterator](),
    );
    for (const stream of streams) assert.equal((await stream.next()).value, 'word0');
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

    const before = chatRequests().length;
    const { deltas, error } = await drain(provider.stream(MESSAGES, { signal: signal() }));
    assert.deepEqual(deltas, []);
    assert.equal((error as Error | undefined)?.name, 'AbortError');
    assert.equal(chatRequests().length, before, 'a closed provider sends nothing');
  });
});
