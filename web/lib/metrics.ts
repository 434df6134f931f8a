/** The agent's per-turn latency report (`voice_agent.metrics`): parsing, the line, the test hooks. */
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
