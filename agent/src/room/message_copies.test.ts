import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHAT_RESEND_OF } from '@voice-agent/common';
import { MessageCopies } from './message_copies.js';

describe('MessageCopies', () => {
  it('takes a message once, whichever copy arrives first', () => {
    const copies = new MessageCopies();
    assert.equal(copies.first('eva', 'TS_a'), true);
    assert.equal(copies.first('eva', 'TS_b', { [CHAT_RESEND_OF]: 'TS_a' }), false);
    // The resend first, then the first send the SDK kept through a reconnect.
    assert.equal(copies.first('eva', 'TS_d', { [CHAT_RESEND_OF]: 'TS_c' }), true);
    assert.equal(copies.first('eva', 'TS_c'), false);
    assert.equal(copies.first('eva', 'TS_e', { [CHAT_RESEND_OF]: 'TS_c' }), false);
  });

  it('keeps senders apart and takes new messages', () => {
    const copies = new MessageCopies();
    assert.equal(copies.first('eva', 'TS_a'), true);
    assert.equal(copies.first('lee', 'TS_a'), true);
    assert.equal(copies.first('eva', 'TS_b'), true);
  });

  it('remembers the last 512 messages, not every one', () => {
    const copies = new MessageCopies();
    for (let i = 0; i < 600; i++) assert.equal(copies.first('eva', `TS_${i}`), true);
    assert.equal(copies.first('eva', 'TS_599'), false);
    assert.equal(copies.first('eva', 'TS_88'), false);
    assert.equal(copies.first('eva', 'TS_0'), true, 'forgotten: the oldest went first');
  });
});
