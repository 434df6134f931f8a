import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatMessage } from '../../providers/types.js';
import { redactPii } from '../../privacy/redact.js';
import { ChatContext, FOLD_AT, KEEP_RECENT, type Summarize } from './context.js';
import { summaryRequest } from './summary.js';
import { MESSAGE_OVERHEAD_TOKENS, estimateTokens } from './tokens.js';

const BUDGET = 1_000;

/** A summariser whose answers the test gives, one call at a time. */
function scriptedSummarizer() {
  const calls: {
    previous: string;
    turns: readonly ChatMessage[];
    maxTokens: number;
    answer: (summary: string) => void;
    fail: (err: Error) => void;
  }[] = [];
  const summarize: Summarize = (previous, turns, { maxTokens }) =>
    new Promise((resolve, reject) =>
      calls.push({ previous, turns, maxTokens, answer: resolve, fail: reject }),
    );
  return { calls, summarize };
}

const tokensOf = (messages: ChatMessage[]) =>
  messages.reduce((sum, m) => sum + estimateTokens(m.content) + MESSAGE_OVERHEAD_TOKENS, 0);

/** A person's turn of about 60 tokens, numbered so it can be found. */
const turn = (n: number) =>
  `turn ${n}: ${'we talked about the weather again and again, '.repeat(4)}`;

function talk(ctx: ChatContext, from: number, to: number) {
  for (let n = from; n <= to; n++) {
    ctx.addUser(n % 2 ? 'Ana' : 'Ben', turn(n));
    ctx.addAgent(`answer ${n}`);
  }
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('ChatContext: the token budget', () => {
  it('starts a fold in the background at its share of the budget, not before', () => {
    const { calls, summarize } = scriptedSummarizer();
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: BUDGET, summarize });
    let n = 0;
    while (calls.length === 0) {
      n++;
      talk(ctx, n, n);
      assert.ok(n < 100, 'no fold started');
    }
    const size = tokensOf(ctx.messages());
    assert.ok(size >= BUDGET * FOLD_AT, `folded at ${size} tokens`);
    assert.ok(size < BUDGET * FOLD_AT + 100, `folded only at ${size} tokens`);
    // Everything but the last few of the moment it started (the turn that crossed the line, or
    // the answer after it), each turn still naming its speaker.
    const turns = ctx.messages().slice(1);
    assert.ok(calls[0]!.turns.length >= turns.length - KEEP_RECENT - 1);
    assert.ok(calls[0]!.turns.length <= turns.length - KEEP_RECENT);
    assert.match(calls[0]!.turns[0]!.content, /^Ana: turn 1:/);
    assert.match(calls[0]!.turns[2]!.content, /^Ben: turn 2:/);
  });

  it('keeps every request within the budget while the fold is out, then sends the summary', async () => {
    const { calls, summarize } = scriptedSummarizer();
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: BUDGET, summarize });
    talk(ctx, 1, 40);
    assert.equal(calls.length, 1, 'one fold at a time');
    const waiting = ctx.messages();
    assert.ok(tokensOf(waiting) <= BUDGET, `${tokensOf(waiting)} tokens while folding`);
    assert.match(waiting.at(-1)!.content, /answer 40/, 'the last turns are whole');
    assert.match(waiting.at(-2)!.content, /turn 40:/);

    calls[0]!.answer('Ana asked about the weather in turn 1; Ben about it in turn 2.');
    await settled();
    const after = ctx.messages();
    assert.match(
      after[0]!.content,
      /^Be brief\.\n\nEarlier in this conversation \(a summary\):\nAna asked/,
    );
    assert.ok(tokensOf(after) <= BUDGET);
    assert.ok(!after.some((m) => m.content.includes('turn 1:')), 'folded turns left');
    assert.match(after.at(-2)!.content, /turn 40:/);
  });

  it('gives the next fold the summary so far', async () => {
    const { calls, summarize } = scriptedSummarizer();
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: BUDGET, summarize });
    talk(ctx, 1, 12);
    calls[0]!.answer('Ana: her locker code is 4417.');
    await settled();
    for (let n = 13; calls.length < 2; n++) talk(ctx, n, n);
    assert.equal(calls[1]!.previous, 'Ana: her locker code is 4417.');
    assert.ok(calls[1]!.maxTokens <= BUDGET * 0.2);
  });

  it('keeps the turns of a failed fold and tries again a few turns later', async () => {
    const { calls, summarize } = scriptedSummarizer();
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: BUDGET, summarize });
    talk(ctx, 1, 12);
    calls[0]!.fail(new Error('model down'));
    await settled();
    assert.equal(ctx.summary, '');
    talk(ctx, 13, 13);
    assert.equal(calls.length, 1, 'not at once');
    talk(ctx, 14, 15);
    assert.equal(calls.length, 2, 'after four more messages');
    assert.match(calls[1]!.turns[0]!.content, /turn 1:/, 'nothing was lost');
    assert.ok(tokensOf(ctx.messages()) <= BUDGET);
  });

  it('cuts a summary far over its share at a sentence', async () => {
    const { calls, summarize } = scriptedSummarizer();
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: BUDGET, summarize });
    talk(ctx, 1, 12);
    calls[0]!.answer('Ana spoke of the weather. '.repeat(200));
    await settled();
    assert.ok(estimateTokens(ctx.summary) <= BUDGET * 0.2 * 1.5);
    assert.match(ctx.summary, /weather\.$/);
  });

  it("keeps the tools' definitions' share for them", () => {
    const ctx = new ChatContext({
      instructions: 'Be brief.',
      tokenBudget: BUDGET,
      reservedTokens: 400,
    });
    talk(ctx, 1, 40);
    assert.ok(tokensOf(ctx.messages()) <= BUDGET - 400, `${tokensOf(ctx.messages())} tokens`);
  });

  it('without a summariser, leaves out the oldest turns', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: BUDGET });
    talk(ctx, 1, 40);
    const messages = ctx.messages();
    assert.ok(tokensOf(messages) <= BUDGET);
    assert.match(messages.at(-2)!.content, /turn 40:/);
    assert.ok(!messages.some((m) => m.content.includes('turn 1:')));
  });
});

describe('ChatContext: live updates and redaction', () => {
  it('sends new instructions and added facts from the next request on', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: BUDGET });
    ctx.addUser('Ana', 'Hi.');
    const before = ctx.messages();
    ctx.setInstructions('Answer in French.');
    ctx.addFact('The shop closes at 6 pm today.');
    assert.equal(before[0]!.content, 'Be brief.');
    assert.equal(
      ctx.messages()[0]!.content,
      'Answer in French.\n\nFacts:\n- The shop closes at 6 pm today.',
    );
  });

  it('redacts what people say before it is kept or drafted, with AGENT_REDACT=llm', () => {
    const ctx = new ChatContext({
      instructions: 'Be brief.',
      tokenBudget: BUDGET,
      redact: redactPii,
    });
    ctx.addUser('Ana', 'my email is ana@example.com');
    const messages = ctx.messages({ speaker: 'Ana', text: 'and my number is (415) 555-2671' });
    assert.equal(messages.at(-1)!.content, 'Ana: my email is [email] and my number is [phone]');
    assert.equal(ctx.messages().at(-1)!.content, 'Ana: my email is [email]');
  });
});

describe('a summary request', () => {
  it('names each speaker, the assistant, and the tool calls it made with their results', () => {
    assert.equal(
      summaryRequest('Ana: locker 417.', [
        { role: 'user', content: 'Ben: what time is it in Tokyo?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { id: 'c1', name: 'get_current_time', arguments: '{"timeZone":"Asia/Tokyo"}' },
          ],
        },
        { role: 'tool', toolCallId: 'c1', name: 'get_current_time', content: '21:04' },
        { role: 'assistant', content: 'It is 9 pm there.' },
      ]),
      'Summary so far:\nAna: locker 417.\n\nTurns since:\nBen: what time is it in Tokyo?\n' +
        'Assistant used get_current_time {"timeZone":"Asia/Tokyo"}\n' +
        'Result of get_current_time: 21:04\nAssistant: It is 9 pm there.',
    );
  });
});
