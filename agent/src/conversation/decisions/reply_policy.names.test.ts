import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Human, ReplyDecision } from './reply_policy.js';
import { AddressTracker } from './reply_policy.js';

const ANA_BEN: readonly Human[] = [
  { identity: 'id-ana', name: 'Ana' },
  { identity: 'id-ben', name: 'Ben' },
];

/** The decision on one turn by Ana, from a fresh tracker (no exchange going on). */
function decide(
  text: string,
  opts: { agentName?: string; aliases?: readonly string[]; humans?: readonly Human[] } = {},
): ReplyDecision {
  const tracker = new AddressTracker({
    agentName: opts.agentName ?? 'Sam',
    ...(opts.aliases ? { aliases: opts.aliases } : {}),
  });
  return tracker.decide({ speaker: 'id-ana', text, at: 0 }, 'addressed', opts.humans ?? ANA_BEN);
}

/** Asserts the decision of each text, with the text in the failure message. */
function expectEach(cases: readonly [string, ReplyDecision['reason']][], opts = {}): void {
  for (const [text, reason] of cases) assert.equal(decide(text, opts).reason, reason, text);
}

describe('reply policy: names of the agent', () => {
  it('answers its name at the start, at the end, alone, or after a greeting, in any case', () => {
    expectEach([
      ['Sam, what do you think?', 'named'],
      ['what do you think, Sam?', 'named'],
      ['What do you think Sam', 'named'],
      ['hey sam', 'named'],
      ['SAM.', 'named'],
      ['Okay so, Sam, can you help?', 'named'],
      ['The plan is fine, Sam, but is it cheap?', 'named'],
      ['Thanks Ben. Sam, what do you think?', 'named'],
      ['Can you check it Sam please?', 'named'],
    ]);
  });

  it('stays quiet when it is only talked about, and does not take a possessive for its name', () => {
    expectEach([
      ['I asked Sam yesterday.', 'mentioned'],
      ['I asked Sam, and it said no.', 'mentioned'],
      ["Sam's idea was good.", 'not-addressed'],
      ['Samuel will come later.', 'not-addressed'],
      ['', 'not-addressed'],
    ]);
  });

  it('answers any alias, one word or several', () => {
    const opts = { aliases: ['Samantha', 'Psalm', 'the assistant'] };
    expectEach(
      [
        ['Psalm what time is it', 'named'],
        ['What time is it, Samantha?', 'named'],
        ['The assistant, can you help?', 'named'],
        ['Sam, can you help?', 'named'],
        ['I like the assistant a lot.', 'mentioned'],
      ],
      opts,
    );
  });

  it('takes the first word of a multi-word agent name, and accents do not matter', () => {
    expectEach(
      [
        ['Zoé Martin, are you there?', 'named'],
        ['are you there zoe', 'named'],
        ['Martin, are you there?', 'not-addressed'],
      ],
      { agentName: 'Zoé Martin' },
    );
  });

  it('refuses an agent name without letters', () => {
    assert.throws(() => new AddressTracker({ agentName: ' ?! ' }), RangeError);
  });
});

describe('reply policy: names of the other humans', () => {
  it('stays quiet when another human is addressed, at the start or the end', () => {
    expectEach([
      ['Ben, did you book it?', 'other-human-named'],
      ['did you book it, Ben?', 'other-human-named'],
      ['did you book it ben', 'other-human-named'],
      ['Hey Ben, thank you.', 'other-human-named'],
      ['Ben, did you ask Sam?', 'other-human-named'],
      ['did you ask sam ben', 'other-human-named'],
    ]);
  });

  it('answers when the agent is addressed together with a human', () => {
    expectEach([
      ['Ben and Sam, what do you think?', 'named'],
      ['Ben, Sam, what do you think?', 'named'],
      ['what do you think, Ben or Sam?', 'named'],
      ['Sam, did you hear Ben?', 'named'],
    ]);
  });

  it('matches multi-word display names in full or by first name', () => {
    const humans = [
      { identity: 'id-ana', name: 'Ana Silva' },
      { identity: 'id-ben', name: 'Ben Okafor' },
    ];
    expectEach(
      [
        ['Ben Okafor, did you book it?', 'other-human-named'],
        ['Ben, did you book it?', 'other-human-named'],
        ['did you book it ben okafor', 'other-human-named'],
        ['Ben Okafor and Sam, what do you think?', 'named'],
      ],
      { humans },
    );
  });

  it("does not count the speaker's own name, nor a human who is not in the room", () => {
    expectEach([
      ['Ana here, is anyone listening?', 'not-addressed'],
      ['Carl, are you there?', 'not-addressed'],
    ]);
  });

  it('reads punctuation-free STT text the same as punctuated text', () => {
    expectEach([
      ['ben can you pass the salt', 'other-human-named'],
      ['sam can you pass the salt', 'named'],
      ['hey sam whats the weather', 'named'],
      ['thank you sam', 'named'],
      ['i asked sam about it yesterday', 'mentioned'],
      ['okay everyone lets go', 'group-addressed'],
    ]);
  });

  it('stays quiet when the turn is for the whole room', () => {
    expectEach([
      ['Everyone, lunch is ready.', 'group-addressed'],
      ['What do you guys think?', 'group-addressed'],
      ['Thank you all.', 'group-addressed'],
      ['Sam and everyone, listen.', 'named'],
      ['I think everyone agrees.', 'not-addressed'],
    ]);
  });
});
