import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../../test/fake_conversation.js';
import type { UserTurn } from './conversation.js';

/** Waits (up to 2 s) until `check` holds. */
async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 2_000; !check(); await sleep(2)) {
    if (Date.now() > deadline) assert.fail('timed out');
  }
}

const turn = (text: string, identity = 'ana'): UserTurn => ({
  identity,
  name: identity === 'ana' ? 'Ana' : 'Ben',
  text,
  speechEndAt: performance.now(),
  endedAt: performance.now(),
  sttFinalMs: 100,
});

describe('Conversation: a reply prepared during the hold', () => {
  it('is heard once the turn is confirmed with the same words, with one LLM request', async () => {
    const { conversation, speaker, requests } = setup();
    conversation.draftTurn('ana', 'Ana', 'How much is a ticket?');
    await sleep(50);
    assert.deepEqual(speaker.heard, [], 'nothing is heard before the turn is over');
    assert.equal(requests.length, 1, 'but the LLM was already asked');
    conversation.userTurn(turn('How much is a ticket?'));
    await until(() => speaker.heard.length >= 2);
    assert.deepEqual(speaker.heard, ['re: Ana: How much is a ticket?.', 'That is all.']);
    assert.equal(requests.length, 1);
  });

  it('is dropped, unheard, when the person goes on; the longer turn is answered instead', async () => {
    const { conversation, speaker, requests } = setup();
    conversation.draftTurn('ana', 'Ana', 'I would like to book a table for');
    await sleep(30);
    conversation.speechStarted();
    conversation.userTurn(turn('I would like to book a table for four people.'));
    await until(() => speaker.heard.length >= 2);
    assert.deepEqual(speaker.heard, [
      're: Ana: I would like to book a table for four people..',
      'That is all.',
    ]);
    assert.equal(requests.length, 2);
  });

  it('is reused when speech that held it brought no new words: one LLM request', async () => {
    const { conversation, speaker, requests } = setup();
    conversation.draftTurn('ana', 'Ana', 'How much is a ticket?');
    await sleep(30);
    conversation.speechStarted(); // a cough, or the agent's own echo: no words
    conversation.draftTurn('ana', 'Ana', 'How much is a ticket?');
    conversation.userTurn(turn('How much is a ticket?'));
    await until(() => speaker.heard.length >= 2);
    assert.deepEqual(speaker.heard, ['re: Ana: How much is a ticket?.', 'That is all.']);
    assert.equal(requests.length, 1);
  });

  it('is not heard while held by speech, and is dropped for a draft with other words', async () => {
    const { conversation, speaker, requests } = setup();
    conversation.draftTurn('ana', 'Ana', 'How much is');
    await sleep(30);
    conversation.speechStarted();
    await sleep(30);
    assert.deepEqual(speaker.heard, []);
    conversation.draftTurn('ana', 'Ana', 'How much is a ticket?');
    conversation.userTurn(turn('How much is a ticket?'));
    await until(() => speaker.heard.length >= 2);
    assert.deepEqual(speaker.heard, ['re: Ana: How much is a ticket?.', 'That is all.']);
    assert.equal(requests.length, 2);
  });

  it('is prepared against the context as it is when the previous reply has ended', async () => {
    const { conversation, speaker, requests } = setup();
    conversation.userTurn(turn('Tell me a story.'));
    await until(() => speaker.heard.length === 1); // the story's first sentence was heard
    conversation.interrupt('speech', 'ana');
    // "wait" arrives in the same tick as the stop, before the story's end is recorded.
    conversation.draftTurn('ana', 'Ana', 'wait');
    conversation.userTurn(turn('wait'));
    await until(() => speaker.heard.length >= 3);
    const last = requests.at(-1)!;
    assert.equal(last.at(-1)!.content, 'Ana: wait', 'a message of its own, not merged');
    assert.deepEqual(speaker.heard, [
      're: Ana: Tell me a story..',
      're: Ana: wait.',
      'That is all.',
    ]);
  });

  it('is dropped when its person leaves in the hold, so the floor is free for others', async () => {
    const { conversation, speaker } = setup();
    conversation.draftTurn('ana', 'Ana', 'Thanks, bye.');
    await sleep(20);
    conversation.forget('ana');
    conversation.userTurn(turn('Is there a cafe?', 'ben'));
    await until(() => speaker.heard.length >= 2);
    assert.deepEqual(speaker.heard, ['re: Ben: Is there a cafe?.', 'That is all.']);
  });

  it('turns that end while a greeting plays get one reply, not one each', async () => {
    const { conversation, speaker, requests } = setup();
    void conversation.say('Hello Ana.');
    await sleep(5); // the greeting is playing
    conversation.userTurn(turn('Hi.'));
    conversation.userTurn(turn('Is there a cafe?', 'ben'));
    await until(() => speaker.heard.length >= 3);
    await sleep(100); // time for a second reply, if one were queued
    assert.equal(requests.length, 1);
    assert.deepEqual(speaker.heard, ['Hello Ana.', 're: Ben: Is there a cafe?.', 'That is all.']);
  });

  it("tells its texts to onSaying (the echo judge's) only once it may be heard", async () => {
    const said: string[] = [];
    const { conversation, speaker } = setup({
      options: { onSaying: (text) => said.push(text), onSayingDone: () => said.push('(done)') },
    });
    conversation.draftTurn('ana', 'Ana', 'I would like');
    await sleep(30);
    conversation.speechStarted(); // the person goes on: this one is dropped unheard
    conversation.draftTurn('ana', 'Ana', 'How much is a ticket?');
    await sleep(30);
    assert.equal(said.length, 0, 'nothing told while the turn may go on');
    conversation.userTurn(turn('How much is a ticket?'));
    await until(() => speaker.heard.length >= 2 && said.at(-1) === '(done)');
    await sleep(20);
    assert.ok(!said.some((t) => t.includes('I would like')), said.join(' | '));
    assert.deepEqual(
      [...new Set(said)],
      ['re: Ana: How much is a ticket?.', 'That is all.', '(done)'],
    );
  });
});
