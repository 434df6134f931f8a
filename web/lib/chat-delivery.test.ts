import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHAT_RESEND_OF } from '@voice-agent/common/conventions';
import { ChatReceipts, deliverChat, type SendChat } from './chat-delivery';

/** A send that records its calls; `receiptFor(n)` says whether the agent confirms the n-th. */
function sender(receipts: ChatReceipts, receiptFor: (n: number) => boolean, delayMs = 5) {
  const calls: { text: string; attributes: Record<string, string> | undefined }[] = [];
  const send: SendChat = async (text, options) => {
    calls.push({ text, attributes: options?.attributes });
    const id = `TS_${calls.length}`;
    if (receiptFor(calls.length)) setTimeout(() => receipts.add(id), delayMs);
    return { id };
  };
  return { calls, send };
}

describe('typed messages the agent confirms', () => {
  it('a confirmed message is sent once', async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, () => true);
    assert.equal(await deliverChat('hi', send, receipts, { waitMs: 200 }), true);
    assert.deepEqual(calls, [{ text: 'hi', attributes: undefined }]);
  });

  it('a lost message is resent, naming the first send', async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, (n) => n === 2);
    assert.equal(await deliverChat('hi', send, receipts, { waitMs: 100 }), true);
    assert.deepEqual(calls, [
      { text: 'hi', attributes: undefined },
      { text: 'hi', attributes: { [CHAT_RESEND_OF]: 'TS_1' } },
    ]);
  });

  it("a late receipt for the first send ends the wait on the resend's", async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, (n) => n === 1, 150);
    const started = Date.now();
    assert.equal(await deliverChat('hi', send, receipts, { waitMs: 100, sends: 3 }), true);
    assert.equal(calls.length, 2);
    assert.ok(Date.now() - started < 190, 'confirmed by the first receipt, not a third send');
  });

  it('gives up after the last send without a receipt', async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, () => false);
    assert.equal(await deliverChat('hi', send, receipts, { waitMs: 30, sends: 3 }), false);
    assert.equal(calls.length, 3);
    assert.ok(calls.slice(1).every((c) => c.attributes?.[CHAT_RESEND_OF] === 'TS_1'));
  });

  it('a failed send throws', async () => {
    const receipts = new ChatReceipts();
    const send: SendChat = () => Promise.reject(new Error('engine closed'));
    await assert.rejects(deliverChat('hi', send, receipts), /engine closed/);
  });
});
