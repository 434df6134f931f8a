import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completeness, holdFor } from './endpointing.js';

describe('completeness of a transcript', () => {
  const cases: [string, ReturnType<typeof completeness>][] = [
    ['What time does the museum open?', 'complete'],
    ['Twelve euros, please.', 'complete'],
    ['What is it for?', 'complete'],
    ['Stop!', 'complete'],
    ['I would like to book a table for', 'incomplete'],
    ['I would like to book a table for.', 'incomplete'],
    ['Can you tell me about the', 'incomplete'],
    ['Is there a cafe, um', 'incomplete'],
    ['I need a taxi and', 'incomplete'],
    ['So what I was thinking is,', 'incomplete'],
    ['We could go there…', 'incomplete'],
    ['Could you tell me the?', 'incomplete'],
    ['what time does the museum open', 'unpunctuated'],
    ['four people tonight at eight', 'unpunctuated'],
    ['  ', 'complete'],
  ];
  for (const [text, expected] of cases) {
    it(`"${text}" is ${expected}`, () => assert.equal(completeness(text), expected));
  }
});

describe('holdFor', () => {
  const opts = { completeHoldMs: 400, incompleteHoldMs: 1600 };
  it('is short for a finished sentence, long for an unfinished one, a little longer without punctuation', () => {
    assert.equal(holdFor('How much is a ticket?', opts), 400);
    assert.equal(holdFor('How much is a', opts), 1600);
    assert.equal(holdFor('how much is a ticket', opts), 700);
  });
});
