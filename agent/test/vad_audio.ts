/**
 * Test audio for the VAD: real speech from espeak-ng, resampled by sox straight to the pipeline
 * rate (rtc-node's resampler would keep the test process alive), laid out with silences at known
 * sample positions. Needs espeak-ng and sox (apt-get install -y espeak-ng sox).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWav } from '@voice-agent/common/wav';
import { PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from '../src/audio/format.js';
import type { VadEvent, VadStream } from '../src/audio/vad.js';

const CACHE = join(tmpdir(), 'voice-agent-vad-tests');
/** Sample magnitude that counts as sound when trimming espeak's padding. */
const SPEECH_FLOOR = 300;

export const msToSamples = (ms: number) => Math.round((ms * PIPELINE_SAMPLE_RATE) / 1000);
export const samplesToMs = (n: number) => (n * 1000) / PIPELINE_SAMPLE_RATE;

function cached(key: string, make: (out: string) => void): Int16Array {
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `${createHash('sha1').update(key).digest('hex').slice(0, 16)}.wav`);
  if (!existsSync(out)) {
    // Test files run in parallel processes: write privately, then rename into place.
    const tmp = `${out}.${process.pid}.wav`;
    try {
      make(tmp);
      renameSync(tmp, out);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new Error(
        `could not make test audio: ${(err as Error).message}\n` +
          'the VAD tests need espeak-ng and sox (apt-get install -y espeak-ng sox)',
      );
    }
  }
  const wav = parseWav(readFileSync(out));
  if (wav.sampleRate !== PIPELINE_SAMPLE_RATE || wav.channels !== 1) {
    throw new Error(`test audio ${out} is not ${PIPELINE_SAMPLE_RATE} Hz mono`);
  }
  return wav.samples;
}

/** A spoken phrase at the pipeline rate, trimmed to its first and last audible sample. */
export function speech(text: string): Int16Array {
  const s = cached(`speech\0${text}`, (out) => {
    const raw = `${out}.raw.wav`;
    try {
      execFileSync('espeak-ng', ['-v', 'en-us', '-s', '165', '-w', raw, text], { stdio: 'pipe' });
      execFileSync(
        'sox',
        ['-R', raw, '-r', String(PIPELINE_SAMPLE_RATE), '-c', '1', '-b', '16', out],
        {
          stdio: 'pipe',
        },
      );
    } finally {
      rmSync(raw, { force: true });
    }
  });
  let first = 0;
  while (first < s.length && Math.abs(s[first]!) < SPEECH_FLOOR) first++;
  let last = s.length - 1;
  while (last > first && Math.abs(s[last]!) < SPEECH_FLOOR) last--;
  return s.slice(first, last + 1);
}

/** Audio made by sox from an effect chain (`sox -n ... synth ...`), e.g. a noise burst. */
export function soxSynth(name: string, effects: string[]): Int16Array {
  return cached(`sox\0${name}\0${effects.join(' ')}`, (out) => {
    const args = ['-n', '-r', String(PIPELINE_SAMPLE_RATE), '-c', '1', '-b', '16', out];
    execFileSync('sox', [...args, ...effects], { stdio: 'pipe' });
  });
}

export type Part = { silenceMs: number } | { audio: Int16Array; label: string };

export interface Placed {
  label: string;
  /** Where the part's audio begins and ends in the timeline, ms. */
  startMs: number;
  endMs: number;
}

/** Concatenates parts; records where each non-silent part lies. */
export function layout(parts: Part[]): { samples: Int16Array; placed: Placed[] } {
  const total = parts.reduce(
    (n, p) => n + ('silenceMs' in p ? msToSamples(p.silenceMs) : p.audio.length),
    0,
  );
  const samples = new Int16Array(total);
  const placed: Placed[] = [];
  let at = 0;
  for (const p of parts) {
    if ('silenceMs' in p) {
      at += msToSamples(p.silenceMs);
    } else {
      samples.set(p.audio, at);
      placed.push({
        label: p.label,
        startMs: samplesToMs(at),
        endMs: samplesToMs(at + p.audio.length),
      });
      at += p.audio.length;
    }
  }
  return { samples, placed };
}

/** Deterministic white noise at a given RMS (16-bit units). */
export function whiteNoise(ms: number, rms: number, seed = 1): Int16Array {
  let x = seed >>> 0 || 1;
  const rand = () => {
    // xorshift32, then a sum of uniforms (close enough to Gaussian).
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const out = new Int16Array(msToSamples(ms));
  for (let i = 0; i < out.length; i++) {
    const g = (rand() + rand() + rand() + rand() - 2) * Math.sqrt(3);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(g * rms)));
  }
  return out;
}

/** Pushes audio in 10 ms pipeline frames, awaiting each push as the conversation loop does. */
export async function feed(stream: VadStream, samples: Int16Array): Promise<VadEvent[]> {
  const events: VadEvent[] = [];
  for (let i = 0; i < samples.length; i += SAMPLES_PER_FRAME) {
    events.push(...(await stream.push(samples.subarray(i, i + SAMPLES_PER_FRAME))));
  }
  return events;
}
