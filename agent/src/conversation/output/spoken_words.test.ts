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

  it('takes words the agent said in the span, in any case and punctuation, for its echo', () => {
    const words = said();
    assert.equal(words.saidBetween('a long story', 1_000, 3_500), true);
    assert.equal(words.saidBetween('Tuesday at four?', 1_000, 3_500), true);
    assert.equal(words.saidBetween("it's", 1_000, 3_500), true);
  });

  it('does not when any word is not one of them, or there are none', () => {
    const words = said();
    assert.equal(words.saidBetween('wait', 1_000, 3_500), false);
    assert.equal(words.saidBetween('a long wait', 1_000, 3_500), false);
    assert.equal(words.saidBetween('', 1_000, 3_500), false);
    assert.equal(words.saidBetween('...', 1_000, 3_500), false);
  });

  it('takes accented and non-Latin words for its echo as they were said', () => {
    const words = new SpokenWords();
    ['Café', 'naïve', 'Привет', 'мир.'].forEach((w, i) => words.played(w, 1_000 + i * 250));
    assert.equal(words.saidBetween('cafe\u0301 NAÏVE', 1_000, 2_000), true);
    assert.equal(words.saidBetween('привет, мир', 1_000, 2_000), true);
    assert.equal(words.saidBetween('привет, друг', 1_000, 2_000), false);
  });

  it('only counts words played in the span: repeating the agent later is a person', () => {
    const words = said();
    assert.equal(words.saidBetween('here is', 2_000, 5_000), false, '"Here" was said at 1 s');
    assert.equal(words.saidBetween('four', 2_000, 5_000), true);
    assert.equal(words.saidBetween('four', 4_000, 6_000), false, '"four" was said at 3.25 s');
  });

  it('forgets words played more than 15 s before the latest', () => {
    const words = said();
    words.played('Bye.', 20_000);
    assert.equal(words.saidBetween('four', 0, 20_000), false);
    assert.equal(words.saidBetween('bye', 0, 20_000), true);
  });

  it('counts the words of a segment being said until its playout is over', () => {
    const words = new SpokenWords();
    words.saying('Sorry, say that again?', 1_000);
    // Paused during "say": its echo came back, but the word never finished playing.
    assert.equal(words.saidBetween('sorry say', 1_200, 9_000), true);
    assert.equal(words.saidBetween('say', 500, 900), false, 'not before it began');
    words.doneSaying(2_000);
    assert.equal(words.saidBetween('again', 1_500, 3_000), true);
    assert.equal(words.saidBetween('again', 2_500, 3_000), false, 'over by then');
  });

  it('tells whether the agent was saying anything in a span', () => {
    const words = new SpokenWords();
    assert.equal(words.spokeBetween(0, 10_000), false, 'nothing said yet');
    words.played('Hello.', 1_000);
    words.saying('Sorry, say that again?', 3_000);
    assert.equal(words.spokeBetween(900, 1_100), true);
    assert.equal(words.spokeBetween(1_500, 2_500), false, 'silent between the two');
    assert.equal(words.spokeBetween(5_000, 6_000), true, 'still being said');
    words.doneSaying(4_000);
    assert.equal(words.spokeBetween(5_000, 6_000), false, 'over by then');
  });
});
