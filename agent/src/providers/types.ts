/**
 * The small interfaces the conversation loop sees. One provider file per implementation under
 * stt/, llm/, tts/; the shared retry, timeouts, typed errors and metrics live in ./base.ts.
 * Audio is always pipeline format: 16-bit mono PCM at PIPELINE_SAMPLE_RATE (24 kHz).
 */

/** Which stage a provider serves (a metrics label); `tool`: a tool's service (web search). */
export type ProviderKind = 'stt' | 'llm' | 'tts' | 'tool';

/** A provider failure. Never reject with anything else from a provider. */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: string;
  readonly kind: ProviderKind;
  /** HTTP status (or WebSocket close code) when there was one. */
  readonly status: number | undefined;
  /** True when the same request may succeed if sent again (5xx, 429, timeouts, dropped sockets). */
  readonly retryable: boolean;
  /** Server-requested wait (429 `retry-after`), when given. */
  readonly retryAfterMs: number | undefined;

  constructor(opts: {
    provider: string;
    kind: ProviderKind;
    message: string;
    retryable: boolean;
    status?: number | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(`${opts.provider}: ${opts.message}`, { cause: opts.cause });
    this.provider = opts.provider;
    this.kind = opts.kind;
    this.status = opts.status;
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

// ---- STT ----------------------------------------------------------------------------------------

export type SttEvent =
  /** The text so far of the utterance being transcribed (whole, not a delta). */
  | { type: 'interim'; text: string; at: number }
  /**
   * The final text of one committed utterance. `latencyMs`: commit() -> this event. `text` may be
   * '' (nothing recognisable).
   */
  | { type: 'final'; text: string; at: number; latencyMs: number };

/** One person's transcription session; `at` fields are performance.now() values. */
export interface SttStream {
  /** Audio of the current utterance, any length. Cheap: batches and sends in the background. */
  pushAudio(samples: Int16Array): void;
  /** The utterance ended (VAD): finalise everything pushed since the last commit. */
  commit(): void;
  /**
   * The person went quiet, and the utterance may be over: start finalising what was pushed so
   * far, before VAD is sure. If commit() comes next, the draft's result is the utterance's final
   * (given at once if it is in); if more audio comes first, the draft's final is never given and
   * the utterance goes on, to be transcribed whole at its commit. The draft's text, once known,
   * comes as an interim (so it may be seen even when the draft is dropped). Returns whether a
   * draft was sent (not for too little audio, or too much to send again). Optional: a stream
   * whose provider cannot finalise on request leaves it out.
   */
  draft?(): boolean;
  /** Drops audio pushed since the last commit without transcribing it. */
  clear(): void;
  close(): Promise<void>;
}

export interface SttStreamOptions {
  signal: AbortSignal;
  onEvent: (event: SttEvent) => void;
  /** A failure the stream could not recover from by retrying (it has stopped). */
  onError: (error: ProviderError) => void;
  language?: string;
}

export interface Stt {
  readonly label: string;
  /** Opens a session (connections are made now, so the first utterance does not wait for them). */
  stream(opts: SttStreamOptions): SttStream;
  /**
   * A cheap check that the provider answers (no user data, no billed request: a model list or a
   * connection opened and closed). A fallback chain calls it in the background to see whether a
   * failed provider is back. Rejects when it is not. Optional: without it a failed provider is
   * tried again after its wait.
   */
  probe?(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

// ---- LLM ----------------------------------------------------------------------------------------

/** A function call the model made: `arguments` is its JSON text, as the model wrote it. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A complete tool call in a stream (its argument fragments already assembled). */
export interface ToolCallEvent extends ToolCall {
  type: 'tool_call';
}

/** What a stream with tools yields: text deltas, and complete tool calls. */
export type LlmEvent = string | ToolCallEvent;

/** A tool as the model is told of it; `parameters` is a JSON Schema of an object. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  /** `toolCalls`: the calls it made (their results follow as `tool` messages). */
  | { role: 'assistant'; content: string; toolCalls?: readonly ToolCall[] | undefined }
  /** The result of the call `toolCallId` (of the assistant message before it). */
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** A `tool` message. */
export type ToolResultMessage = Extract<ChatMessage, { role: 'tool' }>;

export interface LlmStreamOptions {
  signal: AbortSignal;
  /** Tools the model may call; complete calls are yielded as ToolCallEvents. */
  tools?: readonly ToolSpec[] | undefined;
  /** `none`: the tools are described, but the model must answer in words. Default `auto`. */
  toolChoice?: 'auto' | 'none' | undefined;
}

export interface Llm {
  readonly label: string;
  /**
   * Streams the reply's text deltas; with `tools`, also each complete tool call. Retries (per
   * ./base.ts) only before the first item; after it, a failure ends the iteration with a
   * ProviderError. Stops promptly when `signal` aborts. (The first signature is the one of
   * requests without tools: only strings. Options that may hold tools take the second.)
   */
  stream(
    messages: readonly ChatMessage[],
    opts: { signal: AbortSignal; tools?: undefined },
  ): AsyncIterable<string>;
  stream(messages: readonly ChatMessage[], opts: LlmStreamOptions): AsyncIterable<LlmEvent>;
  /**
   * A cheap check that the provider answers (no user data, no billed request: a model list or a
   * connection opened and closed). A fallback chain calls it in the background to see whether a
   * failed provider is back. Rejects when it is not. Optional: without it a failed provider is
   * tried again after its wait.
   */
  probe?(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

// ---- TTS ----------------------------------------------------------------------------------------

export interface SpeechSynthesizer {
  readonly label: string;
  /**
   * Streams the speech of `text` as pipeline-format chunks (any length), first chunk as early as
   * the provider allows. Retries only before the first chunk. Stops promptly on abort.
   */
  synthesize(text: string, opts: { signal: AbortSignal }): AsyncIterable<Int16Array>;
  warmUp?(): Promise<void>;
  /**
   * A cheap check that the provider answers (no user data, no billed request: a model list or a
   * connection opened and closed). A fallback chain calls it in the background to see whether a
   * failed provider is back. Rejects when it is not. Optional: without it a failed provider is
   * tried again after its wait.
   */
  probe?(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
