import type { TurnMetrics } from '@voice-agent/common';
import { counter, histogram } from './registry.js';

/** Milliseconds, from a fast local turn (~300 ms) to a very slow one. */
const TURN_BUCKETS_MS = [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000, 3000, 5000];

const turnLatency = histogram({
  name: 'voice_agent_turn_latency_ms',
  help:
    'Per-turn latency breakdown in ms: end_of_utterance (speech end -> turn over), stt_final, ' +
    'llm_ttft, tts_ttfb, end_to_end (speech end -> first reply audio handed to the track).',
  labelNames: ['stage'],
  buckets: TURN_BUCKETS_MS,
});

const interruptions = counter({
  name: 'voice_agent_interruptions_total',
  help: 'Replies or greetings stopped early, by cause (speech, rpc, typed message).',
  labelNames: ['reason'],
});

const preparedReplies = counter({
  name: 'voice_agent_prepared_replies_dropped_total',
  help: 'Replies prepared during the endpointing hold and dropped because the person went on.',
});

const sttDrafts = counter({
  name: 'voice_agent_stt_drafts_total',
  help:
    'Utterances sent to STT as a draft at a short silence, by outcome: confirmed (the speech ' +
    'ended there: its final came with no wait) or dropped (the person went on: transcribed again).',
  labelNames: ['outcome'],
});

const bargeIns = counter({
  name: 'voice_agent_barge_in_total',
  help:
    'Speech over a reply, by verdict: interruption (stopped it), backchannel or noise (it ' +
    'paused and played on).',
  labelNames: ['verdict'],
});

const STAGES = {
  end_of_utterance: 'endOfUtteranceMs',
  stt_final: 'sttFinalMs',
  llm_ttft: 'llmTtftMs',
  tts_ttfb: 'ttsTtfbMs',
  end_to_end: 'endToEndMs',
} as const satisfies Record<string, keyof TurnMetrics>;

const overBudget = counter({
  name: 'voice_agent_turns_over_budget_total',
  help:
    'Answered turns over a stage budget (AGENT_BUDGET_*): stt_final, llm_ttft, tts_ttfb, ' +
    'end_to_end (voice to voice).',
  labelNames: ['stage'],
});

const bargeInPause = histogram({
  name: 'voice_agent_barge_in_pause_ms',
  help: 'Speech onset over the agent -> its reply paused, in ms (the barge-in stop, as the agent sees it).',
  buckets: [20, 40, 60, 80, 100, 150, 200, 300, 400, 600, 1000],
});

const fillers = counter({
  name: 'voice_agent_fillers_total',
  help: 'Fillers said because a reply was late (AGENT_FILLER_AFTER_MS).',
});

/** The stages only a spoken turn has. */
const SPEECH_STAGES: ReadonlySet<keyof typeof STAGES> = new Set(['end_of_utterance', 'stt_final']);

/** A stage's budget in ms, by the histogram's stage names. */
export type StageBudgets = Partial<Record<keyof typeof STAGES, number>>;

export const turnMetrics = {
  /**
   * Records one answered turn; stages that did not happen (negative values) are skipped, and so
   * are the speech stages (end of utterance, STT final) of a typed turn, which has none (its
   * TurnMetrics carry 0 for them). A stage over its budget is counted.
   */
  turn(m: TurnMetrics, budgets: StageBudgets = {}, opts: { typed?: boolean } = {}): void {
    for (const [stage, field] of Object.entries(STAGES) as [
      keyof typeof STAGES,
      keyof TurnMetrics,
    ][]) {
      if (opts.typed && SPEECH_STAGES.has(stage)) continue;
      const value = m[field];
      if (typeof value !== 'number' || value < 0) continue;
      turnLatency.observe({ stage }, value);
      const budget = budgets[stage];
      if (budget !== undefined && value > budget) overBudget.inc({ stage });
    }
  },
  filler(): void {
    fillers.inc();
  },
  bargeInPaused(onsetToPauseMs: number): void {
    bargeInPause.observe(onsetToPauseMs);
  },
  interrupted(reason: string): void {
    interruptions.inc({ reason });
  },
  preparedReplyDropped(): void {
    preparedReplies.inc();
  },
  sttDraft(outcome: 'confirmed' | 'dropped'): void {
    sttDrafts.inc({ outcome });
  },
  bargeIn(verdict: string): void {
    bargeIns.inc({ verdict });
  },
};
