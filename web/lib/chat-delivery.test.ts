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
    assert.deepEqual(await deliverChat('hi', send, receipts, { waitMs: 200 }), {
      confirmed: true,
      sends: { first: 'TS_1', ids: ['TS_1'] },
    });
    assert.deepEqual(calls, [{ text: 'hi', attributes: undefined }]);
  });

  it('a lost message is resent, naming the first send', async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, (n) => n === 2);
    assert.equal((await deliverChat('hi', send, receipts, { waitMs: 100 })).confirmed, true);
    assert.deepEqual(calls, [
      { text: 'hi', attributes: undefined },
      { text: 'hi', attributes: { [CHAT_RESEND_OF]: 'TS_1' } },
    ]);
  });

  it("a late receipt for the first send ends the wait on the resend's", async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, (n) => n === 1, 150);
    const done = await deliverChat('hi', send, receipts, { waitMs: 100, sends: 3 });
    assert.equal(done.confirmed, true);
    assert.equal(calls.length, 2, 'confirmed by the first receipt, not a third send');
  });

  it('gives up after the last send without a receipt', async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, () => false);
    const done = await deliverChat('hi', send, receipts, { waitMs: 30, sends: 3 });
    assert.deepEqual(done, {
      confirmed: false,
      sends: { first: 'TS_1', ids: ['TS_1', 'TS_2', 'TS_3'] },
    });
    assert.ok(calls.slice(1).every((c) => c.attributes?.[CHAT_RESEND_OF] === 'TS_1'));
  });

  it('sent again after giving up, it is a copy of the first send', async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, (n) => n === 2);
    const earlier = { first: 'TS_0', ids: ['TS_0', 'TS_00'] };
    const done = await deliverChat('hi', send, receipts, { waitMs: 100, earlier });
    assert.deepEqual(done, {
      confirmed: true,
      sends: { first: 'TS_0', ids: ['TS_0', 'TS_00', 'TS_1', 'TS_2'] },
    });
    assert.ok(calls.every((c) => c.attributes?.[CHAT_RESEND_OF] === 'TS_0'));
    // A late receipt for an earlier copy confirms it at once: no new copy is waited for.
    receipts.add('TS_00');
    const late = sender(receipts, () => false);
    const again = await deliverChat('hi', late.send, receipts, { waitMs: 100, earlier });
    assert.equal(again.confirmed, true);
    assert.equal(late.calls.length, 1);
  });

  it('no resend while the page is cut off: the wait goes on until it is back', async () => {
    const receipts = new ChatReceipts();
    let online = false;
    const { calls, send } = sender(receipts, () => false);
    let sendsWhenBack = 0;
    setTimeout(() => {
      sendsWhenBack = calls.length;
      online = true;
    }, 250);
    const done = await deliverChat('hi', send, receipts, {
      waitMs: 40,
      sends: 2,
      online: () => online,
    });
    assert.equal(done.confirmed, false);
    assert.equal(sendsWhenBack, 1, 'one send in 250 ms offline, with 40 ms waits');
    assert.equal(calls.length, 2);
  });

  it('a receipt that comes while the page is cut off confirms it', async () => {
    const receipts = new ChatReceipts();
    const { calls, send } = sender(receipts, () => false);
    setTimeout(() => receipts.add('TS_1'), 150);
    const done = await deliverChat('hi', send, receipts, { waitMs: 40, online: () => false });
    assert.equal(done.confirmed, true);
    assert.equal(calls.length, 1, 'never resent while offline');
  });

  it('a failed send throws', async () => {
    const receipts = new ChatReceipts();
    const send: SendChat = () => Promise.reject(new Error('engine closed'));
    await assert.rejects(deliverChat('hi', send, receipts), /engine closed/);
  });
});
