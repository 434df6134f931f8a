/**
 * VAD cost and behaviour figures: resampler cost, Silero inference per 32 ms window (one stream,
 * and 20-50 streams at once, both flat out and paced in real time), memory per stream, and how
 * noise bursts (cough-like) score. Prints a table per section and one JSON line at the end.
 *
 *   cd agent && node --expose-gc --import tsx bench/vad.bench.ts [--seconds 10]
 *
 * Needs espeak-ng and sox for the audio (see test/vad_audio.ts).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AudioFrame, AudioResampler, AudioResamplerQuality, dispose } from '@livekit/rtc-node';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from '../src/audio/format.js';
import { SileroVad } from '../src/audio/vad.js';
import type { VadEvent, VadStream } from '../src/audio/vad.js';
import { SESSION_OPTIONS, sileroModelPath } from '../src/audio/vad_model.js';
import { PolyphaseResampler } from '../src/audio/vad_resampler.js';
import { layout, soxSynth, speech, whiteNoise } from '../test/vad_audio.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
const SECONDS = Number(values.seconds);
const results: Record<string, unknown> = {};

const gc = (globalThis as { gc?: () => void }).gc;
const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return {
    n: s.length,
    mean: s.reduce((a, b) => a + b, 0) / (s.length || 1),
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
  };
}
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

/** A conversation's worth of test audio: speech with pauses, looped to `seconds`. */
function programme(seconds: number): Int16Array {
  const { samples } = layout([
    { silenceMs: 400 },
    { audio: speech('Hello there, how are you doing today?'), label: 'a' },
    { silenceMs: 700 },
    { audio: speech('Could you book me a table for two at seven?'), label: 'b' },
    { silenceMs: 1200 },
  ]);
  const out = new Int16Array(Math.round(seconds * PIPELINE_SAMPLE_RATE));
  for (let at = 0; at < out.length; at += samples.length)
    out.set(samples.subarray(0, out.length - at), at);
  // Whole frames only.
  return out.subarray(0, out.length - (out.length % SAMPLES_PER_FRAME));
}

// --- resampler -------------------------------------------------------------------------------
/** Mean µs per 10 ms frame of a streaming resampler, timed on a second pass (after the JIT). */
function timeFrames(audio: Int16Array, make: () => (frame: Int16Array) => void): number {
  let us = 0;
  for (let pass = 0; pass < 2; pass++) {
    const push = make();
    const t = performance.now();
    for (let i = 0; i < audio.length; i += SAMPLES_PER_FRAME) {
      push(audio.subarray(i, i + SAMPLES_PER_FRAME));
    }
    us = ((performance.now() - t) * 1000) / (audio.length / SAMPLES_PER_FRAME);
  }
  return us;
}

function benchResamplers(audio: Int16Array) {
  const oursUs = timeFrames(audio, () => {
    const r = new PolyphaseResampler(PIPELINE_SAMPLE_RATE, 16_000);
    return (frame) => void r.push(frame);
  });
  const rtc: Record<string, number> = {};
  for (const [name, q] of [
    ['rtc-node QUICK', AudioResamplerQuality.QUICK],
    ['rtc-node MEDIUM', AudioResamplerQuality.MEDIUM],
    ['rtc-node HIGH', AudioResamplerQuality.HIGH],
  ] as const) {
    const made: AudioResampler[] = [];
    rtc[name] = timeFrames(audio, () => {
      const r = new AudioResampler(PIPELINE_SAMPLE_RATE, 16_000, 1, q);
      made.push(r);
      return (frame) => {
        const copy = frame.slice(); // a fresh array per frame, as an AudioStream delivers
        for (const f of r.push(new AudioFrame(copy, PIPELINE_SAMPLE_RATE, 1, copy.length))) {
          void f.data.length;
        }
      };
    });
    for (const r of made) r.close();
  }
  console.log('\nresampler 24 kHz -> 16 kHz, per 10 ms frame');
  console.table({
    'polyphase (ours, 48 taps/phase)': { us: round(oursUs, 2) },
    ...Object.fromEntries(Object.entries(rtc).map(([k, v]) => [k, { us: round(v, 2) }])),
  });
  results.resamplerUsPerFrame = {
    polyphase: round(oursUs, 2),
    ...Object.fromEntries(Object.entries(rtc).map(([k, v]) => [k, round(v, 2)])),
  };
}

// --- inference -------------------------------------------------------------------------------
interface Run {
  latency: number[];
  events: number;
}

/** Feeds a stream flat out (awaiting each push) and times each push that completed a window. */
async function feedTimed(
  stream: VadStream,
  audio: Int16Array,
  windowsSeen: () => number,
  run: Run,
) {
  for (let i = 0; i < audio.length; i += SAMPLES_PER_FRAME) {
    const before = windowsSeen();
    const t = performance.now();
    const ev: VadEvent[] = await stream.push(audio.subarray(i, i + SAMPLES_PER_FRAME));
    if (windowsSeen() > before) run.latency.push(performance.now() - t);
    run.events += ev.length;
  }
}

async function flatOut(vad: SileroVad, streams: number, audio: Int16Array) {
  const s0 = vad.stats;
  const run: Run = { latency: [], events: 0 };
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async () => {
      let windows = 0;
      const stream = vad.stream({}, () => windows++);
      await feedTimed(stream, audio, () => windows, run);
      stream.close();
    }),
  );
  const wall = performance.now() - t;
  const s1 = vad.stats;
  const windows = s1.windows - s0.windows;
  const lat = stats(run.latency);
  return {
    streams,
    windows,
    'batch mean': round(windows / (s1.runs - s0.runs)),
    'run us/window': round(((s1.runMs - s0.runMs) * 1000) / windows),
    'cpu us/window': round((cpuMs(cpu) * 1000) / windows),
    'window latency mean ms': round(lat.mean, 3),
    'window latency p95 ms': round(lat.p95, 3),
    'x real time': round((streams * audio.length * 1000) / PIPELINE_SAMPLE_RATE / wall),
  };
}

/** N streams, each pushing one 10 ms frame every 10 ms (staggered), as live microphones do. */
async function paced(vad: SileroVad, streams: number, audio: Int16Array) {
  const s0 = vad.stats;
  const run: Run = { latency: [], events: 0 };
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu = process.cpuUsage();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async (_, k) => {
      let windows = 0;
      const stream = vad.stream({}, () => windows++);
      await new Promise((r) => setTimeout(r, (k * 10) / streams));
      const start = performance.now();
      for (let i = 0, f = 0; i < audio.length; i += SAMPLES_PER_FRAME, f++) {
        const due = start + f * 10;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const before = windows;
        const t0 = performance.now();
        run.events += (await stream.push(audio.subarray(i, i + SAMPLES_PER_FRAME))).length;
        if (windows > before) run.latency.push(performance.now() - t0);
      }
      stream.close();
    }),
  );
  const wall = performance.now() - t;
  loop.disable();
  const s1 = vad.stats;
  const windows = s1.windows - s0.windows;
  const lat = stats(run.latency);
  return {
    streams,
    'batch mean': round(windows / (s1.runs - s0.runs)),
    'run us/window': round(((s1.runMs - s0.runMs) * 1000) / windows),
    'window latency mean ms': round(lat.mean, 3),
    'window latency p95 ms': round(lat.p95, 3),
    'cpu % of one core': round((cpuMs(cpu) / wall) * 100),
    'event loop delay p99 ms': round(loop.percentile(99) / 1e6, 2),
  };
}

// --- session options -------------------------------------------------------------------------
/** Raw session.run cost of the alternatives, on private sessions (not the shared one). */
async function sessionOptions() {
  const variants: Record<string, InferenceSession.SessionOptions> = {
    'ours (1 thread, no spin, opt all)': SESSION_OPTIONS,
    '2 intra-op threads': { ...SESSION_OPTIONS, intraOpNumThreads: 2 },
    'opt basic': { ...SESSION_OPTIONS, graphOptimizationLevel: 'basic' },
    'opt disabled': { ...SESSION_OPTIONS, graphOptimizationLevel: 'disabled' },
    'onnxruntime defaults': {},
  };
  const rows: Record<string, unknown>[] = [];
  for (const [name, opts] of Object.entries(variants)) {
    const session = await InferenceSession.create(sileroModelPath(), opts);
    const sr = new Tensor('int64', BigInt64Array.from([16_000n]), []);
    for (const b of [1, 50]) {
      const input = Float32Array.from({ length: b * 576 }, (_, i) => 0.05 * Math.sin(i / 5));
      const feeds = () => ({
        input: new Tensor('float32', input, [b, 576]),
        state: new Tensor('float32', new Float32Array(b * 256), [2, b, 128]),
        sr,
      });
      for (let i = 0; i < 50; i++) await session.run(feeds());
      const n = 300;
      const times: number[] = [];
      const cpu = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await session.run(feeds());
        times.push(performance.now() - t);
      }
      const cpuPerRun = cpuMs(cpu) / n;
      const t = stats(times);
      rows.push({
        options: name,
        batch: b,
        'run mean ms': round(t.mean, 3),
        'run p95 ms': round(t.p95, 3),
        'us/window': round((t.mean * 1000) / b),
        'cpu us/window': round((cpuPerRun * 1000) / b),
      });
    }
    await session.release();
  }
  return rows;
}

// --- memory ----------------------------------------------------------------------------------
async function memoryPerStream(vad: SileroVad) {
  const n = 2000;
  // Several collections: off-heap backing stores are freed after the GC that finds them dead.
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      gc?.();
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await settle();
  const before = process.memoryUsage();
  const streams = Array.from({ length: n }, () => vad.stream());
  // A window's worth of 10 ms frames through each, so every buffer is in use.
  for (let f = 0; f < 4; f++) {
    await Promise.all(streams.map((s) => s.push(new Int16Array(SAMPLES_PER_FRAME))));
  }
  await settle();
  const after = process.memoryUsage();
  const per = (k: 'heapUsed' | 'arrayBuffers' | 'rss') => Math.round((after[k] - before[k]) / n);
  for (const s of streams) s.close();
  return {
    streams: n,
    'heap B/stream': per('heapUsed'),
    'arrayBuffers B/stream': per('arrayBuffers'),
    'rss B/stream': per('rss'),
    gc: gc ? 'forced' : 'not exposed (run with --expose-gc)',
  };
}

// --- noise bursts ----------------------------------------------------------------------------
async function bursts(vad: SileroVad) {
  const env = ['fade', 'q', '0.015', '0.3', '0.2'];
  const cases: [string, Int16Array][] = [
    [
      'white 300 ms, -6 dBFS peak',
      soxSynth('white', ['synth', '0.3', 'whitenoise', ...env, 'norm', '-6']),
    ],
    [
      'brown 300 ms, -6 dBFS peak',
      soxSynth('brown', ['synth', '0.3', 'brownnoise', ...env, 'norm', '-6']),
    ],
    [
      'pink 200-4000 Hz 300 ms (cough-like)',
      soxSynth('cough', ['synth', '0.3', 'pinknoise', 'sinc', '200-4000', ...env, 'norm', '-3']),
    ],
    [
      'two 150 ms pink bursts (cough, cough)',
      soxSynth('cough2', [
        'synth',
        '0.15',
        'pinknoise',
        'sinc',
        '200-4000',
        'fade',
        'q',
        '0.01',
        '0.15',
        '0.1',
        'norm',
        '-3',
        'pad',
        '0',
        '0.08',
        'repeat',
        '1',
      ]),
    ],
    [
      'voiced 300 ms: 150 Hz sawtooth + pink noise (throat-clear-like)',
      soxSynth('voiced', [
        'synth',
        '0.3',
        'sawtooth',
        '150',
        'pinknoise',
        'mix',
        'sinc',
        '200-4000',
        ...env,
        'norm',
        '-3',
      ]),
    ],
    [
      'door-like: brown 80 ms thump',
      soxSynth('thump', [
        'synth',
        '0.08',
        'brownnoise',
        'fade',
        'q',
        '0.002',
        '0.08',
        '0.07',
        'norm',
        '-1',
      ]),
    ],
    ['reference: speech "yes"', speech('Yes.')],
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [label, audio] of cases) {
    for (const bg of [0, 104]) {
      const { samples } = layout([{ silenceMs: 500 }, { audio, label }, { silenceMs: 800 }]);
      if (bg) {
        const noise = whiteNoise((samples.length * 1000) / PIPELINE_SAMPLE_RATE, bg, 11);
        for (let i = 0; i < samples.length; i++)
          samples[i] = Math.max(-32768, Math.min(32767, samples[i]! + noise[i]!));
      }
      let max = 0;
      let over = 0;
      const stream = vad.stream({}, (w) => {
        max = Math.max(max, w.probability);
        if (w.probability >= 0.5) over++;
      });
      const events: VadEvent[] = [];
      for (let i = 0; i < samples.length; i += SAMPLES_PER_FRAME)
        events.push(...(await stream.push(samples.subarray(i, i + SAMPLES_PER_FRAME))));
      stream.close();
      rows.push({
        burst: label,
        background: bg ? '-50 dBFS white' : 'silence',
        'max p': round(max, 3),
        'windows >= 0.5': over,
        'start fired (minSpeech 100)': events.some((e) => e.type === 'start'),
      });
    }
  }
  return rows;
}

// --- main ------------------------------------------------------------------------------------
const audio = programme(SECONDS);
benchResamplers(audio);
await dispose();

const rssBefore = process.memoryUsage().rss;
const tLoad = performance.now();
const vad = await SileroVad.load();
results.loadMs = round(performance.now() - tLoad);
results.sessionRssMb = round((process.memoryUsage().rss - rssBefore) / 2 ** 20);
await flatOut(vad, 1, audio.subarray(0, 24_000)); // warm-up

console.log(`\nSilero inference per 32 ms window, flat out (${SECONDS} s of audio per stream)`);
const flat = [];
for (const n of [1, 20, 35, 50]) flat.push(await flatOut(vad, n, audio));
console.table(flat);
results.flatOut = flat;

const pacedSeconds = Math.min(SECONDS, 10);
console.log(`\nreal-time paced (${pacedSeconds} s, 10 ms frames per stream, staggered)`);
const live = [];
for (const n of [1, 20, 35, 50])
  live.push(await paced(vad, n, audio.subarray(0, pacedSeconds * PIPELINE_SAMPLE_RATE)));
console.table(live);
results.paced = live;

console.log('\nsession options: raw session.run cost');
const sess = await sessionOptions();
console.table(sess);
results.sessionOptions = sess;

console.log('\nmemory');
const mem = await memoryPerStream(vad);
console.table([{ 'load ms': results.loadMs, 'session rss MB': results.sessionRssMb, ...mem }]);
results.memory = mem;

console.log('\nnoise bursts (default options: activation 0.5, minSpeech 100 ms)');
const b = await bursts(vad);
console.table(b);
results.bursts = b;

console.log(JSON.stringify({ bench: 'vad', ...results }));
