'use client';

import type { TurnMetrics } from '@voice-agent/common/conventions';
import { type AgentView, agentStateText, lacksLanguageModel } from '../lib/agent';
import { formatTurnMetrics, turnMetricsAttributes } from '../lib/metrics';

const INTERRUPT_RESULT_TEXT: Readonly<Record<string, string>> = {
  ok: 'The agent stopped its reply.',
  idle: 'The agent was not replying.',
};

/** The agent's state (prominent), its last turn's latency, and the Interrupt button. */
export function AgentPanel({
  agent,
  metrics,
  connected,
  interrupting,
  interruptResult,
  interruptError,
  onInterrupt,
}: {
  agent: AgentView | undefined;
  metrics: TurnMetrics | undefined;
  connected: boolean;
  interrupting: boolean;
  interruptResult: string | undefined;
  interruptError: string | undefined;
  onInterrupt: () => void;
}) {
  const state = agent?.state ?? '';
  return (
    <section className="agent-panel" aria-label="Agent">
      <div className="agent-line">
        <p
          className={`agent-state agent-state-${state || 'none'}`}
          data-testid="agent-state"
          data-state={state}
          data-agent-present={String(agent !== undefined)}
          role="status"
        >
          <span className="agent-state-dot" aria-hidden="true" />
          {agentStateText(agent)}
        </p>
        <button
          type="button"
          className="interrupt"
          data-testid="interrupt-button"
          disabled={!connected || agent === undefined || interrupting}
          onClick={onInterrupt}
        >
          {interrupting ? 'Interrupting…' : 'Interrupt'}
        </button>
      </div>

      {lacksLanguageModel(agent) && (
        <p className="notice" data-testid="no-model">
          No language model is configured: the agent can only greet you.
        </p>
      )}

      {metrics && (
        <p className="turn-metrics" data-testid="turn-metrics" {...turnMetricsAttributes(metrics)}>
          <span className="muted">Last turn: </span>
          {formatTurnMetrics(metrics)}
        </p>
      )}

      {interruptError !== undefined && (
        <p className="error" role="alert" data-testid="interrupt-error">
          {interruptError}
        </p>
      )}
      {interruptResult !== undefined && interruptError === undefined && (
        <p className="muted small" data-testid="interrupt-result" data-result={interruptResult}>
          {INTERRUPT_RESULT_TEXT[interruptResult] ?? `The agent answered: ${interruptResult}`}
        </p>
      )}
    </section>
  );
}
