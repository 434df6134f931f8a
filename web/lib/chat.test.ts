import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkChatMessage, MAX_CHAT_CHARS } from './chat';

describe('typed messages', () => {
  it('the draft is trimmed', () => {
    assert.deepEqual(checkChatMessage('  What time is it?\n'), {
      ok: true,
      text: 'What time is it?',
    });
  });

  it('an empty or blank draft is refused', () => {
    for (const draft of ['', '   ', '\n\t']) {
      assert.deepEqual(checkChatMessage(draft), { ok: false, error: 'Type a message first.' });
    }
  });

  it(`exactly ${MAX_CHAT_CHARS} characters is accepted, surrounding spaces not counted`, () => {
    const check = checkChatMessage(` ${'a'.repeat(MAX_CHAT_CHARS)} `);
    assert.equal(check.ok, true);
  });

  it('one character more is refused with the limit and the length', () => {
    assert.deepEqual(checkChatMessage('a'.repeat(MAX_CHAT_CHARS + 1)), {
      ok: false,
      error: 'Messages can be at most 2000 characters; this one has 2001.',
    });
  });
});
