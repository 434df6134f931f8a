/**
 * The agent's per-turn latency report (`voice_agent.metrics`): parsing, the line, the test hooks,
 * and the session's figures per stage (last turn, p50, p95) for the latency panel.
 */
import type { TurnMetrics } from '@voice-agent/common/conventions';

const DURATIONS = [
  'endOfUtteranceMs',
  'sttFinalMs',
  'llmTtftMs',
  'ttsTtfbMs',
  'endToEndMs',
] as const satisfies readonly (keyof TurnMetrics)[];

/** Parses one metrics stream; anything not shaped like {@link TurnMetrics} gives `undefined`. */
export function parseTurnMetrics(raw: string): TurnMetrics | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  if (typeof o.turnId !== 'string' || typeof o.speaker !== 'string') return undefined;
  const metrics: TurnMetrics = {
    turnId: o.turnId,
    speaker: o.speaker,
    endOfUtteranceMs: 0,
    sttFinalMs: 0,
    llmTtftMs: 0,
    ttsTtfbMs: 0,
    endToEndMs: 0,
  };
  for (const field of DURATIONS) {
    const v = o[field];
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    metrics[field] = v;
  }
  return metrics;
}

function ms(v: number): string {
  return `${Math.round(v)} ms`;
}

/** "end-of-utterance X ms · STT Y ms · LLM first token Z ms · TTS first byte W ms · end-to-end E ms" */
export function formatTurnMetrics(m: TurnMetrics): string {
  return [
    `end-of-utterance ${ms(m.endOfUtteranceMs)}`,
    `STT ${ms(m.sttFinalMs)}`,
    `LLM first token ${ms(m.llmTtftMs)}`,
    `TTS first byte ${ms(m.ttsTtfbMs)}`,
    `end-to-end ${ms(m.endToEndMs)}`,
  ].join(' · ');
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export type DataAttributes = Record<`data-${string}`, string>;

/**
 * One data attribute per field, kebab-case (`data-turn-id`, `data-end-of-utterance-ms`, …), whole
 * milliseconds; plus `data-e2e-ms`, the same value as `data-end-to-end-ms`.
 */
export function turnMetricsAttributes(m: TurnMetrics): DataAttributes {
  const attributes: DataAttributes = {
    'data-turn-id': m.turnId,
    'data-speaker': m.speaker,
  };
  for (const field of DURATIONS) attributes[`data-${kebab(field)}`] = String(Math.round(m[field]));
  attributes['data-e2e-ms'] = String(Math.round(m.endToEndMs));
  return attributes;
}

/** Turns kept for the session's percentiles; older ones are dropped. */
export const MAX_TURNS_KEPT = 200;

/** The stages of the panel, in pipeline order, with the label people read. */
export const STAGES = [
  { field: 'endOfUtteranceMs', label: 'End of utterance' },
  { field: 'sttFinalMs', label: 'STT final' },
  { field: 'llmTtftMs', label: 'LLM first token' },
  { field: 'ttsTtfbMs', label: 'TTS first audio' },
  { field: 'endToEndMs', label: 'End to end' },
] as const satisfies readonly { field: (typeof DURATIONS)[number]; label: string }[];

export type StageField = (typeof STAGES)[number]['field'];

/** Nearest-rank percentile of ascending `sorted` (p in 0..100); undefined when empty. */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Stages a typed message does not go through. */
const SPOKEN_ONLY: ReadonlySet<StageField> = new Set(['endOfUtteranceMs', 'sttFinalMs']);

/**
 * A typed message's turn: the agent reports 0 for both its end of utterance and its STT (a
 * spoken turn always waits some end-of-utterance hold), or no speaker at all.
 */
export function isTypedTurn(turn: TurnMetrics): boolean {
  return turn.speaker === '' || (turn.endOfUtteranceMs === 0 && turn.sttFinalMs === 0);
}

/** The stage has a value for the turn: not a stage typed input skips, not unknown (-1). */
function applies(turn: TurnMetrics, field: StageField): boolean {
  return turn[field] >= 0 && !(SPOKEN_ONLY.has(field) && isTypedTurn(turn));
}

export interface StageSummary {
  field: StageField;
  label: string;
  /** The latest turn's value; undefined when the stage does not apply to it (typed input) or the
   * agent could not time it (-1). */
  lastMs: number | undefined;
  /** Over the session's turns the stage applies to; undefined when there are none. */
  p50Ms: number | undefined;
  p95Ms: number | undefined;
}

/**
 * One summary per stage over `turns` (oldest first); empty when there are none. End of utterance
 * and STT count only spoken turns: a typed message has neither (the agent reports 0); a stage
 * the agent could not time (-1) is left out.
 */
export function summarizeTurns(turns: readonly TurnMetrics[]): StageSummary[] {
  const last = turns.at(-1);
  if (!last) return [];
  return STAGES.map(({ field, label }) => {
    const sorted = turns
      .filter((t) => applies(t, field))
      .map((t) => t[field])
      .sort((a, b) => a - b);
    return {
      field,
      label,
      lastMs: applies(last, field) ? last[field] : undefined,
      p50Ms: percentile(sorted, 50),
      p95Ms: percentile(sorted, 95),
    };
  });
}

/** Appends a turn to the session, keeping the newest {@link MAX_TURNS_KEPT}. */
export function addTurn(turns: readonly TurnMetrics[], turn: TurnMetrics): TurnMetrics[] {
  return [...turns, turn].slice(-MAX_TURNS_KEPT);
}
