/**
 * A transcriber made of several (AGENT_STT=deepgram,openai-realtime). Each person's stream runs
 * on one provider at a time and keeps the audio of every utterance not yet transcribed: when the
 * provider fails (after its own retries and reconnects) or a final misses the budget, the stream
 * moves to the next provider and that audio goes there, so the utterance in flight is not lost.
 * A recovered provider takes the stream back between two utterances, never in the middle of one.
 */
import { ProviderError } from '../types.js';
import type { Stt, SttEvent, SttStream, SttStreamOptions } from '../types.js';
import { ProviderChain } from './chain.js';
import type { ChainOptions, FailReason } from './chain.js';

export interface FallbackSttOptions extends Omit<ChainOptions, 'kind'> {
  /** Commit -> final transcript: a provider that takes longer is passed over (not the last). */
  finalBudgetMs: number;
  /** Audio kept of the utterance being spoken, to hand to the next provider. Default 30 s. */
  maxUtteranceSamples?: number | undefined;
}

export class FallbackStt implements Stt {
  readonly chain: ProviderChain<Stt>;
  readonly #opts: FallbackSttOptions;

  constructor(stts: readonly Stt[], opts: FallbackSttOptions) {
    this.chain = new ProviderChain(stts, { ...opts, kind: 'stt' });
    this.#opts = opts;
  }

  get label(): string {
    return this.chain.label;
  }

  stream(opts: SttStreamOptions): SttStream {
    return new FallbackSttStream(this.chain, opts, this.#opts);
  }

  async close(): Promise<void> {
    this.chain.close();
    await Promise.allSettled(this.chain.providers.map((stt) => stt.close()));
  }
}

/** A committed utterance waiting for its final, with its audio in case it must be sent again. */
interface Awaiting {
  audio: Int16Array[];
  committedAt: number;
}

class FallbackSttStream implements SttStream {
  readonly #chain: ProviderChain<Stt>;
  readonly #opts: SttStreamOptions;
  readonly #cfg: FallbackSttOptions;
  #stt: Stt;
  #stream: SttStream;
  /** Which open() the current stream came from: events of an earlier one are stale. */
  #generation = 0;
  /** The utterance being spoken (since the last commit or clear). */
  #utterance: Int16Array[] = [];
  #utteranceSamples = 0;
  readonly #awaiting: Awaiting[] = [];
  #budget: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(chain: ProviderChain<Stt>, opts: SttStreamOptions, cfg: FallbackSttOptions) {
    this.#chain = chain;
    this.#opts = opts;
    this.#cfg = cfg;
    this.#stt = chain.preferred();
    this.#stream = this.#open(this.#stt);
  }

  pushAudio(samples: Int16Array): void {
    if (this.#utteranceSamples === 0 && this.#awaiting.length === 0) this.#takeBack();
    this.#keep(samples);
    this.#stream.pushAudio(samples);
  }

  commit(): void {
    this.#awaiting.push({ audio: this.#utterance, committedAt: performance.now() });
    this.#utterance = [];
    this.#utteranceSamples = 0;
    this.#stream.commit();
    this.#armBudget();
  }

  draft(): boolean {
    return this.#stream.draft?.() ?? false;
  }

  clear(): void {
    this.#utterance = [];
    this.#utteranceSamples = 0;
    this.#stream.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#budget);
    await this.#stream.close();
  }

  #open(stt: Stt): SttStream {
    const generation = ++this.#generation;
    const current = () => generation === this.#generation && !this.#closed;
    return stt.stream({
      ...this.#opts,
      onEvent: (event) => current() && this.#onEvent(event),
      onError: (error) => current() && this.#fail('error', error),
    });
  }

  #onEvent(event: SttEvent): void {
    if (event.type === 'final') {
      const answered = this.#awaiting.shift();
      clearTimeout(this.#budget);
      this.#chain.succeeded(this.#stt);
      this.#armBudget();
      // Latency from the person's commit, across any switch.
      if (answered) event = { ...event, latencyMs: event.at - answered.committedAt };
    }
    this.#opts.onEvent(event);
  }

  /** The provider failed or was too slow: the next one gets every unanswered utterance. */
  #fail(reason: FailReason, error?: ProviderError): void {
    const failed = this.#stt;
    this.#chain.failed(failed, reason, error);
    if (reason === 'slow' && !this.#chain.hasWorkingAfter(this.#chain.order(), -1)) return;
    const next = this.#chain.order().find((stt) => stt !== failed);
    if (!next) {
      if (error instanceof ProviderError) this.#opts.onError(error);
      return; // alone: a slow final is still awaited
    }
    this.#switchTo(next);
  }

  /** Between utterances, a recovered provider earlier in the chain takes the stream back. */
  #takeBack(): void {
    const preferred = this.#chain.preferred();
    if (preferred !== this.#stt && !this.#closed) this.#switchTo(preferred);
  }

  #switchTo(stt: Stt): void {
    clearTimeout(this.#budget);
    const old = this.#stream;
    this.#stt = stt;
    this.#stream = this.#open(stt);
    void old.close().catch(() => undefined);
    for (const utterance of this.#awaiting) {
      for (const samples of utterance.audio) this.#stream.pushAudio(samples);
      this.#stream.commit();
    }
    for (const samples of this.#utterance) this.#stream.pushAudio(samples);
    this.#armBudget();
  }

  /** The oldest unanswered commit must be answered within the budget (unless it is the last). */
  #armBudget(): void {
    clearTimeout(this.#budget);
    const oldest = this.#awaiting[0];
    const order = this.#chain.order();
    if (!oldest || !this.#chain.hasWorkingAfter(order, order.indexOf(this.#stt))) return;
    const waitMs = Math.max(0, oldest.committedAt + this.#cfg.finalBudgetMs - performance.now());
    this.#budget = setTimeout(() => this.#fail('slow'), waitMs);
  }

  #keep(samples: Int16Array): void {
    const max = this.#cfg.maxUtteranceSamples ?? 30 * 24_000;
    if (this.#utteranceSamples + samples.length > max) return; // the start is what matters
    this.#utterance.push(samples);
    this.#utteranceSamples += samples.length;
  }
}
