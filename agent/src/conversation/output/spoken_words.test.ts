import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpokenWords } from './spoken_words.js';

describe('SpokenWords', () => {
  const said = () => {
    const words = new SpokenWords();
    ['Here', 'is', 'a', 'long', 'story.', "It's", 'about', 'Tuesday,', 'at', 'four.'].forEach(
      (w, i) => words.played(w, 1_000 + i * 250),
    );
    return words;
  };

  it('takes words the agent just said, in any case and punctuation, for its echo', () => {
    const words = said();
    assert.equal(words.echoes('a long story', 3_500), true);
    assert.equal(words.echoes('Tuesday at four?', 3_500), true);
    assert.equal(words.echoes("it's", 3_500), true);
  });

  it('does not when any word is not one of them, or there are none', () => {
    const words = said();
    assert.equal(words.echoes('wait', 3_500), false);
    assert.equal(words.echoes('a long wait', 3_500), false);
    assert.equal(words.echoes('', 3_500), false);
    assert.equal(words.echoes('...', 3_500), false);
  });

  it('takes accented and non-Latin words for its echo as they were said', () => {
    const words = new SpokenWords();
    ['Café', 'naïve', 'Привет', 'мир.'].forEach((w, i) => words.played(w, 1_000 + i * 250));
    assert.equal(words.echoes('cafe\u0301 NAÏVE', 2_000), true);
    assert.equal(words.echoes('привет, мир', 2_000), true);
    assert.equal(words.echoes('привет, друг', 2_000), false);
  });

  it('forgets words said more than 4 s before', () => {
    const words = said();
    assert.equal(words.echoes('here is', 5_500), false, '"Here" was said 4.5 s before');
    assert.equal(words.echoes('four', 5_500), true);
    words.played('Bye.', 10_000);
    assert.equal(words.echoes('four', 10_000), false);
  });
});
