import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wordsOf } from './words.js';

describe('wordsOf', () => {
  it('gives the words in order, lower case, without punctuation', () => {
    assert.deepEqual(wordsOf('Hello, World! Is it... over?'), [
      'hello',
      'world',
      'is',
      'it',
      'over',
    ]);
    assert.deepEqual(wordsOf('mm-hmm (yes) "fine"; ok:done'), [
      'mm',
      'hmm',
      'yes',
      'fine',
      'ok',
      'done',
    ]);
  });

  it('keeps an apostrophe inside a word, typographic or plain, and drops one at its edge', () => {
    assert.deepEqual(wordsOf("Don't, it's y'all"), ["don't", "it's", "y'all"]);
    assert.deepEqual(wordsOf('don\u2019t it\u2018s sam\u02BCs ben`s'), [
      "don't",
      "it's",
      "sam's",
      "ben's",
    ]);
    assert.deepEqual(wordsOf("'quoted' goin' 'til"), ['quoted', 'goin', 'til']);
  });

  it('keeps accented letters, composed or not, as one word', () => {
    assert.deepEqual(wordsOf('Café NAÏVE Señor'), ['café', 'naïve', 'señor']);
    assert.deepEqual(wordsOf('Cafe\u0301'), ['café'], 'e and a combining accent');
  });

  it('takes digits as words and splits numbers at their punctuation', () => {
    assert.deepEqual(wordsOf('Table 4 at 8pm'), ['table', '4', 'at', '8pm']);
    assert.deepEqual(wordsOf('4,000 or 3.5'), ['4', '000', 'or', '3', '5']);
  });

  it('reads words in any script', () => {
    assert.deepEqual(wordsOf('Привет, МИР'), ['привет', 'мир']);
    assert.deepEqual(wordsOf('नमस्ते दुनिया'), ['नमस्ते', 'दुनिया'], 'vowel signs are marks');
    assert.deepEqual(wordsOf('مرحبا بالعالم'), ['مرحبا', 'بالعالم']);
    assert.deepEqual(wordsOf('ελληνικά'), ['ελληνικά']);
  });

  it('finds no words in empty, blank or punctuation-only text', () => {
    assert.deepEqual(wordsOf(''), []);
    assert.deepEqual(wordsOf('   \n'), []);
    assert.deepEqual(wordsOf("... -- ?! ' \u2019"), []);
  });
});
