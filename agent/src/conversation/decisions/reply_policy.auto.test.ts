import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressTracker, effectivePolicy } from './reply_policy.js';

describe('reply policy: auto and always', () => {
  it('auto is always with one human (or none), addressed with two or more', () => {
    assert.equal(effectivePolicy('auto', 0), 'always');
    assert.equal(effectivePolicy('auto', 1), 'always');
    assert.equal(effectivePolicy('auto', 2), 'addressed');
    assert.equal(effectivePolicy('auto', 5), 'addressed');
  });

  it('an explicit policy holds whatever the number of humans', () => {
    assert.equal(effectivePolicy('always', 3), 'always');
    assert.equal(effectivePolicy('addressed', 1), 'addressed');
  });

  it('always answers every turn, even one for another human or the room', () => {
    const tracker = new AddressTracker({ agentName: 'Sam' });
    const humans = [
      { identity: 'id-ana', name: 'Ana' },
      { identity: 'id-ben', name: 'Ben' },
    ];
    const texts = ['Ben, did you book it?', 'What do you guys think?', 'Fine.', 'I asked Sam.'];
    texts.forEach((text, i) => {
      const d = tracker.decide({ speaker: 'id-ana', text, at: i * 1_000 }, 'always', humans);
      assert.deepEqual(d, { reply: true, reason: 'policy-always' }, text);
    });
  });
});
