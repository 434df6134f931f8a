import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpokenWords } from '../output/spoken_words.js';
import { durationMayStop, ECHO_LEAD_MS, judgeEcho, RECENT_WORDS_MS } from './echo_judge.js';
import type { EchoVerdict } from './echo_evidence.js';

/** The agent said "Paris is the capital of France." from 10 s, a word every 300 ms. */
function agent(): SpokenWords {
  const words = new SpokenWords();
  ['Paris', 'is', 'the', 'capital', 'of', 'France.'].forEach((w, i) =>
    words.played(w, 10_000 + i * 300),
  );
  return words;
}
const saidBy = (words: SpokenWords) => words;
/** An utterance whose level could not tell it from echo (e.g. echo at -3 dB), spoken in [from, to]. */
const unproven = (fromAt: number, toAt?: number): EchoVerdict => ({
  beyondEcho: true,
  provenPerson: false,
  span: toAt === undefined ? { fromAt } : { fromAt, toAt },
});

describe('judgeEcho', () => {
  it('1. an utterance hardly ever louder than the echo could be is echo, whatever its words', () => {
    const verdict: EchoVerdict = { beyondEcho: false, provenPerson: false, span: { fromAt: 0 } };
    assert.deepEqual(judgeEcho('wait', verdict, saidBy(agent()), 11_000), {
      echo: true,
      by: 'level',
    });
  });

  it("2. a person the level proved is a person, even saying the agent's words", () => {
    const verdict: EchoVerdict = { beyondEcho: true, provenPerson: true, span: { fromAt: 10_500 } };
    assert.deepEqual(judgeEcho('the capital', verdict, saidBy(agent()), 11_500), { echo: false });
  });

  it("3. the agent's own words said while the utterance was spoken are echo (final or interim)", () => {
    const words = saidBy(agent());
    assert.deepEqual(judgeEcho('is the capital', unproven(10_400, 11_200), words, 12_000), {
      echo: true,
      by: 'agent words',
    });
    // Interim words of an utterance still being spoken: its span runs to now.
    assert.equal(judgeEcho('capital of', unproven(10_600), words, 11_300).echo, true);
  });

  it('3. the echo may lag the agent: words said up to ECHO_LEAD_MS before the start count', () => {
    const words = saidBy(agent());
    // "Paris" played at 10.0 s, heard in an utterance VAD started at 10.9 s.
    assert.equal(
      judgeEcho('Paris', unproven(10_000 + ECHO_LEAD_MS - 100), words, 11_500).echo,
      true,
    );
    assert.equal(
      judgeEcho('Paris', unproven(10_000 + ECHO_LEAD_MS + 100), words, 11_500).echo,
      false,
    );
  });

  it('3. a word the agent did not say makes it a person\'s ("wait")', () => {
    const words = saidBy(agent());
    assert.deepEqual(judgeEcho('wait', unproven(10_400, 11_000), words, 11_500), { echo: false });
    assert.deepEqual(judgeEcho('the capital wait', unproven(10_400), words, 11_500), {
      echo: false,
    });
  });

  describe('4. earlier words of the agent, heard while it talks in a microphone with echo', () => {
    /** "Paris is the capital of France." from 10 s, then "It rains there." from 14 s. */
    function twoReplies(): SpokenWords {
      const words = agent();
      words.saying('It rains there.', 14_000);
      return words;
    }
    const withEcho = (fromAt: number, toAt: number): EchoVerdict => ({
      ...unproven(fromAt, toAt),
      echoPath: true,
    });

    it('are echo: a recogniser made them of a fragment of the reply playing', () => {
      assert.deepEqual(judgeEcho('the capital', withEcho(14_300, 14_600), twoReplies(), 14_800), {
        echo: true,
        by: 'earlier agent words',
      });
    });

    it('are a person without a measured echo path in their microphone', () => {
      // Rule 3 only: the words were not said during the utterance.
      assert.deepEqual(judgeEcho('the capital', unproven(14_300, 14_600), twoReplies(), 14_800), {
        echo: false,
      });
    });

    it('are a person once the agent is silent, or beyond RECENT_WORDS_MS', () => {
      const words = agent(); // silent from 11.5 s
      assert.deepEqual(judgeEcho('the capital', withEcho(13_000, 13_500), words, 13_600), {
        echo: false,
      });
      const later = agent();
      later.saying('It rains there.', 11_500 + RECENT_WORDS_MS);
      const from = 11_600 + RECENT_WORDS_MS;
      assert.deepEqual(judgeEcho('the capital', withEcho(from, from + 300), later, from + 400), {
        echo: false,
      });
    });

    it('do not hide a word the agent never said ("wait")', () => {
      assert.deepEqual(judgeEcho('wait', withEcho(14_300, 14_600), twoReplies(), 14_800), {
        echo: false,
      });
      assert.deepEqual(
        judgeEcho('the capital wait', withEcho(14_300, 14_600), twoReplies(), 14_800),
        { echo: false },
      );
    });
  });

  it('5. no words, or no evidence at all (no echo canceller), is not echo', () => {
    const words = saidBy(agent());
    assert.deepEqual(judgeEcho('', unproven(10_400), words, 11_500), { echo: false });
    assert.deepEqual(judgeEcho('the capital', { beyondEcho: true }, words, 11_500), {
      echo: false,
    });
  });
});

describe('durationMayStop', () => {
  it('only a person proven by the level (or no evidence at all) may stop by duration', () => {
    assert.equal(durationMayStop(unproven(0)), false);
    assert.equal(durationMayStop({ beyondEcho: false, provenPerson: false }), false);
    assert.equal(durationMayStop({ beyondEcho: true, provenPerson: true }), true);
    assert.equal(durationMayStop({ beyondEcho: true }), true);
  });
});
