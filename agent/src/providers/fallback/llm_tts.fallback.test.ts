import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { ChatMessage as FixtureMessage, OpenAiFixture } from '@voice-agent/fixtures';
import { drain } from '../../../test/streaming_provider.js';
import { until } from '../../../test/until.js';
import { OpenAiLlm } from '../llm/openai.js';
import { OpenAiTts } from '../tts/openai.js';
import type { ChatMessage } from '../types.js';
import { FallbackLlm, ResumingLlm } from './llm.js';
import { FallbackTts, LeadInRetryTts } from './tts.js';

const PRIMARY_REPLY = 'The primary model says the museum opens at nine in the morning.';
const SECONDARY_REPLY = 'The second model says the museum opens at nine.';
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You are a museum guide.' },
  { role: 'user', content: 'Ana: When does the museum open?' },
];
const signal = () => new AbortController().signal;
const fast = { baseDelayMs: 5, random: () => 0 };

/** Two OpenAI-compatible servers, each with its own faults: the primary and the next in line. */
let primary: OpenAiFixture;
let secondary: OpenAiFixture;
const closers: { close(): Promise<void> }[] = [];
const chats = (fx: OpenAiFixture) => fx.requests.filter((r) => r.endpoint === 'chat');
const probes = (fx: OpenAiFixture) => fx.requests.filter((r) => r.endpoint === 'models');

before(async () => {
  [primary, secondary] = await Promise.all([
    startOpenAiFixture({ phrases: [] }),
    startOpenAiFixture({ phrases: [] }),
  ]);
});
beforeEach(() => {
  for (const [fx, text] of [
    [primary, PRIMARY_REPLY],
    [secondary, SECONDARY_REPLY],
  ] as const) {
    Object.assign(fx.script.chat, { reply: () => text, ttftMs: 0, tokenIntervalMs: 0, faults: [] });
    Object.assign(fx.script.speech, { ttfbMs: 0, chunkMs: 40, realtimeFactor: 0, faults: [] });
    fx.requests.length = 0;
  }
});
after(async () => {
  await Promise.all(closers.map((c) => c.close()));
  await Promise.all([primary.close(), secondary.close()]);
});

function llmChain(over: { budgetMs?: number; recheckMs?: number } = {}) {
  const make = (fx: OpenAiFixture, label: string) =>
    new OpenAiLlm({ baseURL: fx.baseUrl, apiKey: 'k', model: 'm', label, retry: fast });
  const chain = new FallbackLlm([make(primary, 'openai'), make(secondary, 'groq')], {
    firstTokenBudgetMs: over.budgetMs ?? 2_000,
    recheckMs: over.recheckMs ?? 60_000,
  });
  closers.push(chain);
  return chain;
}

const text = async (stream: AsyncIterable<string>) => {
  const { items, error } = await drain(stream);
  return { said: items.join(''), error };
};

describe('fallback LLM chain (two OpenAI-compatible fixtures)', () => {
  it('a primary that fails after its retries: the reply comes from the next, at once', async () => {
    primary.script.chat.faults = [500, 500, 500].map((status) => ({ kind: 'status', status }));
    const llm = llmChain();
    const { said, error } = await text(llm.stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(said, SECONDARY_REPLY);
    assert.equal(chats(primary).length, 3, 'the primary had its own three attempts');
    assert.equal(chats(secondary).length, 1);
    // The next reply goes straight to the working provider: no user request to the failed one.
    const second = await text(llm.stream(MESSAGES, { signal: signal() }));
    assert.equal(second.said, SECONDARY_REPLY);
    assert.equal(chats(primary).length, 3);
  });

  it('a failed primary is probed (GET /models), and back in use once it answers', async () => {
    primary.script.chat.faults = [500, 500, 500].map((status) => ({ kind: 'status', status }));
    const llm = llmChain({ recheckMs: 20 });
    assert.equal((await text(llm.stream(MESSAGES, { signal: signal() }))).said, SECONDARY_REPLY);
    await until(() => !llm.chain.isDown(llm.chain.providers[0]!), 'the primary recovered', 3_000);
    assert.ok(probes(primary).length >= 1, 'recovered by a probe');
    assert.equal(chats(primary).length, 3, 'the probe sent no chat request');
    assert.equal((await text(llm.stream(MESSAGES, { signal: signal() }))).said, PRIMARY_REPLY);
  });

  it('a primary slower than the first-token budget: the next answers within the budget', async () => {
    primary.script.chat.ttftMs = 3_000;
    const llm = llmChain({ budgetMs: 200 });
    const started = performance.now();
    let firstAt = 0;
    let said = '';
    for await (const delta of llm.stream(MESSAGES, { signal: signal() })) {
      firstAt ||= performance.now();
      said += delta;
    }
    assert.equal(said, SECONDARY_REPLY);
    const firstMs = firstAt - started;
    assert.ok(firstMs >= 200 && firstMs < 1_000, `first token after ${firstMs.toFixed(0)} ms`);
  });

  it('a primary that drops mid-reply: the next continues from there, nothing said twice', async () => {
    primary.script.chat.faults = [{ kind: 'drop', afterChunks: 4 }];
    const llm = llmChain();
    const { said, error } = await text(llm.stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    const request = chats(secondary)[0]?.body as { messages: FixtureMessage[] };
    const note = request.messages.at(-1)!;
    assert.equal(note.role, 'system');
    const begun = /cut off here: "([^"]*)"/.exec(note.content)?.[1] ?? '';
    assert.ok(begun.length > 0 && PRIMARY_REPLY.startsWith(begun), `began: "${begun}"`);
    assert.ok(said.startsWith(begun), 'what was given stays given');
    assert.ok(said.endsWith(SECONDARY_REPLY), `then the continuation: "${said}"`);
  });

  it('the only provider drops mid-reply: it is asked once to finish the reply', async () => {
    primary.script.chat.faults = [{ kind: 'drop', afterChunks: 4 }];
    const only = new OpenAiLlm({ baseURL: primary.baseUrl, apiKey: 'k', model: 'm', retry: fast });
    const llm = new ResumingLlm(only);
    closers.push(llm);
    const { said, error } = await text(llm.stream(MESSAGES, { signal: signal() }));
    assert.equal(error, undefined);
    assert.equal(chats(primary).length, 2, 'the first request and one continuation');
    const note = (chats(primary)[1]!.body as { messages: FixtureMessage[] }).messages.at(-1)!;
    assert.equal(note.role, 'system');
    const begun = /cut off here: "([^"]*)"/.exec(note.content)?.[1] ?? '';
    assert.ok(begun.length > 0 && PRIMARY_REPLY.startsWith(begun), `began: "${begun}"`);
    assert.ok(said.startsWith(begun) && said.endsWith(PRIMARY_REPLY), `said: "${said}"`);
  });

  it('a provider that cuts every reply: one continuation, then the error', async () => {
    primary.script.chat.faults = [1, 2].map(() => ({ kind: 'drop', afterChunks: 3 }) as const);
    const only = new OpenAiLlm({ baseURL: primary.baseUrl, apiKey: 'k', model: 'm', retry: fast });
    const llm = new ResumingLlm(only);
    closers.push(llm);
    const { said, error } = await text(llm.stream(MESSAGES, { signal: signal() }));
    assert.ok(error, 'the second cut ends the reply');
    assert.ok(said.length > 0, 'what was given stays given');
    assert.equal(chats(primary).length, 2);
  });

  it('a reply cut before its first word is not resumed (the retries had it)', async () => {
    primary.script.chat.faults = [400].map((status) => ({ kind: 'status', status }));
    const only = new OpenAiLlm({ baseURL: primary.baseUrl, apiKey: 'k', model: 'm', retry: fast });
    const llm = new ResumingLlm(only);
    closers.push(llm);
    const { said, error } = await text(llm.stream(MESSAGES, { signal: signal() }));
    assert.ok(error);
    assert.equal(said, '');
    assert.equal(chats(primary).length, 1);
  });

  it('a primary that answers nothing: the next one answers', async () => {
    primary.script.chat.reply = () => '';
    const llm = llmChain();
    assert.equal((await text(llm.stream(MESSAGES, { signal: signal() }))).said, SECONDARY_REPLY);
  });

  it('every provider failing: the last failure is the stream error', async () => {
    for (const fx of [primary, secondary]) {
      fx.script.chat.faults = [400].map((status) => ({ kind: 'status', status }));
    }
    const { said, error } = await text(llmChain().stream(MESSAGES, { signal: signal() }));
    assert.equal(said, '');
    assert.match(String(error), /groq/);
  });
});

function ttsChain(over: { budgetMs?: number; stallMs?: number } = {}) {
  const make = (fx: OpenAiFixture, label: string) =>
    new OpenAiTts({
      baseURL: fx.baseUrl,
      apiKey: 'k',
      model: 'tts',
      voice: 'v',
      label,
      retry: fast,
    });
  const chain = new FallbackTts([make(primary, 'openai'), make(secondary, 'backup')], {
    firstByteBudgetMs: over.budgetMs ?? 1_000,
    stallMs: over.stallMs ?? 300,
    recheckMs: 60_000,
  });
  closers.push(chain);
  return chain;
}
const speechCalls = (fx: OpenAiFixture) => fx.requests.filter((r) => r.endpoint === 'speech');
const samplesOf = (chunks: Int16Array[]) => chunks.reduce((n, c) => n + c.length, 0);

describe('fallback TTS chain (two OpenAI-compatible fixtures)', () => {
  it('a primary that refuses: the chunk is spoken by the next voice', async () => {
    primary.script.speech.faults = [503, 503, 503].map((status) => ({ kind: 'status', status }));
    const tts = ttsChain();
    const { items, error } = await drain(tts.synthesize('Hello there.', { signal: signal() }));
    assert.equal(error, undefined);
    assert.ok(samplesOf(items) > 24_000 * 0.3, 'speech came');
    assert.equal(speechCalls(secondary).length, 1);
  });

  it('a stall after 400 ms of audio: that chunk ends there, the next chunk is the next voice', async () => {
    primary.script.speech.faults = [{ kind: 'stall', afterChunks: 10 }]; // 10 x 40 ms
    const tts = ttsChain({ stallMs: 200 });
    const started = performance.now();
    const first = await drain(tts.synthesize('The first sentence.', { signal: signal() }));
    const tookMs = performance.now() - started;
    assert.equal(first.error, undefined, 'the reply goes on');
    assert.ok(first.items.length >= 1, 'the audio before the stall was kept');
    assert.ok(tookMs < 1_000, `stalled chunk ended after ${tookMs.toFixed(0)} ms`);
    assert.equal(speechCalls(secondary).length, 0, 'the chunk heard is not started again');
    const next = await drain(tts.synthesize('The second sentence.', { signal: signal() }));
    assert.equal(next.error, undefined);
    assert.equal(speechCalls(secondary).length, 1, 'the next chunk is the next voice');
  });

  it('a stall within the first 300 ms of audio: the next voice says that chunk whole', async () => {
    primary.script.speech.faults = [{ kind: 'stall', afterChunks: 1 }]; // 40 ms, then nothing
    const tts = ttsChain({ stallMs: 2_000, budgetMs: 150 });
    const started = performance.now();
    const { items, error } = await drain(
      tts.synthesize('The first sentence.', { signal: signal() }),
    );
    const tookMs = performance.now() - started;
    assert.ok(tookMs < 1_000, `the lead-in waited the first-audio budget: ${tookMs.toFixed(0)} ms`);
    assert.equal(error, undefined);
    assert.equal(speechCalls(secondary).length, 1, 'the chunk went to the next voice');
    const ms = (items as Int16Array[]).reduce((n, c) => n + c.length, 0) / 24;
    assert.ok(ms > 500, `the whole sentence was said: ${ms.toFixed(0)} ms of audio`);
  });

  it('a primary slower than the first-audio budget: the next voice speaks', async () => {
    primary.script.speech.ttfbMs = 2_000;
    const tts = ttsChain({ budgetMs: 150 });
    const started = performance.now();
    const it = tts.synthesize('Hello there.', { signal: signal() })[Symbol.asyncIterator]();
    await it.next();
    const firstMs = performance.now() - started;
    await it.return?.();
    assert.ok(firstMs >= 150 && firstMs < 800, `first audio after ${firstMs.toFixed(0)} ms`);
  });
});

describe('a lone voice (one TTS provider)', () => {
  const lone = (stallTimeoutMs = 5_000) => {
    const voice = new LeadInRetryTts(
      new OpenAiTts({
        baseURL: primary.baseUrl,
        apiKey: 'k',
        model: 'tts',
        voice: 'v',
        retry: fast,
        stallTimeoutMs,
      }),
    );
    closers.push(voice);
    return voice;
  };

  it('a stall within its lead-in: the chunk is said again, whole, at once', async () => {
    primary.script.speech.faults = [{ kind: 'stall', afterChunks: 1 }]; // 40 ms, then nothing
    const started = performance.now();
    const { items, error } = await drain(
      lone().synthesize('The first sentence.', { signal: signal() }),
    );
    const tookMs = performance.now() - started;
    assert.equal(error, undefined);
    assert.equal(speechCalls(primary).length, 2, 'asked again once');
    assert.ok(tookMs < 1_500, `not the 5 s stall wait: ${tookMs.toFixed(0)} ms`);
    const ms = (items as Int16Array[]).reduce((n, c) => n + c.length, 0) / 24;
    assert.ok(ms > 500, `the whole sentence after the lead-in: ${ms.toFixed(0)} ms of audio`);
  });

  it('a stall after its lead-in: the chunk ends there, not said twice', async () => {
    primary.script.speech.faults = [{ kind: 'stall', afterChunks: 10 }]; // 400 ms, then nothing
    const { error } = await drain(
      lone(300).synthesize('The first sentence.', { signal: signal() }),
    );
    assert.ok(error, "the provider's stall error");
    assert.equal(speechCalls(primary).length, 1);
  });
});
