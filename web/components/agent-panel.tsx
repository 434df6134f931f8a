'use client';

import { BarVisualizer, type VoiceAssistant } from '@livekit/components-react';
import { type AgentView, agentStateText, lacksLanguageModel } from '../lib/agent';
import { MicControls } from './mic-controls';

const INTERRUPT_RESULT_TEXT: Readonly<Record<string, string>> = {
  ok: 'The agent stopped its reply.',
  idle: 'The agent was not replying.',
};

/**
 * The agent's voice (LiveKit's BarVisualizer on its track), its state, how to address it in a
 * group, Interrupt, and the person's own microphone controls.
 */
export function AgentPanel({
  agent,
  voice,
  addressHint,
  connected,
  interrupting,
  interruptResult,
  interruptError,
  onInterrupt,
}: {
  agent: AgentView | undefined;
  /** From `useVoiceAssistant`: the state as LiveKit's components read it, and the agent's track. */
  voice: Pick<VoiceAssistant, 'state' | 'audioTrack'>;
  /** "With others here, start with “Sam, …”" when the agent answers only when named. */
  addressHint: string | undefined;
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
        <BarVisualizer
          className="agent-visualizer"
          data-testid="agent-visualizer"
          data-visualizer-state={voice.state}
          data-has-track={String(voice.audioTrack !== undefined)}
          state={voice.state}
          {...(voice.audioTrack ? { track: voice.audioTrack } : {})}
          barCount={7}
          options={{ minHeight: 12 }}
        />
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
      <MicControls />

      {addressHint !== undefined && (
        <p className="notice address-hint" data-testid="address-hint" role="status">
          {addressHint}
        </p>
      )}

      {lacksLanguageModel(agent) && (
        <p className="notice" data-testid="no-model">
          No language model is configured: the agent can only greet you.
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
