/**
 * Whether a transcript's words can end a sentence, from their parts of speech: "I wanted to
 * buy" cannot, "That is the number I wanted to call" can, though both end on the same verb.
 * The tagger is wink-nlp with its English lite model (both MIT, the model ships inside its npm
 * package): about 10 µs a call on a short transcript (25 µs on 30 words), 120 ms to load once.
 *
 * The tags say what the last word is (any verb, not only the ones a list knows); the rules say
 * when that kind of word can still end a sentence. Rules, by the last word, in the code's order:
 * 1. A filler (um, uh), an article or possessive determiner (the, my), a conjunction (and), a
 *    subordinator (because, although) or an intensifier (very): never an end (`never`).
 * 2. A word that is a filler or a link in one place and an end in another: "like", "well",
 *    "you know", "I mean", "so", "then", "since", "before": by the word before it ("I think
 *    so" ends; "it was raining so" does not).
 * 3. "that" or a wh-word: finished after a verb that takes a question or an object ("I don't
 *    know when", "guess who", "I'll take that"); unfinished after a noun ("the one that").
 * 4. A number: finished when it is one number or a list closed by "and", or a digit string of a
 *    length numbers have (1, 3, 4, 7, 10, 11 digits); unfinished otherwise ("four, eight,
 *    fifteen", "seven one").
 * 5. An infinitive's "to": finished in an ellipsis ("I'd love to"), unfinished otherwise.
 * 6. A preposition: finished when a wh-word or a relative gap strands it ("Which one are you
 *    thinking of", "the place we stayed at") or when it is a verb's particle ("put it in",
 *    "turn the music down"); unfinished otherwise ("I left my keys in").
 * 7. A possessive: finished after "is" or a preposition ("It's John's", "at my mother's"),
 *    unfinished otherwise ("I borrowed my brother's").
 * 8. An auxiliary, a modal or a copula: finished in a short answer or an ellipsis ("Yes, I
 *    can", "I wish I could", "I know who it is", "here you are"); unfinished otherwise ("The
 *    problem is", "We might").
 * 9. A verb: finished after a gap ("the number I wanted to call", "what do you want to eat"),
 *    after a form of "be" (a passive: "it's closed"), or when it needs no object ("I'll
 *    wait"); unfinished otherwise ("I wanted to buy").
 * 10. Anything else (a noun, an adjective, an object pronoun): finished, but for a subject
 *    pronoun ("my wife and I") and a determiner with no verb before it ("is there any").
 */
import winkNLP, { type ItsFunction } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { wordsOf } from '../../util/words.js';

export type WordsEnd = 'finished' | 'unfinished' | 'never';

export interface WordsVerdict {
  end: WordsEnd;
  /** Which rule decided (for logs and tests). */
  rule: string;
}

interface Token {
  word: string;
  pos: string;
  lemma: string;
}

const nlp = winkNLP(model, ['pos']);
const its = nlp.its;

const set = (...lists: string[]) => new Set(lists.join(' ').split(' '));

const FILLERS = set('um uh er erm hmm mm ah eh uhm umm');
const ARTICLES = set('a an the every its my your our their no whose');
const CONJUNCTIONS = set('and or but nor plus');
const SUBORDINATORS = set('because although unless until till whereas whether if while as than');
const INTENSIFIERS = set('very quite rather extremely fairly pretty super such');
const WH = set('what which who whom where when why how whose whatever whenever wherever');
/** Verbs (and a few adjectives and nouns) that take a question: "I don't know when". */
const TAKES_QUESTION = set(
  'know ask tell wonder remember forget see guess understand explain show decide care learn',
  'sure idea say wondering figure check',
);
/** Verbs after which "that" is the start of a clause ("I think that ..."), not an object. */
const THAT_CLAUSE = set('think say believe hope mean feel realise realize suppose mention so');
/** Particles that end a phrasal verb even after its object: "turn the music down". */
const STRONG_PARTICLES = set('up down off out back away aside apart together ahead forward');
/** Particles that end one only right after the verb or its pronoun: "come in", "put it in". */
const WEAK_PARTICLES = set('in on over by around through along across');
const OBJECT_PRONOUNS = set('it them him her me us you this that');
const SUBJECTS_ONLY = set('i we they he she');
const SUBJECT_PRONOUNS = set('i you we they he she it one someone something there');
const BE = set("be is are was were am been being 's 're 'm");
/** Verbs that end a sentence without an object, or with one understood ("I'll wait"). */
const NO_OBJECT_VERBS = set(
  'wait work help agree leave go come stay sleep arrive happen matter know understand see care',
  'mind win lose stop start begin finish relax listen hurry try remember forget think guess',
  'bet sit stand rest fall run walk die live laugh cry smile wake apologize apologise exist',
  'continue move swim dance sing fail succeed improve complain worry travel fly land depart',
  'return retire talk wonder belong appear disappear rain snow breathe hang shut open close',
  'hear follow deal cope manage count suffer recover decide vote marry graduate change',
);
/** The "to" of an ellipsis: "I'd love to", "you don't have to". */
const TO_ELLIPSIS = set('love like');
/** Verbs whose "to" is an infinitive's: "you need to" waits for a verb. */
const TAKES_INFINITIVE = set(
  'want need have like love hate try go plan hope use ought mean wish decide forget remember',
  'seem get learn promise refuse agree manage prefer start begin continue expect able supposed',
);
const TO_IF_NEGATED = set('want have need');
const YES_NO = set('yes yeah yep no nope nah oh sure course absolutely okay ok');
/** What licenses an ellipsis after a subject and its auxiliary: "I wish I could". */
const ELLIPSIS_LICENSORS = set('wish hope if whenever when as know sure bet guess because');
/** "I guess", "I think" end a clause said before them, and open one said after them. */
const PARENTHETICAL = set('guess think suppose believe');
/** Determiners that stand for their noun after a verb or preposition: "I'll take this". */
const DEMONSTRATIVES = set(
  'this these those some any both all enough plenty much many more none each either neither',
);
const NEGATIONS = set("not n't never");
/** "so" ends a clause after these: "I think so", "I told you so". */
const SO_VERBS = set('think hope guess believe suppose expect say tell imagine fear afraid');
/** "though", "either" lead into more after these: "even though". */
const LEADS_IN = set('even as and or');
/** Words that open a sentence: "so" or "well" after them is a filler ("and so", "oh well"). */
const OPENERS = set('oh so and but well okay ok yeah um uh ah');
const DIGITS = set('zero oh one two three four five six seven eight nine');
const TENS = set('twenty thirty forty fifty sixty seventy eighty ninety');
const MULTIPLIERS = set('hundred thousand million billion');
const ORDINALS = set(
  'first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth',
  'thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth',
);
/** Lengths of complete digit strings: a digit, a room, a PIN, a phone number with or without
 * its area code, one with a trunk prefix. */
const DIGIT_STRING_LENGTHS = new Set([1, 3, 4, 7, 10, 11]);

/** The words of `text`, tagged; lower case, punctuation dropped (the caller judges it). */
export function tag(text: string): Token[] {
  // The lite model takes "i'm" for a proper noun; spelled out it tags as it should.
  const words = wordsOf(text)
    .join(' ')
    .replace(/\bi'm\b/g, 'i am');
  if (!words) return [];
  const tokens = nlp.readDoc(words).tokens();
  const word = tokens.out();
  const pos = tokens.out(its.pos);
  // wink's typings give `its.lemma` the signature of its lemmatizer add-on; it is an `its`.
  const lemma = tokens.out(its.lemma as ItsFunction<string>);
  const toks = word
    .map((w, i) => ({ word: w, pos: pos[i] ?? 'X', lemma: lemma[i] ?? w }))
    .filter((t) => t.pos !== 'PUNCT');
  toks.forEach((t, i) => {
    // The lite model takes a verb for a noun where a verb must stand: "let me check", "to book".
    const p = toks[i - 1];
    const afterLet = (p?.word === 'me' || p?.word === 'us') && toks[i - 2]?.word === 'let';
    if (t.pos === 'NOUN' && p && ((p.word === 'to' && p.pos === 'PART') || afterLet))
      t.pos = 'VERB';
  });
  return toks;
}

const verdict = (end: WordsEnd, rule: string): WordsVerdict => ({ end, rule });
const isWh = (t: Token | undefined) => t !== undefined && WH.has(t.word);
const isNumberToken = (t: Token) =>
  t.pos === 'NUM' || /^\d+$/.test(t.word) || ORDINALS.has(t.word) || MULTIPLIERS.has(t.word);

/** Whether the words of a transcript can end a sentence, with the rule that decided. */
export function judgeWords(text: string): WordsVerdict {
  const toks = tag(text);
  let i = toks.length - 1;
  if (i < 0) return verdict('finished', 'no words');
  // "haven't", "can't": judge the auxiliary the "n't" belongs to.
  if (toks[i]!.word === "n't" && i > 0) i--;
  return judgeLastWord(toks, i);
}

function judgeLastWord(toks: Token[], i: number): WordsVerdict {
  const t = toks[i]!;
  const w = t.word;
  if (FILLERS.has(w)) return verdict('never', 'filler');
  const phrase = judgeFillerPhrase(toks, i);
  if (phrase) return phrase;
  if (ARTICLES.has(w)) return verdict('never', 'article or possessive determiner');
  if (CONJUNCTIONS.has(w)) return verdict('never', 'conjunction');
  if (SUBORDINATORS.has(w)) return verdict('never', 'subordinator');
  if (INTENSIFIERS.has(w)) return verdict('never', 'intensifier');
  const adverb = judgeClauseAdverb(toks, i);
  if (adverb) return adverb;
  if (w === 'that') return judgeThat(toks, i);
  if (WH.has(w)) return judgeWh(toks, i);
  if (isNumberToken(t)) return judgeNumber(toks, i);
  if (w === 'to' && isInfinitiveTo(toks, i)) return judgeTo(toks, i);
  if (t.pos === 'ADP' || w === 'to' || STRONG_PARTICLES.has(w)) return judgePreposition(toks, i);
  if (t.pos === 'PART' && w === "'s") return judgePossessive(toks, i);
  if (t.pos === 'AUX' || BE.has(w)) return judgeAuxiliary(toks, i);
  if (t.pos === 'VERB') return judgeVerb(toks, i);
  return judgeOtherWord(toks, i);
}

/** Index of the nearest word before `i` that is not an adverb or "not" (-1 if none). */
function headBefore(toks: Token[], i: number): number {
  let j = i - 1;
  while (j >= 0 && (toks[j]!.pos === 'ADV' || NEGATIONS.has(toks[j]!.word))) j--;
  return j;
}

/**
 * Whether the clause ending at `end` has a gap its last word can leave: a wh-word before it
 * ("what do you want to eat") or a relative clause without its pronoun ("the number I wanted
 * to call", "the hotel that we liked").
 */
function hasGap(toks: Token[], end: number): boolean {
  for (let j = 0; j < end; j++) {
    const t = toks[j]!;
    if (WH.has(t.word) && t.word !== 'whose') return true;
    if (j === 0 || !SUBJECT_PRONOUNS.has(t.word) || t.word === 'there') continue;
    const p = toks[j - 1]!;
    const q = toks[j - 2];
    if (
      p.pos === 'NOUN' ||
      p.word === 'one' ||
      /^(some|any|every|no)(thing|one|body)$/.test(p.word)
    )
      return true;
    if ((p.word === 'that' || p.word === 'which') && q && (q.pos === 'NOUN' || q.word === 'one'))
      return true;
  }
  return false;
}

/** Multi-word fillers and words that are fillers in one place and ends in another. */
function judgeFillerPhrase(toks: Token[], i: number): WordsVerdict | undefined {
  const w = toks[i]!.word;
  const p = toks[i - 1];
  const q = toks[i - 2];
  if (w === 'know' && p?.word === 'you') {
    // "I think you know", "you know what I mean": a clause; "It's, you know": a filler.
    return q && (q.pos === 'VERB' || isWh(q))
      ? verdict('finished', 'you know, as a clause')
      : verdict('never', 'you know, as a filler');
  }
  if (w === 'mean' && p?.word === 'i') {
    return toks.slice(0, i - 1).some(isWh)
      ? verdict('finished', 'what I mean')
      : verdict('never', 'I mean, as a filler');
  }
  if (w === 'like' && p && SUBJECT_PRONOUNS.has(p.word)) {
    return q && (q.pos === 'AUX' || q.word === "'d")
      ? verdict('unfinished', "I'd like")
      : verdict('finished', 'what you like');
  }
  if (w === 'like' && p?.pos !== 'VERB') return verdict('never', 'like, as a filler');
  if ((w === 'well' || w === 'so') && (!p || OPENERS.has(p.word)))
    return verdict('never', `${w}, opening a sentence`);
  if (w === 'really') {
    return !p || YES_NO.has(p.word) || NEGATIONS.has(p.word)
      ? verdict('finished', 'not really')
      : verdict('unfinished', 'really, before an adjective');
  }
  return undefined;
}

/** Words that end a clause in one place and lead into more in another: so, then, since... */
function judgeClauseAdverb(toks: Token[], i: number): WordsVerdict | undefined {
  const w = toks[i]!.word;
  const p = toks[i - 1];
  const after = (ok: boolean, rule: string) => verdict(ok ? 'finished' : 'unfinished', rule);
  switch (w) {
    case 'so': // "I think so", "I told you so", "is that so"; "it was raining so"
      return after(
        !!p &&
          (SO_VERBS.has(p.lemma) || p.word === 'that' || SO_VERBS.has(toks[i - 2]?.lemma ?? '')),
        'so',
      );
    case 'then': // "see you then"; "and then"
    case 'yet': // "not yet"; "and yet"
      return after(!!p && !CONJUNCTIONS.has(p.word) && p.word !== 'so', w);
    case 'though': // "it was worth it, though"; "even though"
    case 'either':
    case 'neither':
    case 'too':
      return after(!!p && !LEADS_IN.has(p.word), w);
    case 'since': // "ever since"; "nothing has changed since"
      return after(p?.word === 'ever' || p?.word === 'long', 'since');
    case 'before': // "I've seen it before", "talk after"; "and after"
    case 'after':
      return after(!!p && !CONJUNCTIONS.has(p.word) && p.pos !== 'AUX', w);
    case 'no': // "I said no"; "there's no"
      return after(!p || !(BE.has(p.word) || p.lemma === 'have' || p.pos === 'ADP'), 'no');
    case 'another':
      return verdict('unfinished', 'another');
    case 'his': // "that one is his"; "did you see his"
      return after(!!p && (p.pos === 'AUX' || BE.has(p.word)), 'his');
    default:
      return undefined;
  }
}

const isNounLike = (t: Token | undefined) =>
  t !== undefined &&
  (t.pos === 'NOUN' ||
    t.pos === 'PROPN' ||
    t.word === 'one' ||
    /^(some|any|every|no)(thing|one|body)$/.test(t.word));

/** "I'll take that", "I know that"; "the one that", "I think that", "so that". */
function judgeThat(toks: Token[], i: number): WordsVerdict {
  const p = toks[i - 1];
  if (!p) return verdict('unfinished', 'that, alone');
  if (isNounLike(p)) return verdict('unfinished', 'that, after a noun');
  if (THAT_CLAUSE.has(p.lemma)) return verdict('unfinished', 'that, after a verb of saying');
  return verdict('finished', 'that, as an object');
}

/** "I don't know when", "tell me why", "guess who"; "the man who", "call me when". */
function judgeWh(toks: Token[], i: number): WordsVerdict {
  if (toks[i]!.word === 'whose') return verdict('never', 'whose');
  let j = i - 1;
  const skip = (t: Token) =>
    !TAKES_QUESTION.has(t.lemma) && (OBJECT_PRONOUNS.has(t.word) || t.pos === 'ADV');
  while (j >= 0 && skip(toks[j]!)) j--;
  if (i === 0 || (j >= 0 && TAKES_QUESTION.has(toks[j]!.lemma)))
    return verdict('finished', 'a question word, as a question');
  if (toks[i - 1]?.word === 'so') return verdict('finished', 'so what');
  return verdict('unfinished', 'a question word, starting a clause');
}

/** An infinitive's "to" (after a verb that takes one), not a preposition: "who to talk to". */
const isInfinitiveTo = (toks: Token[], i: number) =>
  TAKES_INFINITIVE.has(toks[headBefore(toks, i)]?.lemma ?? '');

/** "I'd love to", "you don't have to"; "you need to", "we are going to". */
function judgeTo(toks: Token[], i: number): WordsVerdict {
  const v = toks[headBefore(toks, i)]!;
  if (TO_ELLIPSIS.has(v.lemma)) return verdict('finished', "I'd love to");
  const negated = toks.slice(Math.max(0, i - 4), i).some((t) => NEGATIONS.has(t.word));
  if (TO_IF_NEGATED.has(v.lemma) && negated) return verdict('finished', "you don't have to");
  return verdict('unfinished', 'to, before its verb');
}

/** "put it in", "which one are you thinking of"; "I left my keys in". */
function judgePreposition(toks: Token[], i: number): WordsVerdict {
  const w = toks[i]!.word;
  const p = toks[i - 1];
  const q = toks[i - 2];
  if (STRONG_PARTICLES.has(w) && p && !['DET', 'ADP', 'CCONJ'].includes(p.pos))
    return verdict('finished', 'a particle');
  const verbBefore = p?.pos === 'VERB' || (OBJECT_PRONOUNS.has(p?.word ?? '') && q?.pos === 'VERB');
  if (WEAK_PARTICLES.has(w) && verbBefore) return verdict('finished', 'a particle after its verb');
  if (hasGap(toks, i)) return verdict('finished', 'a stranded preposition');
  return verdict('unfinished', 'a preposition before its object');
}

/**
 * "Yes, I can", "I wish I could", "I know who it is", "here you are", "the way it is";
 * "The problem is", "We might", "What I really need is".
 */
function judgeAuxiliary(toks: Token[], i: number): WordsVerdict {
  const s = headBefore(toks, i);
  const subject = toks[s];
  if (!subject || !(SUBJECT_PRONOUNS.has(subject.word) || isNounLike(subject)))
    return verdict('unfinished', 'an auxiliary without its subject before it');
  if (s <= 3 && toks.slice(0, s).some((t) => YES_NO.has(t.word)))
    return verdict('finished', 'a short answer');
  if (s === 1 && (toks[0]!.word === 'here' || toks[0]!.word === 'there'))
    return verdict('finished', 'here you are');
  // A wh-word and nothing but the subject's words after it: "where the keys are".
  for (let k = s - 1; k >= 0; k--) {
    const t = toks[k]!;
    if (isWh(t)) return verdict('finished', 'an embedded question');
    if (!['DET', 'ADJ', 'NOUN', 'ADV', 'PRON', 'PROPN'].includes(t.pos) || s - k > 4) break;
  }
  const before = toks[s - 1];
  if (before && SUBJECT_PRONOUNS.has(subject.word) && isNounLike(before))
    return verdict('finished', 'a relative clause: the way it is');
  // "I'd help if I could"; not "If I could", a clause still waiting for its main one.
  if (before && s > 1 && ELLIPSIS_LICENSORS.has(before.lemma))
    return verdict('finished', 'an ellipsis');
  const negated = toks.slice(Math.max(0, s - 4), s).some((t) => NEGATIONS.has(t.word));
  if (before && negated && THAT_CLAUSE.has(before.lemma))
    return verdict('finished', "an ellipsis: I don't think we should");
  return verdict('unfinished', 'an auxiliary before its verb');
}

/** "at my mother's", "is John's"; "I borrowed my brother's". */
function judgePossessive(toks: Token[], i: number): WordsVerdict {
  let j = i - 1;
  while (j >= 0 && ['NOUN', 'PROPN', 'ADJ', 'DET'].includes(toks[j]!.pos)) j--;
  while (j >= 0 && toks[j]!.pos === 'PRON' && !SUBJECT_PRONOUNS.has(toks[j]!.word)) j--;
  const t = toks[j];
  return t && (t.pos === 'ADP' || t.pos === 'AUX' || BE.has(t.word))
    ? verdict('finished', "a possessive after 'is' or a preposition")
    : verdict('unfinished', 'a possessive before its noun');
}

/** "the number I wanted to call", "it's closed", "I'll wait"; "I wanted to buy". */
function judgeVerb(toks: Token[], i: number): WordsVerdict {
  const v = toks[i]!;
  const p = toks[headBefore(toks, i)];
  if (hasGap(toks, i)) return verdict('finished', 'a verb whose object came before');
  if (p && BE.has(p.word) && !v.word.endsWith('ing')) return verdict('finished', 'a passive');
  if (PARENTHETICAL.has(v.lemma) && p && SUBJECT_PRONOUNS.has(p.word))
    return i >= 3
      ? verdict('finished', 'a clause, I guess')
      : verdict('unfinished', 'I guess, before its clause');
  if (NO_OBJECT_VERBS.has(v.lemma)) return verdict('finished', 'a verb that needs no object');
  return verdict('unfinished', 'a verb waiting for its object');
}

/** A noun, an adjective, an adverb, a pronoun: an end, but for a subject pronoun. */
function judgeOtherWord(toks: Token[], i: number): WordsVerdict {
  const w = toks[i]!.word;
  if (
    SUBJECTS_ONLY.has(w) &&
    !LEADS_IN.has(toks[i - 1]?.word ?? '') &&
    toks[i - 1]?.word !== 'than'
  )
    return verdict('unfinished', 'a subject before its verb');
  const p = toks[i - 1];
  const standsAlone = p && ['VERB', 'ADP', 'AUX', 'PRON'].includes(p.pos) && p.word !== 'there';
  if (DEMONSTRATIVES.has(w) && !standsAlone)
    return verdict('unfinished', 'a determiner before its noun');
  return verdict('finished', `a word that ends sentences (${toks[i]!.pos})`);
}

/** How many numbers a run of number words says: "twenty five" is one, "four eight" two. */
function countNumbers(run: Token[]): number {
  let n = 0;
  run.forEach((t, k) => {
    const prev = run[k - 1]?.word ?? '';
    const joins =
      (TENS.has(prev) && DIGITS.has(t.word) && t.word !== 'zero' && t.word !== 'oh') ||
      MULTIPLIERS.has(t.word);
    if (!joins) n++;
  });
  return n;
}

/** "I'll take two", "four, eight and fifteen", "four seven one nine"; "seven one". */
function judgeNumber(toks: Token[], i: number): WordsVerdict {
  let j = i;
  while (j >= 0 && isNumberToken(toks[j]!)) j--;
  const run = toks.slice(j + 1, i + 1);
  const before = toks[j];
  if (run.length <= 1) return verdict('finished', 'a number');
  if (before && (before.word === 'and' || before.word === 'or'))
    return verdict('finished', 'a list closed by and');
  const isList = before?.pos === 'NOUN' && before.word.endsWith('s'); // "rooms two, three"
  const isDigitWord = (t: Token) => DIGITS.has(t.word) || /^\d$/.test(t.word);
  const digitString =
    !isList &&
    run.every((t) => isDigitWord(t) || /^\d+$/.test(t.word)) &&
    run.some((t) => isDigitWord(t) || t.word.startsWith('0'));
  if (digitString) {
    const digits = run.reduce((n, t) => n + (/^\d+$/.test(t.word) ? t.word.length : 1), 0);
    return DIGIT_STRING_LENGTHS.has(digits)
      ? verdict('finished', 'a digit string of a whole length')
      : verdict('unfinished', 'a digit string cut short');
  }
  return countNumbers(run) === 1
    ? verdict('finished', 'one number in words')
    : verdict('unfinished', 'a list of numbers without its last');
}
