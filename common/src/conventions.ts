/** Names shared by the agent and its front ends (LiveKit's own, and ours). */

/** LiveKit's agent-state attribute, read by LiveKit's front-end components. */
export const AGENT_STATE_ATTRIBUTE = 'lk.agent.state';
export type AgentState = 'initializing' | 'listening' | 'thinking' | 'speaking';

/** LiveKit's transcription text-stream topic and attributes. */
export const TRANSCRIPTION_TOPIC = 'lk.transcription';
export const TRANSCRIPTION_SEGMENT_ID = 'lk.segment_id';
export const TRANSCRIPTION_TRACK_ID = 'lk.transcribed_track_id';
export const TRANSCRIPTION_FINAL = 'lk.transcription_final';

/**
 * Our own attribute on the agent participant: what the agent hears from each human, as JSON
 * `{ [identity]: { active: boolean, dbfs: number } }`. Front ends show it; tests read it.
 */
export const HEARING_ATTRIBUTE = 'voice_agent.hearing';
export interface HeardInput {
  /** The participant's microphone is currently above the speech threshold. */
  active: boolean;
  /** RMS level of the last analysis window, dBFS (-100 for digital silence). */
  dbfs: number;
}
export type HearingReport = Record<string, HeardInput>;

/** Name of the agent's own published audio track. */
export const AGENT_TRACK_NAME = 'agent-voice';
