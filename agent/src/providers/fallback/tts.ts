/**
 * A voice made of several (AGENT_TTS=deepgram,openai,flite): each chunk of a reply is spoken by
 * the first working provider; it moves to the next when the provider fails after its retries,
 * misses the first-audio budget, or gives no audio. A chunk already being heard is never started
 * again on another voice: if its provider fails or stalls mid-way, the chunk ends there and the
 * reply goes on with the next chunk on the next provider. The exception is a chunk that failed
 * within its first RESTART_BELOW_MS of audio (a stream that stalls right after it opened): that
 * much is mostly the voice's lead-in, so the next voice says the whole chunk rather than the
 * listener losing the sentence.
 */
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import type { Logger } from '../../log.js';
import { abortReason, LinkedAbort } from '../base.js';
import type { SpeechSynthesizer } from '../types.js';
import { ProviderChain } from './chain.js';
import type { ChainOptions, FailReason } from './chain.js';

export interface FallbackTtsOptions extends Omit<ChainOptions, 'kind'> {
  /** Request -> first audio: a provider that takes longer is passed over (not the last). */
  firstByteBudgetMs: number;
  /**
   * Longest wait between two chunks of audio before a provider counts as stalled (when another
   * provider is there to take the next chunk). Default 1000.
   */
  stallMs?: number | undefined;
}

/** A chunk that failed with less audio than this given is said again, whole, by the next voice. */
export const RESTART_BELOW_MS = 300;
const RESTART_BELOW_SAMPLES = (PIPELINE_SAMPLE_RATE * RESTART_BELOW_MS) / 1000;

export class FallbackTts implements SpeechSynthesizer {
  readonly chain: ProviderChain<SpeechSynthesizer>;
  readonly #opts: FallbackTtsOptions;

  constructor(voices: readonly SpeechSynthesizer[], opts: FallbackTtsOptions) {
    this.chain = new ProviderChain(voices, { ...opts, kind: 'tts' });
    this.#opts = opts;
  }

  get label(): string {
    return this.chain.label;
  }

  async *synthesize(
    text: string,
    opts: { signal: AbortSignal },
  ): AsyncGenerator<Int16Array, void, undefined> {
    const { signal } = opts;
    const order = this.chain.order();
    for (const [i, tts] of order.entries()) {
      const last = i === order.length - 1;
      const attempt = new LinkedAbort(signal);
      const watched = this.chain.hasWorkingAfter(order, i);
      const watchdog = new Watchdog(attempt, watched ? this.#opts.firstByteBudgetMs : undefined);
      let heard = false;
      let samples = 0;
      try {
        for await (const chunk of tts.synthesize(text, { signal: attempt.signal })) {
          heard = true;
          samples += chunk.length;
          // Until its lead-in is through, a voice is still on its way to first sound: the
          // first-audio budget, not the stall wait, bounds the gap.
          const leadIn = samples < RESTART_BELOW_SAMPLES;
          const waitMs = leadIn ? this.#opts.firstByteBudgetMs : (this.#opts.stallMs ?? 1_000);
          watchdog.reset(watched ? waitMs : undefined);
          yield chunk;
        }
        if (heard || last) {
          if (heard) this.chain.succeeded(tts);
          return;
        }
        this.chain.failed(tts, 'empty');
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        const reason: FailReason = watchdog.fired ? 'slow' : 'error';
        this.chain.failed(tts, reason, err);
        if (last) throw err;
        // The rest of the reply goes to the next provider, from its next chunk; a chunk cut in its
        // lead-in is said whole by the next.
        if (samples >= RESTART_BELOW_SAMPLES) return;
      } finally {
        watchdog.stop();
        attempt.abort();
      }
    }
  }

  async warmUp(): Promise<void> {
    await this.chain.preferred().warmUp?.();
  }

  async close(): Promise<void> {
    this.chain.close();
    await Promise.allSettled(this.chain.providers.map((tts) => tts.close()));
  }
}

/** Aborts an attempt when a wait runs out; reset() starts a new wait (undefined: none). */
class Watchdog {
  fired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly attempt: LinkedAbort,
    ms: number | undefined,
  ) {
    this.reset(ms);
  }

  reset(ms: number | undefined): void {
    this.stop();
    if (ms === undefined) return;
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.attempt.abort(new Error(`no audio for ${ms} ms`));
    }, ms);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * A lone voice's longest gap between chunks within its lead-in (ms): the first-audio budget's
 * role in a chain, a little wider since no other voice is waiting.
 */
export const LONE_LEAD_IN_GAP_MS = 500;

/**
 * A stage's only voice (AGENT_TTS with one provider), with one more try for a chunk whose
 * stream failed or went quiet for LONE_LEAD_IN_GAP_MS within its first RESTART_BELOW_MS of
 * audio: the listener has heard at most the voice's lead-in, which also counted as the reply's
 * first sound (so no filler came), and the whole chunk again beats losing the sentence. A
 * failure before any audio is the provider's own retries' to handle; one after the lead-in
 * ends the chunk, as before.
 */
export class LeadInRetryTts implements SpeechSynthesizer {
  readonly #voice: SpeechSynthesizer;
  readonly #log: Logger | undefined;

  constructor(voice: SpeechSynthesizer, log?: Logger) {
    this.#voice = voice;
    this.#log = log;
  }

  get label(): string {
    return this.#voice.label;
  }

  async *synthesize(
    text: string,
    opts: { signal: AbortSignal },
  ): AsyncGenerator<Int16Array, void, undefined> {
    const { signal } = opts;
    for (let retried = false; ; retried = true) {
      const attempt = new LinkedAbort(signal);
      const watchdog = new Watchdog(attempt, undefined);
      let samples = 0;
      try {
        for await (const chunk of this.#voice.synthesize(text, { signal: attempt.signal })) {
          samples += chunk.length;
          const leadIn = !retried && samples < RESTART_BELOW_SAMPLES;
          watchdog.reset(leadIn ? LONE_LEAD_IN_GAP_MS : undefined);
          yield chunk;
        }
        return;
      } catch (err) {
        if (signal.aborted) throw abortReason(signal);
        if (retried || samples === 0 || samples >= RESTART_BELOW_SAMPLES) throw err;
        this.#log?.warn(
          { provider: this.label, givenMs: Math.round(samples / (PIPELINE_SAMPLE_RATE / 1000)) },
          'tts chunk failed in its lead-in: saying it again',
        );
      } finally {
        watchdog.stop();
        attempt.abort();
      }
    }
  }

  warmUp(): Promise<void> {
    return this.#voice.warmUp?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.#voice.close();
  }
}
