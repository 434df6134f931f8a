import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { ChatMessage as SeenMessage, OpenAiFixture } from '@voice-agent/fixtures';
import { drain } from '../../../test/streaming_provider.js';
import type { ChatMessage, LlmEvent, ToolSpec } from '../types.js';
import { OpenAiLlm } from './openai.js';

const TOOLS: ToolSpec[] = [
  {
    name: 'get_weather',
    description: 'The weather in a city now.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  { name: 'get_time', description: 'The time now.', parameters: { type: 'object' } },
];
const ASK: ChatMessage[] = [
  { role: 'system', content: 'You are a weather assistant.' },
  { role: 'user', content: 'Ana: Weather and time in Paris?' },
];
const signal = () => new AbortController().signal;
const calls = (items: LlmEvent[]) => items.filter((i) => typeof i !== 'string');
const text = (items: LlmEvent[]) => items.filter((i) => typeof i === 'string').join('');

describe('openai LLM: tool calls streamed from the fixture', () => {
  let fx: OpenAiFixture;
  let llm: OpenAiLlm;
  let seen: SeenMessage[] = [];
  const sent = () => fx.requests.filter((r) => r.endpoint === 'chat');

  before(async () => {
    fx = await startOpenAiFixture({ phrases: [] });
    llm = new OpenAiLlm({ baseURL: fx.baseUrl, apiKey: 'k', model: 'gpt-4o-mini' });
  });
  beforeEach(() => {
    fx.requests.length = 0;
    Object.assign(fx.script.chat, {
      // Text first, then both calls; once results are in, an answer from them.
      reply: (messages: SeenMessage[]) => {
        seen = messages;
        return messages.at(-1)?.role === 'tool' ? 'Sunny, and it is nine.' : 'Let me check.';
      },
      toolCalls: (messages: SeenMessage[], tools: string[]) =>
        messages.at(-1)?.role === 'tool' || tools.length === 0
          ? undefined
          : [
              { name: 'get_weather', arguments: { city: 'Paris' } },
              { name: 'get_time', arguments: {} },
            ],
      ttftMs: 0,
      tokenIntervalMs: 1,
      faults: [],
    });
  });
  after(async () => {
    await llm.close();
    await fx.close();
  });

  it('yields the text, then each call complete, its argument fragments joined', async () => {
    const { items, error } = await drain(llm.stream(ASK, { signal: signal(), tools: TOOLS }));
    assert.equal(error, undefined);
    assert.equal(text(items), 'Let me check.');
    const made = calls(items);
    assert.deepEqual(
      made.map((c) => typeof c !== 'string' && [c.type, c.name, JSON.parse(c.arguments)]),
      [
        ['tool_call', 'get_weather', { city: 'Paris' }],
        ['tool_call', 'get_time', {}],
      ],
    );
    assert.ok(made.every((c) => typeof c !== 'string' && c.id.startsWith('call_')));
    assert.equal(typeof items.at(-1), 'object', 'calls come after the text');
    const body = sent()[0]?.body as { tools: unknown; tool_choice?: unknown };
    assert.deepEqual(body.tools, [
      { type: 'function', function: { ...TOOLS[0] } },
      { type: 'function', function: { ...TOOLS[1] } },
    ]);
    assert.equal(body.tool_choice, undefined);
  });

  it('the results go back as assistant tool_calls and role tool messages; the answer follows', async () => {
    const first = await drain(llm.stream(ASK, { signal: signal(), tools: TOOLS }));
    const made = calls(first.items).flatMap((c) => (typeof c === 'string' ? [] : [c]));
    const followUp: ChatMessage[] = [
      ...ASK,
      {
        role: 'assistant',
        content: 'Let me check.',
        toolCalls: made.map(({ id, name, arguments: args }) => ({ id, name, arguments: args })),
      },
      ...made.map((c, i): ChatMessage => ({
        role: 'tool',
        toolCallId: c.id,
        name: c.name,
        content: i === 0 ? 'sunny, 21 C' : '09:00',
      })),
    ];
    const { items, error } = await drain(llm.stream(followUp, { signal: signal(), tools: TOOLS }));
    assert.equal(error, undefined, 'the fixture accepted the tool messages');
    assert.deepEqual(items, ['Sunny,', ' and', ' it', ' is', ' nine.']);
    assert.deepEqual(
      seen.slice(2).map((m) => [m.role, m.toolCallId ?? m.toolCalls?.length]),
      [
        ['assistant', 2],
        ['tool', made[0]?.id],
        ['tool', made[1]?.id],
      ],
    );
  });

  it('toolChoice none: tool_choice is sent and the model only speaks', async () => {
    const { items } = await drain(
      llm.stream(ASK, { signal: signal(), tools: TOOLS, toolChoice: 'none' }),
    );
    assert.deepEqual(calls(items), []);
    assert.equal((sent()[0]?.body as { tool_choice: string }).tool_choice, 'none');
  });

  it('without tools: only text, and tool messages of the context are left out', async () => {
    const history: ChatMessage[] = [
      ...ASK,
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'get_time', arguments: '{}' }],
      },
      { role: 'tool', toolCallId: 'c1', name: 'get_time', content: '09:00' },
      { role: 'assistant', content: 'It is nine.' },
      { role: 'user', content: 'Ana: Thanks.' },
    ];
    const { items, error } = await drain(llm.stream(history, { signal: signal() }));
    assert.equal(error, undefined);
    assert.ok(items.every((i) => typeof i === 'string'));
    const body = sent()[0]?.body as { messages: { role: string }[]; tools?: unknown };
    assert.equal(body.tools, undefined);
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'user'],
    );
  });
});
