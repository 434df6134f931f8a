import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClauseChunker } from './chunker.js';

/** Feeds `text` in deltas of `size` characters, as an LLM stream would; returns every chunk. */
function chunk(text: string, size = 3, chunker = new ClauseChunker()): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...chunker.push(text.slice(i, i + size)));
  out.push(...chunker.flush());
  return out;
}

describe('ClauseChunker', () => {
  it('sends a few words first when no clause comes sooner, then whole sentences', () => {
    const text =
      'Sure, the museum opens at nine. It closes at six on weekdays. On Sundays it is closed.';
    assert.deepEqual(chunk(text), [
      'Sure, the museum opens',
      'at nine.',
      'It closes at six on weekdays.',
      'On Sundays it is closed.',
    ]);
  });

  it('ends the first few words where a phrase can end, not on "at" or "and"', () => {
    assert.deepEqual(chunk('The museum opens at nine in the morning.'), [
      'The museum opens',
      'at nine in the morning.',
    ]);
    assert.deepEqual(chunk('It is sunny and warm today.'), ['It is sunny', 'and warm today.']);
    // With the first words all unfinished-sounding, up to the next word a phrase can end on.
    assert.deepEqual(chunk('If I am the one to go.', 1), ['If I am the one', 'to go.']);
  });

  it('cuts the first chunk at a clause once it is long enough', () => {
    const text = 'Well, if you go, you will be there by noon. Take the train.';
    assert.deepEqual(chunk(text), [
      'Well, if you go,',
      'you will be there by noon.',
      'Take the train.',
    ]);
  });

  it('a short first sentence is a chunk of its own', () => {
    assert.deepEqual(chunk('Hi! How are you today, my friend?'), [
      'Hi!',
      'How are you today, my friend?',
    ]);
  });

  it('a long first stretch without punctuation is cut at a word boundary', () => {
    const words =
      'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';
    const chunks = chunk(words, 3, new ClauseChunker({ firstWords: 100 }));
    assert.ok(chunks[0]!.length <= 60 && chunks[0]!.length > 40, chunks[0]);
    assert.ok(!/\s$/.test(chunks[0]!));
    assert.equal(chunks.join(' '), words, 'no word is split or lost');
  });

  it('a very long later sentence is cut near maxChars, at a clause if there is one', () => {
    const chunker = new ClauseChunker({ maxChars: 50 });
    const text =
      'First. This sentence goes on and on, past the limit, with clauses and more words until the end.';
    const chunks = chunk(text, 5, chunker);
    assert.equal(chunks[0], 'First.');
    for (const c of chunks.slice(1)) assert.ok(c.length <= 50, `${c.length}: ${c}`);
    assert.equal(chunks.join(' '), text);
  });

  it('keeps every character of the reply, whatever the delta size', () => {
    const text = 'A, b. C; d: e! F? The end, for real.';
    for (const size of [1, 2, 7, 100]) assert.equal(chunk(text, size).join(' '), text);
  });

  it('an empty reply gives no chunk', () => {
    assert.deepEqual(chunk(''), []);
    assert.deepEqual(chunk('   '), []);
  });
});
