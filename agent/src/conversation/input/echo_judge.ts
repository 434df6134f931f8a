/**
 * Whether an utterance of a person's is the agent's own voice coming back through their
 * microphone. It is judged before anything else sees its words or its duration (barge-in, the
 * turn detector, a draft): echo taken for speech stopped the agent mid-reply ("interim words",
 * "final words", "speech lasted 1000 ms") and, once it finished, got answered as a turn.
 *
 * Rules, in order:
 * 1. Level: hardly any of it was louder than the agent's echo could be (echo_evidence.ts): echo.
 * 2. Level proof: enough of it was louder than a measured echo path could be: a person (even
 *    one who repeats the agent's words).
 * 3. Words: every word of it was said by the agent while it was being spoken (from
 *    ECHO_LEAD_MS before its start, for the echo's delay and the pre-roll; a reply's next chunk
 *    counts from when the reply starts playing, its audio already exists): echo until proven
 *    otherwise. A word the agent did not say ("wait") makes it a person's.
 * 4. Earlier words: in a microphone with a measured echo path, spoken while the agent was
 *    talking, and every word said by the agent in the last RECENT_WORDS_MS: echo. A recogniser
 *    fed a fragment of echo answers with words it has heard before, not only those in the
 *    fragment (the bench's echo scenario: "floor", "rocks", "it is" from earlier replies
 *    stopped 7 of 50 answers).
 * 5. Otherwise: a person.
 * Without evidence (no echo canceller: AGENT_ECHO=off) only rule 5 applies.
 */
import type { EchoVerdict, UtteranceSpan } from './echo_evidence.js';

/**
 * How long before an utterance's start (VAD's) the agent's words may still be in it: its
 * 300 ms pre-roll, VAD's confirmation, and the echo's delay (the bench's reaches 300 ms; the
 * SFU and a jitter buffer add more).
 */
export const ECHO_LEAD_MS = 1_000;

/**
 * How far back the agent's words count for rule 4: its last few replies. Longer makes a
 * person's short reply made of the agent's words (a choice it offered) more often echo, in a
 * microphone with echo while the agent talks.
 */
export const RECENT_WORDS_MS = 15_000;

export type EchoJudgement =
  { echo: false } | { echo: true; by: 'level' | 'agent words' | 'earlier agent words' };

/** The agent's recent words (output/spoken_words.ts). */
export interface AgentWords {
  /** Whether it said every word of `text` in [fromAt, toAt]. */
  saidBetween(text: string, fromAt: number, toAt: number): boolean;
  /** Whether it was saying anything in [fromAt, toAt]. */
  spokeBetween(fromAt: number, toAt: number): boolean;
}

/** Judges `text` (may be '': a duration alone) of an utterance with `verdict`, heard at `now`. */
export function judgeEcho(
  text: string,
  verdict: EchoVerdict,
  agent: AgentWords | undefined,
  now: number,
): EchoJudgement {
  if (!verdict.beyondEcho) return { echo: true, by: 'level' };
  if (verdict.provenPerson !== false || !verdict.span || !agent) return { echo: false };
  const { fromAt, toAt = now } = verdict.span;
  const heardFrom = fromAt - ECHO_LEAD_MS;
  if (agent.saidBetween(text, heardFrom, toAt)) return { echo: true, by: 'agent words' };
  const earlier =
    verdict.echoPath === true &&
    agent.spokeBetween(heardFrom, toAt) &&
    agent.saidBetween(text, toAt - RECENT_WORDS_MS, toAt);
  return earlier ? { echo: true, by: 'earlier agent words' } : { echo: false };
}

/** Whether the duration of an utterance so far may stop the agent: only once a person is proven. */
export function durationMayStop(verdict: EchoVerdict): boolean {
  return verdict.beyondEcho && verdict.provenPerson !== false;
}

export type { UtteranceSpan };
