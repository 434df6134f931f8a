import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { ChatMessage as SeenMessage, OpenAiFixture } from '@voice-agent/fixtures';
import { drain } from '../../../test/streaming_provider.js';
import type { ChatMessage, LlmEvent, ToolCallEvent, ToolSpec } from '../types.js';
import { AnthropicLlm, CONVERSATION_STARTS, toAnthropicMessages } from './anthropic.js';

const KEY = 'sk-ant-test';
const TOOLS: ToolSpec[] = [
  {
    name: 'get_weather',
    description: 'The weather in a city now.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
];
const ASK: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Ana: Weather in Paris?' },
];
const signal = () => new AbortController().signal;
const callsOf = (items: LlmEvent[]) =>
  items.filter((i): i is ToolCallEvent => typeof i !== 'string');

describe('toAnthropicMessages: tool calls and results', () => {
  it('tool_use in the assistant turn, tool_result first in the next user turn, alternating', () => {
    const { turns } = toAnthropicMessages([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Ana: Weather?' },
      {
        role: 'assistant',
        content: 'Let me check.',
        toolCalls: [
          { id: 't1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 't2', name: 'get_time', arguments: 'not json' },
        ],
      },
      { role: 'tool', toolCallId: 't1', name: 'get_weather', content: 'sunny' },
      { role: 'tool', toolCallId: 't2', name: 'get_time', content: 'bad', isError: true },
      { role: 'user', content: 'Ben: And tomorrow?' },
      { role: 'assistant', content: 'Sunny today; tomorrow I cannot say.' },
    ]);
    assert.deepEqual(turns, [
      { role: 'user', content: 'Ana: Weather?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 't2', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'sunny' },
          { type: 'tool_result', tool_use_id: 't2', content: 'bad', is_error: true },
          { type: 'text', text: 'Ben: And tomorrow?' },
        ],
      },
      { role: 'assistant', content: 'Sunny today; tomorrow I cannot say.' },
    ]);
  });

  it('a call the agent made first (its greeting turn): the conversation still starts with a user', () => {
    const { turns } = toAnthropicMessages([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 't1', name: 'get_time', arguments: '{}' }],
      },
      { role: 'tool', toolCallId: 't1', name: 'get_time', content: '09:00' },
    ]);
    assert.deepEqual(
      turns.map((t) => t.role),
      ['user', 'assistant', 'user'],
    );
    assert.equal(turns[0]?.content, CONVERSATION_STARTS);
  });
});

describe('anthropic LLM: tool calls streamed from the fixture', () => {
  let fx: OpenAiFixture;
  let llm: AnthropicLlm;
  let seen: SeenMessage[] = [];
  const sent = () => fx.requests.filter((r) => r.endpoint === 'messages');

  before(async () => {
    fx = await startOpenAiFixture({ phrases: [], apiKey: KEY });
    llm = new AnthropicLlm({
      baseURL: fx.anthropicBaseUrl,
      apiKey: KEY,
      model: 'claude-haiku-4-5',
    });
  });
  beforeEach(() => {
    fx.requests.length = 0;
    Object.assign(fx.script.messages, {
      reply: (messages: SeenMessage[]) => {
        seen = messages;
        return messages.at(-1)?.role === 'tool' ? 'It is sunny in Paris.' : '';
      },
      toolCalls: (messages: SeenMessage[]) =>
        messages.at(-1)?.role === 'tool'
          ? undefined
          : [{ name: 'get_weather', arguments: { city: 'Paris', units: 'metric' } }],
      ttftMs: 0,
      tokenIntervalMs: 1,
      faults: [],
      errorEvents: [],
    });
  });
  after(async () => {
    await llm.close();
    await fx.close();
  });

  it('a reply that is only a tool call yields the call, its input_json_delta pieces joined', async () => {
    const { items, error } = await drain(llm.stream(ASK, { signal: signal(), tools: TOOLS }));
    assert.equal(error, undefined);
    assert.equal(items.length, 1, 'one call, no text: not an empty reply');
    const [call] = callsOf(items);
    assert.equal(call?.name, 'get_weather');
    assert.match(call?.id ?? '', /^toolu_/);
    assert.deepEqual(JSON.parse(call?.arguments ?? ''), { city: 'Paris', units: 'metric' });
    const body = sent()[0]?.body as { tools: unknown };
    assert.deepEqual(body.tools, [
      {
        name: 'get_weather',
        description: 'The weather in a city now.',
        input_schema: TOOLS[0]?.parameters,
      },
    ]);
  });

  it('the result goes back as tool_result; the fixture accepts the turns and the answer follows', async () => {
    const [call] = callsOf(
      (await drain(llm.stream(ASK, { signal: signal(), tools: TOOLS }))).items,
    );
    assert.ok(call);
    const followUp: ChatMessage[] = [
      ...ASK,
      { role: 'assistant', content: '', toolCalls: [call] },
      { role: 'tool', toolCallId: call.id, name: call.name, content: 'sunny, 21 C' },
    ];
    const { items, error } = await drain(llm.stream(followUp, { signal: signal(), tools: TOOLS }));
    assert.equal(error, undefined);
    assert.equal(items.join(''), 'It is sunny in Paris.');
    assert.deepEqual(seen.at(-1), { role: 'tool', toolCallId: call.id, content: 'sunny, 21 C' });
  });

  it('toolChoice none sends tool_choice none; without tools a call in the stream is passed over', async () => {
    fx.script.messages.reply = () => 'Sunny.';
    await drain(llm.stream(ASK, { signal: signal(), tools: TOOLS, toolChoice: 'none' }));
    assert.deepEqual((sent()[0]?.body as { tool_choice: unknown }).tool_choice, { type: 'none' });
    const { items } = await drain(llm.stream(ASK, { signal: signal() }));
    assert.deepEqual(items.join(''), 'Sunny.');
  });
});
