import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../providers/types.js';
import type { ToolRound } from '../tools/round.js';
import { ChatContext, KEEP_RECENT } from './context.js';
import type { Summarize } from './context.js';
import { summaryRequest } from './summary.js';

/** A round of one call and its result (`result` null: the call alone). */
function round(id: string, result: string | null = `result ${id}`): ToolRound {
  return {
    calls: [{ id, name: 'web_search', arguments: `{"query":"${id}"}` }],
    results:
      result === null
        ? []
        : [{ role: 'tool', toolCallId: id, name: 'web_search', content: result }],
  };
}

/** Checks every tool message answers the calls of the assistant message right before it. */
function assertPaired(messages: readonly ChatMessage[]): void {
  let open: string[] = [];
  for (const [i, m] of messages.entries()) {
    if (m.role === 'tool') {
      assert.ok(open.includes(m.toolCallId), `message ${i}: a result without its call`);
      open = open.filter((id) => id !== m.toolCallId);
      continue;
    }
    assert.deepEqual(open, [], `message ${i}: calls without their results before it`);
    open = m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.id) : [];
  }
  assert.deepEqual(open, [], 'calls without results at the end');
}

const roles = (messages: readonly ChatMessage[]) =>
  messages.map((m) => (m.role === 'assistant' && m.toolCalls ? 'calls' : m.role));

describe('ChatContext: a reply’s tool calls and results', () => {
  it('are recorded with the reply, before its words, each call with its result', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    ctx.addUser('Ana', 'Is the Louvre open?');
    const record = ctx.startAgent();
    ctx.addUser('Ben', 'And the Orsay?'); // said while the reply played: after it
    record('It opens at nine.', [round('a'), round('b')]);
    const messages = ctx.messages();
    assert.deepEqual(roles(messages), [
      'system',
      'user',
      'calls',
      'tool',
      'calls',
      'tool',
      'assistant',
      'user',
    ]);
    assert.deepEqual(messages[2], {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'a', name: 'web_search', arguments: '{"query":"a"}' }],
    });
    assert.equal(messages[3]?.content, 'result a');
    assertPaired(messages);
  });

  it('a reply that ran a tool but was cut before any word: the pair stays, the words do not', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    ctx.addUser('Ana', 'Book a table.');
    ctx.startAgent()('', [round('a')]);
    ctx.addUser('Ana', 'Wait.');
    assert.deepEqual(roles(ctx.messages()), ['system', 'user', 'calls', 'tool', 'user']);
  });

  it('a call without its result is never recorded; a reply with nothing at all leaves nothing', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    ctx.addUser('Ana', 'Search that.');
    ctx.startAgent()('', [round('a', null)]);
    assert.deepEqual(roles(ctx.messages()), ['system', 'user']);
    const mixed: ToolRound = {
      calls: [...round('a').calls, ...round('b').calls],
      results: round('b').results,
    };
    ctx.startAgent()('Found it.', [mixed]);
    const messages = ctx.messages();
    assert.deepEqual(roles(messages), ['system', 'user', 'calls', 'tool', 'assistant']);
    assert.deepEqual(messages[2]?.role === 'assistant' && messages[2].toolCalls?.map((c) => c.id), [
      'b',
    ]);
  });

  it('over the budget, the oldest replies leave with their calls and results, never half', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 1_000 });
    const long = 'a long result about the museum and its opening hours, '.repeat(6);
    for (let n = 0; n < 12; n++) {
      ctx.addUser(n % 2 ? 'Ana' : 'Ben', `question ${n}`);
      ctx.startAgent()(`answer ${n}`, [round(`c${n}`, long)]);
    }
    const messages = ctx.messages();
    assertPaired(messages);
    assert.equal(messages[1]?.role, 'user', 'the first turn after the system message is a user');
    assert.ok(messages.length < 12 * 4 + 1, 'older turns were left out');
    assert.match(messages.at(-1)!.content, /answer 11/);
  });

  it('a fold takes a reply with its calls and results, and they leave together', async () => {
    const folded: (readonly ChatMessage[])[] = [];
    let answer: (summary: string) => void = () => {};
    const summarize: Summarize = (_previous, turns) => {
      folded.push(turns);
      return new Promise((resolve) => (answer = resolve));
    };
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 1_000, summarize });
    const long = 'the museum opens at nine and closes at six, '.repeat(5);
    for (let n = 0; folded.length === 0; n++) {
      assert.ok(n < 50, 'no fold started');
      ctx.addUser('Ana', `question ${n}: ${long}`);
      ctx.startAgent()(`answer ${n}`, [round(`c${n}`, long)]);
    }
    const turns = folded[0]!;
    assertPaired(turns);
    assert.equal(turns.at(-1)?.role, 'assistant', 'a fold ends after a whole reply');
    answer('Ana asked about the museum; it opens at nine.');
    await new Promise((resolve) => setImmediate(resolve));
    const messages = ctx.messages();
    assertPaired(messages);
    assert.ok(messages.length - 1 <= KEEP_RECENT * 4, 'the folded turns left');
    assert.match(
      summaryRequest('', turns),
      /Assistant used web_search \{"query":"c0"\}\nResult of web_search: the museum/,
    );
  });
});
