import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUP_SCRIPT, GROUP_SCRIPT_GAP_MS } from '@voice-agent/fixtures';
import type { ReplyReason } from './reply_policy.js';
import { AddressTracker, FOLLOW_UP_WINDOW_MS } from './reply_policy.js';

const HUMANS = [
  { identity: 'id-ana', name: 'Ana' },
  { identity: 'id-ben', name: 'Ben' },
];
const IDENTITY = { Ana: 'id-ana', Ben: 'id-ben' } as const;
/** How long a line takes to say, and Sam's answer (ms): `at` is when each ends. */
const SPEAKING_MS = 3_000;
const REPLY_MS = 4_000;

/** Which rule decides each line of GROUP_SCRIPT, in order. */
const REASONS: readonly ReplyReason[] = [
  'named',
  'follow-up',
  'other-human-named',
  'not-addressed',
  'not-addressed',
  'not-addressed',
  'named',
  'follow-up',
  'mentioned',
  'not-addressed', // Ben's follow-up, but Ana spoke after Sam's answer
  'not-addressed',
  'named',
  'follow-up',
  'other-human-named', // a follow-up that turns to Ben
  'not-addressed',
  'not-addressed',
  'named',
  'not-addressed', // a follow-up after the window closed
  'other-human-named',
  'not-addressed',
  'named',
  'other-human-named',
  'not-addressed',
  'named',
  'follow-up',
  'group-addressed',
  'other-human-named',
  'named',
];

/**
 * Plays GROUP_SCRIPT through a tracker, the texts passed through `heard` (what STT made of them);
 * Sam answers exactly the lines the script expects it to. Returns one line per decision.
 */
function play(heard: (text: string) => string = (t) => t): string[] {
  const tracker = new AddressTracker({ agentName: 'Sam' });
  const decisions: string[] = [];
  let now = 0;
  GROUP_SCRIPT.forEach((line, i) => {
    now += (line.gapMs ?? GROUP_SCRIPT_GAP_MS) + SPEAKING_MS;
    const speaker = IDENTITY[line.speaker];
    const d = tracker.decide({ speaker, text: heard(line.text), at: now }, 'addressed', HUMANS);
    decisions.push(`${i} ${line.text} -> ${d.reply ? 'reply' : 'quiet'} (${d.reason})`);
    if (line.expectReply) {
      now += REPLY_MS;
      tracker.agentReplied([speaker], now);
    }
  });
  return decisions;
}

const expected = GROUP_SCRIPT.map(
  (line, i) => `${i} ${line.text} -> ${line.expectReply ? 'reply' : 'quiet'} (${REASONS[i]})`,
);

describe('reply policy in a group: the scripted conversation of Ana, Ben and Sam', () => {
  it('is at least 24 plain sentences that TTS can say, with both outcomes', () => {
    assert.ok(GROUP_SCRIPT.length >= 24);
    assert.equal(REASONS.length, GROUP_SCRIPT.length);
    for (const { text } of GROUP_SCRIPT) {
      assert.match(text, /^[A-Z][A-Za-z ,']*[.?]$/, text);
    }
    assert.ok(GROUP_SCRIPT.some((l) => l.expectReply));
    assert.ok(GROUP_SCRIPT.some((l) => !l.expectReply));
    const longGaps = GROUP_SCRIPT.filter((l) => (l.gapMs ?? 0) > FOLLOW_UP_WINDOW_MS);
    assert.equal(longGaps.length, 1);
  });

  it('decides every line as the script expects, for the rule it names', () => {
    assert.deepEqual(play(), expected);
  });

  it('decides the same when STT drops punctuation and case', () => {
    const bare = (t: string) => t.toLowerCase().replace(/[^a-z' ]/g, '');
    assert.deepEqual(play(bare), expected);
  });

  it('decides the same when STT spells Ana as Anna', () => {
    assert.deepEqual(
      play((t) => t.replaceAll('Ana', 'Anna')),
      expected,
    );
  });
});
