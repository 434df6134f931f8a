import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChatContext } from './context.js';

const ctx = () => new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });

describe('ChatContext', () => {
  it('tags each user message with the speaker and keeps the order of turns', () => {
    const c = ctx();
    c.addUser('Ana', 'What time is it?');
    c.addAgent('It is noon.');
    c.addUser('Ben', ' And the weather? ');
    assert.deepEqual(c.messages(), [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Ana: What time is it?' },
      { role: 'assistant', content: 'It is noon.' },
      { role: 'user', content: 'Ben: And the weather?' },
    ]);
  });

  it('joins consecutive turns of one person, but not of two people', () => {
    const c = ctx();
    c.addUser('Ana', 'Hello.');
    c.addUser('Ana', 'Are you there?');
    c.addUser('Ben', 'Hi.');
    assert.deepEqual(
      c
        .messages()
        .slice(1)
        .map((m) => m.content),
      ['Ana: Hello. Are you there?', 'Ben: Hi.'],
    );
  });

  it('records nothing for a reply of which nothing was heard', () => {
    const c = ctx();
    c.addUser('Ana', 'Tell me a story.');
    c.addAgent('  ');
    assert.equal(c.messages().length, 2);
  });

  it('messages() is a snapshot', () => {
    const c = ctx();
    c.addUser('Ana', 'one');
    const snapshot = c.messages();
    c.addUser('Ana', 'two');
    assert.equal(snapshot[1]!.content, 'Ana: one');
  });
});

describe('ChatContext: a draft turn', () => {
  it('is in the messages asked for with it, and not in the context', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    ctx.addUser('Ana', 'I would like to book a table for');
    const withDraft = ctx.messages({ speaker: 'Ana', text: 'four people.' });
    assert.equal(withDraft.at(-1)!.content, 'Ana: I would like to book a table for four people.');
    assert.equal(ctx.messages().at(-1)!.content, 'Ana: I would like to book a table for');
    const other = ctx.messages({ speaker: 'Ben', text: 'Hi.' });
    assert.deepEqual(
      other.slice(-2).map((m) => m.content),
      ['Ana: I would like to book a table for', 'Ben: Hi.'],
    );
  });
});

describe('ChatContext: a reply being spoken', () => {
  it('keeps its place: a turn said over it comes after it, and it is recorded as heard', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    ctx.addUser('Ana', 'Tell me a story.');
    const heard = ctx.startAgent();
    assert.deepEqual(
      ctx.messages().map((m) => m.role),
      ['system', 'user'],
      'not in a request while it is spoken',
    );
    ctx.addUser('Ana', 'wait');
    heard('Once upon a time,');
    assert.deepEqual(
      ctx.messages().map((m) => m.content),
      ['Be brief.', 'Ana: Tell me a story.', 'Once upon a time,', 'Ana: wait'],
    );
  });

  it('leaves no trace when nothing of it was heard', () => {
    const ctx = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    ctx.addUser('Ana', 'Hi.');
    ctx.startAgent()('  ');
    ctx.addUser('Ana', 'Hello?');
    assert.deepEqual(
      ctx.messages().map((m) => m.content),
      ['Be brief.', 'Ana: Hi. Hello?'],
    );
  });
});
