/**
 * What the simulated people say in the turn-taking bench and what the fixture's LLM answers.
 * Every phrase spoken is registered with the fixture (its recogniser only knows these).
 */
import {
  GROUP_SCRIPT,
  GROUP_SCRIPT_GAP_MS,
  type ChatMessage,
  type GroupScriptLine,
} from '@voice-agent/fixtures';
import { BENCH_ANSWERS, normalise, STORY, STORY_QUESTION } from '@voice-agent/e2e/script';
import { containsPhrase } from './measure.js';

export { BENCH_ANSWERS, STORY, STORY_QUESTION };

/**
 * The questions spoken, and registered, as a real STT writes them: "What time does the museum
 * open?" (the fixture returns a phrase as registered, and OpenAI's and Deepgram's models
 * punctuate). Unpunctuated, every question waited out the agent's longer hold for words without
 * punctuation. The fixture's LLM finds the answer whatever the punctuation (normalise).
 */
export const BENCH_QUESTIONS: readonly string[] = Object.keys(BENCH_ANSWERS).map(
  (q) => `${q[0]!.toUpperCase()}${q.slice(1)}?`,
);

/**
 * Sentences said in two parts with a pause between: the first part ends where a sentence cannot
 * (a preposition, an article, a conjunction, a filler), the rest completes it. Both the whole
 * sentence and the rest are registered: the rest alone is not a leading part of anything.
 */
export const PAUSE_SENTENCES: readonly { first: string; rest: string; answer: string }[] = [
  {
    first: 'I would like to book a table for',
    rest: 'four people tonight at eight.',
    answer: 'Done, a table for four at eight.',
  },
  {
    first: 'Can you tell me the way to the',
    rest: 'nearest train station please?',
    answer: 'Walk straight on for two blocks.',
  },
  { first: 'I need a taxi and', rest: 'a hotel room for tonight.', answer: 'I found both.' },
  {
    first: 'My flight leaves at um',
    rest: 'half past seven tomorrow morning.',
    answer: 'Then leave home by five.',
  },
  {
    first: 'Please remind me to call my sister because',
    rest: 'her birthday is today.',
    answer: 'I will remind you at noon.',
  },
  {
    first: 'I am looking for a',
    rest: 'good restaurant near the harbor.',
    answer: 'Try the fish place on the pier.',
  },
  {
    first: 'Tell me about the weather in',
    rest: 'Paris for the next three days.',
    answer: 'Mild, with some rain on Friday.',
  },
  {
    first: 'Could you add milk and eggs to the',
    rest: 'shopping list for this weekend.',
    answer: 'Added to your list.',
  },
];
export const wholeSentence = (s: { first: string; rest: string }): string => `${s.first} ${s.rest}`;

/** The fixture's answer to a first part alone: hearing it means the agent cut the person off. */
export const HALF_REPLY = 'Go on, I am listening.';
/** The fixture's answer to a continuation alone (the two parts answered as two turns). */
export const REST_REPLY = 'Noted.';

export const BACKCHANNELS = ['mm-hmm', 'yeah', 'right', 'uh-huh', 'okay'] as const;
/** The fixture's answer to a backchannel taken for a turn. */
export const BACKCHANNEL_REPLY = 'Yes?';
export const STOP_WORDS = ['wait', 'stop'] as const;
/**
 * The fixture's answer to "wait" and "stop". Replies start with words no registered phrase
 * starts with, so their echo is not recognised as the start of something a person says.
 */
export const STOP_REPLY = 'Of course.';
/** The fixture's answer to anything it does not know. */
export const UNKNOWN_REPLY = 'Sorry, say that again?';
/** What the agent answers in the group: short, so the script moves on. */
export const GROUP_FALLBACK_REPLY = 'Sure.';

export interface GroupScript {
  turns: readonly GroupScriptLine[];
  /** Silence before a turn that sets no gapMs. */
  defaultGapMs: number;
  /** Where the script comes from. */
  source: string;
}

/** The scripted three-way conversation the agent's unit tests also decide (group_script.ts). */
export function loadGroupScript(): GroupScript {
  return {
    turns: GROUP_SCRIPT,
    defaultGapMs: GROUP_SCRIPT_GAP_MS,
    source: 'fixtures/src/group_script.ts',
  };
}

/**
 * Every phrase the 1:1 scenarios speak. The group's phrases go to a fixture of their own: the
 * fewer phrases, the less a stray sound (an echo) can pass for the start of one.
 */
export function oneToOnePhrases(): string[] {
  return [
    ...new Set([
      ...BENCH_QUESTIONS,
      STORY_QUESTION,
      ...STOP_WORDS,
      ...BACKCHANNELS,
      ...PAUSE_SENTENCES.flatMap((s) => [wholeSentence(s), s.rest]),
    ]),
  ];
}

/**
 * What the 1:1 scenarios say that is only the start of a registered phrase (each pause
 * sentence's first half), for reference utterances too: matched like the rest rather than left
 * to the decoder, which made "My flight leaves at um" nothing.
 */
export const oneToOneParts = (): string[] => [...new Set(PAUSE_SENTENCES.map((s) => s.first))];

export const groupPhrases = (group: GroupScript): string[] => [
  ...new Set(group.turns.map((t) => t.text)),
];

const stripSpeaker = (text: string) => text.replace(/^[^:]+:\s*/, '');

/** The fixture's LLM: a scripted answer to the last user message (`Name: text`). */
export function turnTakingReply(group: GroupScript): (messages: ChatMessage[]) => string {
  const answers = new Map<string, string>();
  const add = (text: string, answer: string) => answers.set(normalise(text), answer);
  for (const [q, a] of Object.entries(BENCH_ANSWERS)) add(q, a);
  add(STORY_QUESTION, STORY);
  for (const w of STOP_WORDS) add(w, STOP_REPLY);
  for (const b of BACKCHANNELS) add(b, BACKCHANNEL_REPLY);
  for (const s of PAUSE_SENTENCES) {
    add(wholeSentence(s), s.answer);
    add(s.rest, REST_REPLY);
  }
  for (const t of group.turns) add(t.text, GROUP_FALLBACK_REPLY);
  return (messages) => {
    const last = stripSpeaker(messages.filter((m) => m.role === 'user').at(-1)?.content ?? '');
    const exact = answers.get(normalise(last));
    if (exact !== undefined) return exact;
    // Two parts merged into one message with something around them, or a first part alone.
    const merged = PAUSE_SENTENCES.find((s) => containsPhrase(last, wholeSentence(s)));
    if (merged) return merged.answer;
    const part = normalise(last);
    if (part && PAUSE_SENTENCES.some((s) => normalise(wholeSentence(s)).startsWith(part)))
      return HALF_REPLY;
    return UNKNOWN_REPLY;
  };
}
