import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressingNotice } from './addressing_notice.js';
import type { ReplyPolicy, ReplyPolicySetting } from './reply_policy.js';

function notice(setting: ReplyPolicySetting) {
  const published: ReplyPolicy[] = [];
  const n = new AddressingNotice({ setting, agentName: 'Sam', publish: (p) => published.push(p) });
  return { n, published };
}

describe('AddressingNotice: people learn to name the agent when a second person joins', () => {
  it('auto: the policy is published at the start and each time the head count changes it', () => {
    const { n, published } = notice('auto');
    n.humansChanged(1);
    n.humansChanged(1);
    n.humansChanged(2);
    n.humansChanged(3);
    n.humansChanged(1);
    assert.deepEqual(published, ['always', 'addressed', 'always']);
  });

  it('auto: the first person is greeted plainly, the second with the note, the third without', () => {
    const { n } = notice('auto');
    assert.equal(n.greetingNote(1), '');
    assert.equal(
      n.greetingNote(2),
      ' With others here, I answer when you start with my name, Sam.',
    );
    assert.equal(n.greetingNote(3), '');
    assert.equal(n.greetingNote(2), '', 'said once per room, even after people come and go');
  });

  it('always: never addressed, so no note and the page is told always', () => {
    const { n, published } = notice('always');
    n.humansChanged(4);
    assert.deepEqual(published, ['always']);
    assert.equal(n.greetingNote(4), '');
  });

  it('addressed: the note comes with the first greeting, alone in the room or not', () => {
    const { n, published } = notice('addressed');
    n.humansChanged(1);
    assert.deepEqual(published, ['addressed']);
    assert.match(n.greetingNote(1), /start with my name, Sam\./);
  });
});
