/**
 * The short filler ("One moment.") the agent says when a reply's first words are late, so nobody
 * waits in silence. Its audio is made once per process, ahead of any need, by the configured
 * voice (the embedded one if that fails), and held: saying it costs no provider round trip,
 * which matters most exactly when a provider is slow or down.
 */
import type { Logger } from '../../log.js';
import { errorFields } from '../../log.js';
import type { SpeechSynthesizer } from '../../providers/types.js';
import type { SpokenSegment } from '../../audio/speaker.js';

export class FillerClip {
  readonly text: string;
  readonly #voices: readonly SpeechSynthesizer[];
  readonly #log: Logger | undefined;
  #audio: Int16Array[] | undefined;
  #making: Promise<void> | undefined;

  /** `voices`: tried in order (the configured voice, then the embedded one). */
  constructor(text: string, voices: readonly SpeechSynthesizer[], log?: Logger) {
    this.text = text;
    this.#voices = [...new Set(voices)];
    this.#log = log;
  }

  /** The clip, if it is made; asking starts making it if it is not (and not under way). */
  get segment(): SpokenSegment | undefined {
    const audio = this.#audio;
    if (!audio) {
      void this.prepare();
      return undefined;
    }
    return {
      text: this.text,
      audio: (async function* () {
        yield* audio;
      })(),
    };
  }

  /** Makes the clip (once; again only after a failure). */
  prepare(signal: AbortSignal = new AbortController().signal): Promise<void> {
    if (this.#audio) return Promise.resolve();
    this.#making ??= this.#make(signal).finally(() => (this.#making = undefined));
    return this.#making;
  }

  async #make(signal: AbortSignal): Promise<void> {
    for (const voice of this.#voices) {
      const chunks: Int16Array[] = [];
      try {
        for await (const chunk of voice.synthesize(this.text, { signal })) chunks.push(chunk);
      } catch (err) {
        this.#log?.warn({ err: errorFields(err), voice: voice.label }, 'filler not made');
        continue;
      }
      if (chunks.length === 0) continue;
      this.#audio = chunks;
      this.#log?.debug({ voice: voice.label, text: this.text }, 'filler ready');
      return;
    }
  }
}
