/** What every turn-taking scenario gets, and what it returns. */
import type { OpenAiFixture } from '@voice-agent/fixtures';
import type { SimParticipant } from '@voice-agent/e2e/participants';

export interface ScenarioContext {
  fixture: OpenAiFixture;
  /** Reproducible randomness for this scenario (its own seed, so subsets draw the same values). */
  rand: () => number;
  /** A room name no earlier round used. */
  room(tag: string): string;
  /** One line of progress, to stderr. */
  progress(line: string): void;
}

/** One line of the results table. */
export interface Row {
  metric: string;
  value: string;
  /** Sample size the value is computed over. */
  n: number;
  /** The goal, as text; '' when the figure has none. */
  target: string;
  /** undefined: no target, or nothing measured. */
  met: boolean | undefined;
}

export interface ScenarioResult {
  scenario: string;
  rows: Row[];
  /** Everything else worth keeping, printed as one JSON line. */
  json: Record<string, unknown>;
  /** Set when the scenario could not produce a figure (no reply at all). */
  broken?: string;
}

/** The agent's own transcripts (what it said, as played) that arrived at `sim` since `from`. */
export function agentSaid(sim: SimParticipant, from: number): string[] {
  const agent = sim.agent()?.identity;
  return sim.transcripts
    .filter((t) => t.from === agent && !t.speaker && t.receivedAt >= from)
    .map((t) => t.text);
}

export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message.split('\n')[0]! : String(err);
