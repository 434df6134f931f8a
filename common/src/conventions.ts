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

/**
 * Our attribute on the agent participant: how it decides to answer now, `always` (every turn) or
 * `addressed` (only turns that start with its name, or follow up its answer). With `addressed`,
 * front ends tell people to start with the agent's name (its participant name).
 */
export const REPLY_POLICY_ATTRIBUTE = 'voice_agent.reply_policy';
export type ReplyPolicyReport = 'always' | 'addressed';

/** Name of the agent's own published audio track. */
export const AGENT_TRACK_NAME = 'agent-voice';

/** LiveKit's topic for typed user input (text streams); the agent answers it like speech. */
export const CHAT_TOPIC = 'lk.chat';

/**
 * Our text-stream topic for delivery receipts: for every `lk.chat` stream the agent reads, it
 * sends that stream's id back to its sender on this topic. A page resends a message whose receipt
 * does not come (livekit-client can keep a message sent during a reconnect for a replay that a
 * full reconnect never does, and still resolve the send).
 */
export const CHAT_RECEIPT_TOPIC = 'voice_agent.chat_receipt';

/**
 * Attribute on a resent `lk.chat` stream: the id of the message's first send. The agent answers
 * a message once whichever copies arrive; front ends show it once.
 */
export const CHAT_RESEND_OF = 'voice_agent.resend_of';

/** Longest typed message, in UTF-16 code units after trimming; the page and the agent both enforce it. */
export const MAX_CHAT_CHARS = 2000;

/**
 * User transcripts: the agent publishes them on TRANSCRIPTION_TOPIC *on behalf of* the speaker,
 * with this attribute naming whose words they are (the stream's sender is the agent).
 * LiveKit's own front ends attribute by TRANSCRIPTION_TRACK_ID; ours use this too.
 */
export const TRANSCRIPTION_SPEAKER = 'voice_agent.speaker';

/**
 * RPC method on the agent: a live context update for its room. Payload JSON
 * `{ "token": "<LiveKit token with roomAdmin for this room, issued to the caller>",
 * "instructions"?: string, "facts"?: string[] }`; returns JSON `{ "applied": {...} }`, or an
 * RPC error with code 400, 401 or 403 and the reason (nothing changed).
 */
export const CONTEXT_RPC = 'voice_agent.update_context';

/** RPC method on the agent: stop the current reply now (payload ignored; returns 'ok'). */
export const INTERRUPT_RPC = 'voice_agent.interrupt';

/**
 * Our text-stream topic for per-turn latency, one JSON {@link TurnMetrics} per stream, sent by
 * the agent to everyone when a reply that played audio ends (finished or interrupted).
 */
export const METRICS_TOPIC = 'voice_agent.metrics';
export interface TurnMetrics {
  turnId: string;
  /**
   * Whose turn it answered (identity). A typed message's turn has endOfUtteranceMs and
   * sttFinalMs 0; a stage the agent could not time is -1.
   */
  speaker: string;
  /** End of speech (VAD) -> the turn was declared over. */
  endOfUtteranceMs: number;
  /** STT commit -> final transcript. */
  sttFinalMs: number;
  /** LLM request -> first token. */
  llmTtftMs: number;
  /** First TTS request -> first audio byte. */
  ttsTtfbMs: number;
  /** End of speech -> first reply audio handed to the AudioSource, as the agent measures it. */
  endToEndMs: number;
}

/**
 * Our attribute on the agent participant: the configured provider per stage, JSON
 * `{ stt, llm, tts }` with labels such as 'openai-realtime', 'openai', 'flite', or 'none'.
 * Front ends say "no language model is configured" when llm is 'none'.
 */
export const MODELS_ATTRIBUTE = 'voice_agent.models';
export interface ModelsReport {
  stt: string;
  llm: string;
  tts: string;
}
