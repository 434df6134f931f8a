/**
 * A voice that can start saying a known text before it is asked to: the greeting's first clause
 * is synthesised while the agent is still joining the room, and handed over, as far as it has
 * come, when the conversation asks for the same text. Anything else goes to the voice as usual.
 */
import type { SpeechSynthesizer } from '../../providers/types.js';

/** One text being (or done being) synthesised ahead of its request. */
class Prepared {
  readonly abort = new AbortController();
  /** Drops it if nobody asks for it in time; cleared when someone does. */
  dropTimer: NodeJS.Timeout | undefined;
  readonly #chunks: Int16Array[] = [];
  #done = false;
  #error: unknown;
  #wake: (() => void) | undefined;

  constructor(voice: SpeechSynthesizer, text: string) {
    void (async () => {
      try {
        for await (const chunk of voice.synthesize(text, { signal: this.abort.signal })) {
          this.#chunks.push(chunk);
          this.#wake?.();
        }
      } catch (err) {
        this.#error = err;
      } finally {
        this.#done = true;
        this.#wake?.();
      }
    })();
  }

  /** What was synthesised so far, then the rest as it comes; a failure is thrown as it would be. */
  async *play(signal: AbortSignal): AsyncGenerator<Int16Array> {
    const stop = () => {
      this.abort.abort(signal.reason);
      this.#wake?.();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      for (let i = 0; ; i++) {
        while (i >= this.#chunks.length && !this.#done && !signal.aborted) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
        }
        if (signal.aborted) return;
        const chunk = this.#chunks[i];
        if (chunk) {
          yield chunk;
          continue;
        }
        if (this.#error !== undefined) throw this.#error;
        return;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      this.abort.abort();
    }
  }
}

export class PreparedVoice implements SpeechSynthesizer {
  readonly #voice: SpeechSynthesizer;
  readonly #prepared = new Map<string, Prepared>();
  #closed = false;

  constructor(voice: SpeechSynthesizer) {
    this.#voice = voice;
  }

  get label(): string {
    return this.#voice.label;
  }

  /**
   * Starts synthesising `text` now. The speech is kept for the first request of the same text
   * within `keepMs`, then dropped (its synthesis stopped); preparing a text again, or after
   * {@link close}, is a no-op.
   */
  prepare(text: string, keepMs: number): void {
    if (this.#closed || this.#prepared.has(text)) return;
    const prepared = new Prepared(this.#voice, text);
    this.#prepared.set(text, prepared);
    prepared.dropTimer = setTimeout(() => this.#drop(text, prepared), keepMs);
    prepared.dropTimer.unref();
  }

  synthesize(text: string, opts: { signal: AbortSignal }): AsyncIterable<Int16Array> {
    const prepared = this.#prepared.get(text);
    if (!prepared) return this.#voice.synthesize(text, opts);
    this.#prepared.delete(text);
    clearTimeout(prepared.dropTimer);
    return prepared.play(opts.signal);
  }

  warmUp(): Promise<void> {
    return this.#voice.warmUp?.() ?? Promise.resolve();
  }

  /**
   * Drops everything prepared and not asked for, and prepares nothing more (a lookup that
   * answers after the job ended); the voice itself belongs to its owner and goes on.
   */
  close(): Promise<void> {
    this.#closed = true;
    for (const [text, prepared] of this.#prepared) this.#drop(text, prepared);
    return Promise.resolve();
  }

  #drop(text: string, prepared: Prepared): void {
    this.#prepared.delete(text);
    clearTimeout(prepared.dropTimer);
    prepared.abort.abort();
  }
}
