/**
 * Speech kept for texts said again. Greetings, fillers, apologies and short stock answers are
 * the same words in every room: one process-wide cache (AGENT_TTS_CACHE_BYTES) lets the second
 * room hear them without a provider round trip. Keys are exact: provider label, model, voice
 * and the text as given.
 */
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { ttsCacheMetrics } from '../../metrics/providers.js';
import { abortReason } from '../base.js';
import { concat } from '../pcm.js';
import type { SpeechSynthesizer } from '../types.js';

/** A hit is yielded in pieces of at most 1 s: a few chunks, and an abort is seen between them. */
const HIT_CHUNK_SAMPLES = PIPELINE_SAMPLE_RATE;

/**
 * Least-recently-used audio within a byte budget (the audio's bytes; keys, a few hundred bytes
 * each, are not counted). An entry over a quarter of the budget is never kept: one long answer
 * would push out many short texts that are far likelier to come again.
 */
export class TtsCache {
  readonly maxBytes: number;
  /** Map order is use order: the first entry is the least recently used. */
  readonly #entries = new Map<string, Int16Array>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  /** Audio bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): Int16Array | undefined {
    const samples = this.#entries.get(key);
    if (samples === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, samples);
    return samples;
  }

  /** Keeps `samples` (not copied: the caller gives up its array), dropping the oldest to fit. */
  set(key: string, samples: Int16Array): void {
    if (samples.byteLength > this.maxBytes / 4) return;
    this.#delete(key); // two identical misses at once: the later replaces the earlier
    this.#entries.set(key, samples);
    this.#bytes += samples.byteLength;
    for (const [oldest] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#delete(oldest);
    }
    ttsCacheMetrics.bytes(this.#bytes);
  }

  #delete(key: string): void {
    const samples = this.#entries.get(key);
    if (samples === undefined) return;
    this.#entries.delete(key);
    this.#bytes -= samples.byteLength;
  }
}

/** What, besides the text, decides the sound: part of every key. */
export interface VoiceIdentity {
  model: string;
  voice: string;
}

/**
 * A voice in front of a TtsCache. A hit yields the kept audio at once; a miss streams from the
 * voice as usual, copying as it goes, and keeps the audio only if the synthesis ran to its end
 * (never one cut short by an abort, an error or a consumer that stopped reading).
 */
export class CachedTts implements SpeechSynthesizer {
  readonly #voice: SpeechSynthesizer;
  readonly #cache: TtsCache;
  readonly #identity: VoiceIdentity;
  /** The voice's own probe, if it has one: a chain treats a voice without one differently. */
  readonly probe?: (signal: AbortSignal) => Promise<void>;

  constructor(voice: SpeechSynthesizer, cache: TtsCache, identity: VoiceIdentity) {
    this.#voice = voice;
    this.#cache = cache;
    this.#identity = identity;
    const probe = voice.probe;
    if (probe) this.probe = (signal) => probe.call(voice, signal);
  }

  get label(): string {
    return this.#voice.label;
  }

  synthesize(text: string, opts: { signal: AbortSignal }): AsyncIterable<Int16Array> {
    if (text.trim() === '') return this.#voice.synthesize(text, opts);
    const key = JSON.stringify([this.label, this.#identity.model, this.#identity.voice, text]);
    const kept = this.#cache.get(key);
    if (kept !== undefined) {
      ttsCacheMetrics.hit(this.label);
      return hit(kept, opts.signal);
    }
    ttsCacheMetrics.miss(this.label);
    return this.#miss(key, text, opts);
  }

  warmUp(): Promise<void> {
    return this.#voice.warmUp?.() ?? Promise.resolve();
  }

  close(): Promise<void> {
    return this.#voice.close();
  }

  async *#miss(
    key: string,
    text: string,
    opts: { signal: AbortSignal },
  ): AsyncGenerator<Int16Array, void, undefined> {
    const copies: Int16Array[] = [];
    for await (const chunk of this.#voice.synthesize(text, opts)) {
      // A copy: whoever plays the chunk may reuse its buffer.
      copies.push(chunk.slice());
      yield chunk;
    }
    // A voice that stops quietly on abort has not finished the text.
    if (opts.signal.aborted || copies.length === 0) return;
    this.#cache.set(key, concat(copies));
  }
}

/** Copies of the kept audio (so nobody downstream can change it), in pieces of up to 1 s. */
async function* hit(samples: Int16Array, signal: AbortSignal): AsyncGenerator<Int16Array> {
  for (let at = 0; at < samples.length; at += HIT_CHUNK_SAMPLES) {
    if (signal.aborted) throw abortReason(signal);
    yield samples.slice(at, at + HIT_CHUNK_SAMPLES);
  }
}
