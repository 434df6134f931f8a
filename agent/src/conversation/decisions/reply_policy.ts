/**
 * Whether the agent answers a finished human turn. With one human it answers everything; with
 * several it answers only turns meant for it, and stays quiet while the humans talk to each other.
 * Pure: no I/O and no timers; the caller passes the time.
 */

import { wordsOf } from '../../util/words.js';

export type ReplyPolicy = 'always' | 'addressed';
export type ReplyPolicySetting = ReplyPolicy | 'auto';

/** `auto`: `always` with at most one human in the room, `addressed` with two or more. */
export function effectivePolicy(setting: ReplyPolicySetting, humansInRoom: number): ReplyPolicy {
  if (setting !== 'auto') return setting;
  return humansInRoom >= 2 ? 'addressed' : 'always';
}

/** How long after the agent's reply the person it answered may go on without naming it. */
export const FOLLOW_UP_WINDOW_MS = 20_000;

export type ReplyReason =
  | 'policy-always'
  | 'named'
  | 'other-human-named'
  | 'group-addressed'
  | 'follow-up'
  | 'mentioned'
  | 'not-addressed';

export interface ReplyDecision {
  reply: boolean;
  reason: ReplyReason;
}

/** A finished human turn: who said it (identity), the transcript, and when it ended (ms). */
export interface HumanTurn {
  speaker: string;
  text: string;
  at: number;
}

export interface Human {
  identity: string;
  name: string;
}

/**
 * One room's memory of who talked to whom. For each turn, under `addressed`, the first rule that
 * applies decides (see `mentions()` for what counts as a vocative, i.e. a name used to address):
 *
 * 1. `named` (reply): the agent's name or an alias is a vocative at the start of a sentence
 *    ("Sam, ...", "hey sam what ..."), or a clause of its own ("..., Sam, ..."), in a list with
 *    other names or not ("Ben and Sam, ...").
 * 2. `other-human-named` (quiet): another human's name is a vocative at the start, in a clause of
 *    its own, or at the end of a sentence ("Ben, did you book it?", "did you book it ben").
 *    This beats rule 3, so "Ben, did you ask Sam?" is for Ben.
 * 3. `named` (reply): the agent's name ends a sentence ("what do you think sam"). STT often drops
 *    the comma, so this cannot be told apart from an object ("let's ask Sam"), which is usually
 *    an invitation to speak anyway.
 * 4. `group-addressed` (quiet): the turn is for the whole room: "everyone", "everybody", "guys",
 *    "folks" or "team" as a vocative, or "you guys", "you all", "y'all", "you two", "both of you",
 *    "all of you" anywhere. The humans answer first; the agent speaks when named.
 * 5. `follow-up` (reply): the agent's last reply went to this speaker, the turn ended at most
 *    FOLLOW_UP_WINDOW_MS after that reply, and since the reply only people it went to have spoken
 *    (and no turn matched rules 2 or 4, which end the exchange).
 * 6. `mentioned` (quiet): the agent's name only inside a sentence ("I asked Sam yesterday"): the
 *    humans are talking about the agent, not to it.
 * 7. `not-addressed` (quiet): anything else, including the first unnamed turn after a human to
 *    human exchange. A possessive or contraction ("Sam's idea") is not the name at all.
 *
 * Under `always` every turn is answered (`policy-always`); the tracker still follows who spoke, so
 * an exchange begun with one human goes on as follow-ups when a second human joins.
 */
export class AddressTracker {
  readonly #agentForms: readonly Form[];
  #thread: { to: ReadonlySet<string>; at: number } | undefined;

  /** `agentName` is the spoken name ("Sam"); `aliases` are other names or usual mishearings. */
  constructor(opts: { agentName: string; aliases?: readonly string[] }) {
    this.#agentForms = [opts.agentName, ...(opts.aliases ?? [])].flatMap((n) =>
      formsOf(n, 'agent'),
    );
    if (this.#agentForms.length === 0) {
      throw new RangeError('AddressTracker: the agent name has no letters');
    }
  }

  /** The decision decide() would make, without recording the turn (for a turn not over yet). */
  preview(turn: HumanTurn, policy: ReplyPolicy, humans: readonly Human[]): ReplyDecision {
    return policy === 'always'
      ? { reply: true, reason: 'policy-always' }
      : this.#addressed(turn, humans);
  }

  /** A human finished a turn; `humans` are the humans in the room (the speaker may be among them). */
  decide(turn: HumanTurn, policy: ReplyPolicy, humans: readonly Human[]): ReplyDecision {
    const decision = this.preview(turn, policy, humans);
    const thread = this.#thread;
    const continues =
      thread !== undefined &&
      thread.to.has(turn.speaker) &&
      turn.at - thread.at <= FOLLOW_UP_WINDOW_MS &&
      decision.reason !== 'other-human-named' &&
      decision.reason !== 'group-addressed';
    if (!continues) this.#thread = undefined;
    return decision;
  }

  /** The agent answered (or spoke to) these identities; `at` is when it finished speaking (ms). */
  agentReplied(to: readonly string[], at: number): void {
    this.#thread = { to: new Set(to), at };
  }

  #addressed(turn: HumanTurn, humans: readonly Human[]): ReplyDecision {
    const others = humans.filter((h) => h.identity !== turn.speaker);
    const forms = [...this.#agentForms, ...others.flatMap((h) => formsOf(h.name, 'human'))];
    const found = mentions(turn.text, [...forms, ...GROUP_FORMS]);
    const has = (kind: Kind, ...at: Position[]) =>
      found.some((m) => m.kind === kind && at.includes(m.position));
    const thread = this.#thread;

    if (has('agent', 'alone', 'start')) return { reply: true, reason: 'named' };
    if (has('human', 'alone', 'start', 'end')) return { reply: false, reason: 'other-human-named' };
    if (has('agent', 'end')) return { reply: true, reason: 'named' };
    const keys = words(turn.text).map(key);
    if (has('group', 'alone', 'start', 'end') || keys.some((_, i) => phraseAt(keys, i, YOU_ALL))) {
      return { reply: false, reason: 'group-addressed' };
    }
    if (
      thread !== undefined &&
      thread.to.has(turn.speaker) &&
      turn.at - thread.at <= FOLLOW_UP_WINDOW_MS
    ) {
      return { reply: true, reason: 'follow-up' };
    }
    if (has('agent', 'mid')) return { reply: false, reason: 'mentioned' };
    return { reply: false, reason: 'not-addressed' };
  }
}

// --- reading a transcript --------------------------------------------------------------------

type Kind = 'agent' | 'human' | 'group';
/** Where a list of names sits in its clause: all of it, its start, its end, or inside. */
type Position = 'alone' | 'start' | 'end' | 'mid';
/** One way to say a name, as keys (see `key()`). */
interface Form {
  kind: Kind;
  words: readonly string[];
}

/** Words that may come before a vocative ("hey Sam", "okay so Ben") or after it ("Ben please"). */
// prettier-ignore
const OPENERS = [
  'hey', 'hi', 'hello', 'ok', 'okay', 'so', 'and', 'but', 'well', 'oh', 'um', 'uh', 'hmm', 'now',
  'right', 'alright', 'all right', 'yes', 'yeah', 'no', 'please', 'sorry', 'thanks', 'thank you',
  'excuse me',
].map((o) => o.split(' '));
const CLOSERS = [['please'], ['thanks'], ['thank', 'you']];
/** Words that join names into one list ("Ben and Sam"). */
const JOINERS = new Set(['and', 'or']);
/** Vocatives for the whole room. */
const GROUP_FORMS: readonly Form[] = ['everyone', 'everybody', 'guys', 'folks', 'team'].map(
  (w) => ({ kind: 'group', words: [w] }),
);
/** Plural "you": the whole room, wherever it is (searched in all the words, openers too). */
const YOU_ALL = ['you guys', 'you all', "y'all", 'you two', 'both of you', 'all of you'].map((p) =>
  words(p).map(key),
);

/** A name's forms: all its words ("ana silva") and its first word ("ana"). */
function formsOf(name: string, kind: Kind): Form[] {
  const full = words(name).map(key);
  const variants = full.length > 1 ? [full, full.slice(0, 1)] : full.length === 1 ? [full] : [];
  return variants.map((w) => ({ kind, words: w }));
}

/**
 * Compatibility forms made plain ("…" is "...") and accents dropped, so that "José" is "jose"
 * however STT spells the accents.
 */
function withoutAccents(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '');
}

/** The words of a text without accents, as util/words.ts reads them: "sam's" stays one word. */
function words(text: string): string[] {
  return wordsOf(withoutAccents(text));
}

/**
 * How a word is compared with names: doubled consonants count once when at least three letters
 * remain, so STT's "Anna" is Ana and "Benn" is Ben, while "all" stays apart from "Al".
 */
function key(word: string): string {
  const single = word.replace(/([^aeiouy'])\1+/g, '$1');
  return single.length >= 3 ? single : word;
}

/** How many words of `phrases` start at `i` (the longest match), or 0. */
function phraseAt(ws: readonly string[], i: number, phrases: readonly (readonly string[])[]) {
  let best = 0;
  for (const p of phrases) {
    if (p.length > best && p.every((w, k) => ws[i + k] === w)) best = p.length;
  }
  return best;
}

/**
 * Every name in the text, with its position. Sentences end at `.?!`; clauses at `,;:` and dashes;
 * openers and closers at a clause's edges are set aside. Names next to each other or joined by
 * "and"/"or" form one list, and all of a list shares one position: `alone` if it is the whole
 * clause, `start` if it starts the sentence's first clause, `end` if it ends its last clause, else
 * `mid`. Without any punctuation a turn is one sentence of one clause.
 */
function mentions(text: string, forms: readonly Form[]): { kind: Kind; position: Position }[] {
  const byLength = [...forms].sort((a, b) => b.words.length - a.words.length); // stable: agent first
  const out: { kind: Kind; position: Position }[] = [];
  for (const sentence of withoutAccents(text).split(/[.?!]+/)) {
    const clauses = sentence
      .split(/[,;:\u2013\u2014()"]|\s-+\s/)
      .map((c) => trimmed(words(c)))
      .filter((c) => c.from < c.to);
    clauses.forEach(({ ws, from, to }, j) => {
      const keys = ws.map(key);
      let list: { kinds: Kind[]; start: number; end: number } | undefined;
      const close = () => {
        if (!list) return;
        const position: Position =
          list.start === from && list.end === to
            ? 'alone'
            : list.start === from && j === 0
              ? 'start'
              : list.end === to && j === clauses.length - 1
                ? 'end'
                : 'mid';
        for (const kind of list.kinds) out.push({ kind, position });
        list = undefined;
      };
      for (let i = from; i < to;) {
        const f = byLength.find((f) => f.words.every((w, k) => i + k < to && keys[i + k] === w));
        if (!f) {
          if (!(list && list.end === i && JOINERS.has(ws[i] ?? ''))) close();
          i++;
          continue;
        }
        const joined = list !== undefined && (list.end === i || list.end === i - 1);
        if (!joined) close();
        list ??= { kinds: [], start: i, end: i };
        list.kinds.push(f.kind);
        i += f.words.length;
        list.end = i;
      }
      close();
    });
  }
  return out;
}

/** A clause's words, and the range left once openers and closers at its edges are set aside. */
function trimmed(ws: string[]): { ws: string[]; from: number; to: number } {
  let from = 0;
  for (let n = phraseAt(ws, 0, OPENERS); n > 0; n = phraseAt(ws, from, OPENERS)) from += n;
  let to = ws.length;
  for (;;) {
    const c = CLOSERS.find((c) => to - c.length >= from && phraseAt(ws, to - c.length, [c]));
    if (!c) break;
    to -= c.length;
  }
  return { ws, from, to };
}
