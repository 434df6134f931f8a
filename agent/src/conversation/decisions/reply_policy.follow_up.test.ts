import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplyPolicy, ReplyReason } from './reply_policy.js';
import { AddressTracker, FOLLOW_UP_WINDOW_MS } from './reply_policy.js';

const HUMANS = [
  { identity: 'id-ana', name: 'Ana' },
  { identity: 'id-ben', name: 'Ben' },
  { identity: 'id-cy', name: 'Cy' },
];

/** A tracker and a short way to give it a turn: who, what, when (ms), under which policy. */
function room() {
  const tracker = new AddressTracker({ agentName: 'Sam' });
  const turn = (speaker: string, text: string, at: number, policy: ReplyPolicy = 'addressed') =>
    tracker.decide({ speaker, text, at }, policy, HUMANS).reason;
  return { tracker, turn };
}

describe('reply policy: follow-ups', () => {
  it('answers the person it just answered, until the window closes', () => {
    const { tracker, turn } = room();
    tracker.agentReplied(['id-ana'], 10_000);
    assert.equal(turn('id-ana', 'And tomorrow?', 10_000 + FOLLOW_UP_WINDOW_MS), 'follow-up');
    tracker.agentReplied(['id-ana'], 40_000);
    assert.equal(turn('id-ana', 'And tomorrow?', 40_001 + FOLLOW_UP_WINDOW_MS), 'not-addressed');
    assert.equal(
      turn('id-ana', 'And the day after?', 40_002 + FOLLOW_UP_WINDOW_MS),
      'not-addressed',
    );
  });

  it('counts the window from the latest reply, so an exchange can go on', () => {
    const { tracker, turn } = room();
    const reasons: ReplyReason[] = [];
    for (let at = 0; at < 100_000; at += 15_000) {
      tracker.agentReplied(['id-ana'], at);
      reasons.push(turn('id-ana', 'What else?', at + 14_000));
    }
    assert.ok(reasons.every((r) => r === 'follow-up'));
  });

  it('is not a follow-up once another human has spoken, even briefly', () => {
    const { tracker, turn } = room();
    tracker.agentReplied(['id-ana'], 0);
    assert.equal(turn('id-ben', 'Right.', 1_000), 'not-addressed');
    assert.equal(turn('id-ana', 'And tomorrow?', 2_000), 'not-addressed');
  });

  it('is not a follow-up for someone the reply did not go to', () => {
    const { tracker, turn } = room();
    tracker.agentReplied(['id-ana'], 0);
    assert.equal(turn('id-ben', 'And tomorrow?', 1_000), 'not-addressed');
  });

  it('a follow-up that turns to another human or to the room ends the exchange', () => {
    for (const text of [
      'Ben, do you like fish?',
      'do you like fish ben',
      'What do you guys think?',
    ]) {
      const { tracker, turn } = room();
      tracker.agentReplied(['id-ana'], 0);
      assert.notEqual(turn('id-ana', text, 1_000), 'follow-up', text);
      assert.equal(turn('id-ana', 'Is it far?', 2_000), 'not-addressed', text);
    }
  });

  it("answers a follow-up that only mentions the agent, or says the speaker's own name", () => {
    const { tracker, turn } = room();
    tracker.agentReplied(['id-ana'], 0);
    assert.equal(turn('id-ana', 'I think Sam is right about it.', 1_000), 'follow-up');
    assert.equal(turn('id-ana', 'Ana again, is it far?', 2_000), 'follow-up');
  });

  it('after a reply to several people, any of them may follow up', () => {
    const { tracker, turn } = room();
    tracker.agentReplied(['id-ana', 'id-ben'], 0);
    assert.equal(turn('id-ana', 'Is it far?', 1_000), 'follow-up');
    assert.equal(turn('id-ben', 'And is it cheap?', 2_000), 'follow-up');
    assert.equal(turn('id-cy', 'What about parking?', 3_000), 'not-addressed');
    assert.equal(turn('id-ana', 'And lunch?', 4_000), 'not-addressed');
  });

  it('naming the agent starts a new exchange with whoever named it', () => {
    const { tracker, turn } = room();
    tracker.agentReplied(['id-ana'], 0);
    assert.equal(turn('id-ben', 'Sam, is it far?', 1_000), 'named');
    tracker.agentReplied(['id-ben'], 5_000);
    assert.equal(turn('id-ben', 'And by bus?', 6_000), 'follow-up');
    assert.equal(turn('id-ana', 'And by car?', 7_000), 'not-addressed');
  });

  it('an exchange begun under `always` goes on as follow-ups when a second human joins', () => {
    const { tracker, turn } = room();
    assert.equal(turn('id-ana', 'What time is it?', 1_000, 'always'), 'policy-always');
    tracker.agentReplied(['id-ana'], 3_000);
    assert.equal(turn('id-ana', 'And the weather?', 5_000), 'follow-up');
  });
});
