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
 *    ECHO_LEAD_MS before its start, for the echo's delay and the pre-roll): echo until proven
 *    otherwise. A word the agent did not say ("wait") makes it a person's.
 * 4. Otherwise: a person.
 * Without evidence (no echo canceller: AGENT_ECHO=off) only rule 4 applies.
 */
import type { EchoVerdict, UtteranceSpan } from './echo_evidence.js';

/**
 * How long before an utterance's start (VAD's) the agent's words may still be in it: its
 * 300 ms pre-roll, VAD's confirmation, and the echo's delay (the bench's reaches 300 ms; the
 * SFU and a jitter buffer add more).
 */
export const ECHO_LEAD_MS = 1_000;

export type EchoJudgement = { echo: false } | { echo: true; by: 'level' | 'agent words' };

/** The agent's recent words (output/spoken_words.ts): whether it said every word of `text` in [fromAt, toAt]. */
export type SaidByAgent = (text: string, fromAt: number, toAt: number) => boolean;

/** Judges `text` (may be '': a duration alone) of an utterance with `verdict`, heard at `now`. */
export function judgeEcho(
  text: string,
  verdict: EchoVerdict,
  saidByAgent: SaidByAgent | undefined,
  now: number,
): EchoJudgement {
  if (!verdict.beyondEcho) return { echo: true, by: 'level' };
  if (verdict.provenPerson !== false || !verdict.span || !saidByAgent) return { echo: false };
  const { fromAt, toAt = now } = verdict.span;
  return saidByAgent(text, fromAt - ECHO_LEAD_MS, toAt)
    ? { echo: true, by: 'agent words' }
    : { echo: false };
}

/** Whether the duration of an utterance so far may stop the agent: only once a person is proven. */
export function durationMayStop(verdict: EchoVerdict): boolean {
  return verdict.beyondEcho && verdict.provenPerson !== false;
}

export type { UtteranceSpan };
