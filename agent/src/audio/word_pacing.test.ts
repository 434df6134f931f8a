import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PIPELINE_SAMPLE_RATE } from './format.js';
import { WordPacing, wordEnds } from './word_pacing.js';

/** Samples in `ms` of pipeline audio. */
const ms = (n: number) => (n * PIPELINE_SAMPLE_RATE) / 1000;

describe('WordPacing: which words have been played', () => {
  it('words are spread over the segment by characters, each with its leading space', () => {
    assert.deepEqual(wordEnds('ab cd'), [
      { word: 'ab', at: 0.4 },
      { word: ' cd', at: 1 },
    ]);
    assert.deepEqual(
      wordEnds('ab cd', true).map((w) => w.word),
      [' ab', ' cd'],
      'a later segment starts with a space',
    );
  });

  it('a word is released once its end has played, and only once', () => {
    const words = new WordPacing();
    words.begin('one two', 0); // "one" ends at 3/7 of the segment, "two" at its end
    words.grow(ms(700));
    words.endSegment();
    assert.deepEqual(words.release(ms(299)), []);
    assert.deepEqual(words.release(ms(300)), ['one']);
    assert.deepEqual(words.release(ms(650)), []);
    assert.deepEqual(words.release(ms(700)), [' two']);
    assert.deepEqual(words.release(Infinity), []);
  });

  it('while its audio is still coming, a segment is paced by its text, not by what came', () => {
    const words = new WordPacing();
    words.begin('one two', 0); // 7 characters at 65 ms: 455 ms estimated
    words.grow(ms(100));
    assert.deepEqual(words.release(ms(100)), [], 'the first 100 ms are not the whole segment');
    assert.deepEqual(words.release(ms(195)), ['one']);
    assert.deepEqual(words.release(ms(10_000)), [' two']);
  });

  it('the next segment waits for the one before to be complete', () => {
    const words = new WordPacing();
    words.begin('one', 0);
    words.grow(ms(200));
    words.begin('two', ms(200));
    words.grow(ms(200));
    // "one" is estimated from its text (195 ms < 200 ms), so its word is out, but the segment
    // was never ended: "two" waits.
    assert.deepEqual(words.release(ms(400)), ['one']);
  });

  it('a segment whose audio failed adds no words, and the next one is placed after it', () => {
    const words = new WordPacing();
    words.begin('Sorry,', 0);
    words.endSegment();
    words.begin('say again.', 0);
    words.grow(ms(400));
    words.endSegment();
    assert.deepEqual(words.release(ms(400)), [' say', ' again.']);
    assert.equal(words.heardText(ms(400)), 'say again.');
    assert.equal(words.fullText, 'Sorry, say again.');
  });

  it('the heard text holds the words played so far, across segments', () => {
    const words = new WordPacing();
    words.begin('Once upon', 0);
    words.grow(ms(300));
    words.endSegment();
    words.begin('a time.', ms(300));
    words.grow(ms(300));
    words.endSegment();
    assert.equal(words.heardText(ms(100)), '', '"Once" ends at 4/9 of 300 ms');
    assert.equal(words.heardText(ms(150)), 'Once');
    assert.equal(words.heardText(ms(300)), 'Once upon');
    assert.equal(words.heardText(ms(400)), 'Once upon a');
    assert.equal(words.heardText(ms(600)), 'Once upon a time.');
  });

  it('played out whole, every word not yet released is', () => {
    const words = new WordPacing();
    words.begin('one two three', 0);
    words.grow(ms(50)); // the audio is cut short of its estimate, never ended
    assert.deepEqual(words.release(ms(50)), []);
    assert.deepEqual(words.releaseAll(), ['one', ' two', ' three']);
  });
});
