/** A finished utterance in the pipeline format (mono, PIPELINE_SAMPLE_RATE). */
export interface TtsResult {
  samples: Int16Array;
  /** Request to audio ready. */
  synthesisMs: number;
}

/** Text to speech. Streaming providers arrive with the voice loop; this is the common ground. */
export interface Tts {
  readonly label: string;
  synthesize(text: string, signal: AbortSignal): Promise<TtsResult>;
  close(): Promise<void>;
}

/** A provider failure, typed so callers can decide whether to retry. */
export class TtsError extends Error {
  override readonly name = 'TtsError';
  constructor(
    readonly provider: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(`${provider}: ${message}`);
  }
}
