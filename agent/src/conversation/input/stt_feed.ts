import { ECHO_MARGIN_DB } from '../../audio/echo.js';
import type { EchoCanceller, EchoOutput } from '../../audio/echo_canceller.js';
import type { ProviderError, Stt, SttEvent, SttStream } from '../../providers/types.js';
import { EchoEvidence, evidenceApplies, overEchoDb } from './echo_evidence.js';
import type { EchoVerdict } from './echo_evidence.js';

/**
 * An utterance with fewer frames than this louder than the echo could be may be echo alone
 * (echo_evidence.ts). Through the SFU (two runs of the bench's echo scenario): the utterances of
 * echo alone had 0-1 such frames, the person's real "wait" over the echo 11-25.
 */
const ECHO_EVIDENCE_MIN_FRAMES = 5;

/**
 * Clearly above the echo: a person proven even if their words are the agent's
 * (EchoEvidenceOptions.proofMarginDb). Through the SFU, echo alone after its path got 7 dB
 * louder peaked 12 dB over the stale bound; a person's voice over a silent agent is 80+ dB over.
 */
const ECHO_PROOF_EXTRA_DB = 10;

export interface SttFeedOptions {
  /** Without STT nothing is sent, and no evidence is kept. */
  stt: Stt | undefined;
  /** The person's echo canceller: with one, each utterance's words carry its echo evidence. */
  echo: EchoCanceller | undefined;
  /** Frames of pre-roll sent before an utterance's speech (the evidence counts them too). */
  prerollFrames: number;
  /** The activity threshold (dBFS): a quieter frame is no evidence either way. */
  audibleDbfs: number;
  signal: AbortSignal;
}

/** Where the words go: each with its utterance's echo verdict. */
export interface SttFeedEvents {
  onTranscript(event: SttEvent, echo: EchoVerdict): void;
  onSttError(error: ProviderError): void;
}

/**
 * One person's STT stream, and the echo evidence of what was sent to it (echo_evidence.ts). A
 * stream that failed after its retries is dead: the next utterance gets a fresh one (startUtterance()).
 */
export class SttFeed {
  readonly #opts: SttFeedOptions;
  readonly #events: SttFeedEvents;
  readonly #evidence: EchoEvidence | undefined;
  #stream: SttStream | undefined;
  #failed = false;

  constructor(opts: SttFeedOptions, events: SttFeedEvents) {
    this.#opts = opts;
    this.#events = events;
    this.#evidence =
      opts.echo && opts.stt
        ? new EchoEvidence({
            prerollFrames: opts.prerollFrames,
            minFrames: ECHO_EVIDENCE_MIN_FRAMES,
            marginDb: ECHO_MARGIN_DB,
            proofMarginDb: ECHO_MARGIN_DB + ECHO_PROOF_EXTRA_DB,
          })
        : undefined;
    this.#stream = this.#open();
  }

  /** The stream can draft (SttStream.draft). */
  get canDraft(): boolean {
    return this.#stream?.draft !== undefined;
  }

  /**
   * An utterance starts, before any of its audio is pushed: a stream that failed is replaced
   * (the finals it owed will not come), and the echo evidence takes the pre-roll as its start.
   */
  startUtterance(): void {
    if (this.#failed) {
      this.#failed = false;
      void this.#stream?.close();
      this.#evidence?.reset();
      this.#stream = this.#open();
    }
    this.#evidence?.started(performance.now());
  }

  push(samples: Int16Array): void {
    this.#stream?.pushAudio(samples);
  }

  /** Drafts the utterance so far (SttStream.draft): whether it was. */
  draft(): boolean {
    return this.#stream?.draft?.() ?? false;
  }

  commit(): void {
    this.#stream?.commit();
  }

  /** One frame, as the echo canceller heard it, sent as speech or not (EchoEvidence.frame). */
  evidenceFrame(echoOut: EchoOutput | undefined, inSpeech: boolean): void {
    if (!this.#evidence || !echoOut) return;
    const estimate = this.#opts.echo?.estimate;
    const overEcho = overEchoDb(echoOut, {
      applies: evidenceApplies(estimate),
      audibleDbfs: this.#opts.audibleDbfs,
    });
    this.#evidence.frame(overEcho, inSpeech, estimate !== undefined);
  }

  /** The utterance was committed (EchoEvidence.committed). */
  evidenceCommitted(): void {
    this.#evidence?.committed(performance.now());
  }

  /** The echo verdict of the utterance being spoken (EchoEvidence.current). */
  currentEcho(): EchoVerdict {
    return this.#evidence?.current() ?? { beyondEcho: true };
  }

  async close(): Promise<void> {
    await this.#stream?.close();
  }

  #open(): SttStream | undefined {
    const evidence = this.#evidence;
    return this.#opts.stt?.stream({
      signal: this.#opts.signal,
      onEvent: (event) =>
        this.#events.onTranscript(
          event,
          !evidence
            ? { beyondEcho: true }
            : event.type === 'final'
              ? evidence.final()
              : evidence.interim(),
        ),
      onError: (error) => {
        this.#failed = true;
        this.#events.onSttError(error);
      },
    });
  }
}
