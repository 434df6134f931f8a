import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../../test/fake_conversation.js';

describe('Conversation: a greeting no longer wanted', () => {
  it('waits for the floor, then is dropped if its person left meanwhile; the next is said', async () => {
    const { conversation, speaker } = setup();
    let present = true;
    const first = conversation.say('Hello Ana, welcome.');
    const gone = conversation.say('Hello Guest, welcome.', undefined, () => present);
    const stays = conversation.say('Hello Ben, welcome.', undefined, () => true);
    present = false; // the guest leaves while Ana's greeting plays
    await Promise.all([first, gone, stays]);
    await sleep(10);
    assert.deepEqual(speaker.heard, ['Hello Ana, welcome.', 'Hello Ben, welcome.']);
  });
});
