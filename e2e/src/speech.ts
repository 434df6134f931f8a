import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav, parseWav } from '@voice-agent/common/wav';
import type { ReferenceUtterance } from '@voice-agent/fixtures';
import { CACHE_DIR } from './paths.js';
import { seededRandom } from './stats.js';

/** Rate of every test signal: what WebRTC carries (Opus at 48 kHz). */
export const TEST_SAMPLE_RATE = 48_000;
/** Sample magnitude that counts as sound when locating speech inside an utterance. */
const SPEECH_FLOOR = 300;

const key = (what: string) => createHash('sha1').update(what).digest('hex').slice(0, 16);

/** A spoken phrase, made by espeak-ng and converted by sox to 48 kHz mono 16-bit (cached). */
export function utterance(text: string, voice = 'en-us'): Int16Array {
  const dir = join(CACHE_DIR, 'utterances');
  mkdirSync(dir, { recursive: true });
  const name = key(`${voice}\0${text}`);
  const out = join(dir, `${name}.wav`);
  if (!existsSync(out)) {
    const raw = join(dir, `${name}.raw.wav`);
    try {
      execFileSync('espeak-ng', ['-v', voice, '-s', '165', '-w', raw, text], { stdio: 'pipe' });
      execFileSync('sox', ['-R', raw, '-r', String(TEST_SAMPLE_RATE), '-c', '1', '-b', '16', out], {
        stdio: 'pipe',
      });
    } catch (err) {
      throw new Error(
        `could not synthesise a test utterance: ${(err as Error).message}\n` +
          'the e2e tests need espeak-ng and sox (apt-get install -y espeak-ng sox)',
      );
    }
  }
  const wav = parseWav(readFileSync(out));
  if (wav.sampleRate !== TEST_SAMPLE_RATE || wav.channels !== 1)
    throw new Error(`bad utterance ${out}`);
  return wav.samples;
}

/** How a microphone delivers its samples (interleaved when stereo). */
export interface MicFormat {
  sampleRate: number;
  channels: 1 | 2;
}

/**
 * utterance() as a different microphone would deliver it: resampled by sox to `format` (a
 * stereo one carries the voice on both channels, the right one 6 dB quieter, as a mic off to
 * one side), after `gainDb` of gain, clipped at full scale as a microphone's converter clips
 * (sox warns and clips; 20 dB hard-clips most of espeak's voice).
 */
export function utteranceAs(
  text: string,
  format: MicFormat,
  opts: { gainDb?: number; voice?: string } = {},
): Int16Array {
  const dir = join(CACHE_DIR, 'utterances');
  const source = join(dir, `${key(`${opts.voice ?? 'en-us'}\0${text}`)}.wav`);
  utterance(text, opts.voice); // makes `source`
  const gainDb = opts.gainDb ?? 0;
  const out = join(
    dir,
    `${key(`${source}\0${format.sampleRate}\0${format.channels}\0${gainDb}`)}.wav`,
  );
  if (!existsSync(out)) {
    const effects = [
      ...(gainDb ? ['gain', String(gainDb)] : []),
      ...(format.channels === 2 ? ['remix', '1', '1v0.5'] : []),
      'rate',
      String(format.sampleRate),
    ];
    execFileSync('sox', ['-R', source, '-b', '16', out, ...effects], { stdio: 'pipe' });
  }
  const wav = parseWav(readFileSync(out));
  if (wav.sampleRate !== format.sampleRate || wav.channels !== format.channels)
    throw new Error(`bad utterance ${out}`);
  return wav.samples;
}

/**
 * The fixture's reference utterances for what the simulated people say: each text as
 * utterance() says it. The fixture answers a segment that is clearly one of them at once, where
 * its phone decoder takes 65-285 ms (a 1.7 s question: 175-285 ms on an idle machine), more than
 * the STT delay a bench scripts, and misses some short words.
 */
export function referenceUtterances(
  texts: readonly string[],
  voice?: string,
): ReferenceUtterance[] {
  return texts.map((text) => ({
    text,
    samples: utterance(text, voice),
    sampleRate: TEST_SAMPLE_RATE,
  }));
}

/**
 * A stretch of silence, or an utterance. `trim` cuts espeak-ng's leading and trailing silence,
 * so the silences around it are exactly the pauses a listener hears between words.
 */
export type Part = { silenceMs: number } | { say: string; voice?: string; trim?: boolean };

export interface Segment {
  text: string;
  /** First and last sample of actual speech (espeak pads with silence), in the timeline. */
  startSample: number;
  endSample: number;
}

export interface Timeline {
  samples: Int16Array;
  segments: Segment[];
  durationMs: number;
}

/** Lays out utterances and silences; records exactly where each utterance's speech lies. */
export function timeline(parts: Part[]): Timeline {
  const chunks: Int16Array[] = [];
  const segments: Segment[] = [];
  let at = 0;
  for (const part of parts) {
    if ('silenceMs' in part) {
      const n = Math.round((part.silenceMs * TEST_SAMPLE_RATE) / 1000);
      chunks.push(new Int16Array(n));
      at += n;
    } else {
      const full = utterance(part.say, part.voice);
      let first = 0;
      while (first < full.length && Math.abs(full[first]!) < SPEECH_FLOOR) first++;
      let last = full.length - 1;
      while (last > first && Math.abs(full[last]!) < SPEECH_FLOOR) last--;
      const s = part.trim ? full.subarray(first, last + 1) : full;
      const lead = part.trim ? 0 : first;
      const end = lead + (last - first);
      segments.push({ text: part.say, startSample: at + lead, endSample: at + end });
      chunks.push(s);
      at += s.length;
    }
  }
  const samples = new Int16Array(at);
  let off = 0;
  for (const c of chunks) {
    samples.set(c, off);
    off += c.length;
  }
  return { samples, segments, durationMs: (at * 1000) / TEST_SAMPLE_RATE };
}

/** Writes a timeline as a WAV file (e.g. for Chromium's fake microphone). */
export function writeTimelineWav(t: Timeline, path: string): string {
  writeFileSync(path, encodeWav({ samples: t.samples, sampleRate: TEST_SAMPLE_RATE, channels: 1 }));
  return path;
}

/** One labelled noise event with 100 ms of silence either side. */
function burst(label: string, samples: Int16Array): Timeline {
  const lead = Math.round(TEST_SAMPLE_RATE * 0.1);
  const out = new Int16Array(lead + samples.length + lead);
  out.set(samples, lead);
  return {
    samples: out,
    segments: [{ text: label, startSample: lead, endSample: lead + samples.length - 1 }],
    durationMs: (out.length * 1000) / TEST_SAMPLE_RATE,
  };
}

const clip = (v: number) => Math.max(-32768, Math.min(32767, Math.round(v)));

/** A cough-like burst: 300 ms of noise with a fast attack and a decay, about -12 dBFS peak. */
export function cough(seed = 7): Timeline {
  const rand = seededRandom(seed);
  const n = Math.round(TEST_SAMPLE_RATE * 0.3);
  const samples = new Int16Array(n);
  let lp = 0;
  for (let i = 0; i < n; i++) {
    const env =
      Math.min(1, i / (TEST_SAMPLE_RATE * 0.01)) * Math.exp(-i / (TEST_SAMPLE_RATE * 0.1));
    lp = 0.7 * lp + 0.3 * (rand() * 2 - 1); // a little low-passed, like breath
    samples[i] = clip(lp * env * 8_000 * 2.5);
  }
  return burst('cough', samples);
}

/**
 * A door slamming: a sharp broadband click (5 ms of white noise near full scale, decaying
 * within ~2 ms) and then 200 ms of low rumble (heavily low-passed noise, decaying).
 */
export function doorSlam(seed = 11): Timeline {
  const rand = seededRandom(seed);
  const click = Math.round(TEST_SAMPLE_RATE * 0.005);
  const rumble = Math.round(TEST_SAMPLE_RATE * 0.2);
  const samples = new Int16Array(click + rumble);
  for (let i = 0; i < click; i++) {
    samples[i] = clip((rand() * 2 - 1) * 28_000 * Math.exp(-i / (TEST_SAMPLE_RATE * 0.002)));
  }
  let lp = 0;
  let lp2 = 0;
  for (let i = 0; i < rumble; i++) {
    lp = 0.97 * lp + 0.03 * (rand() * 2 - 1);
    lp2 = 0.97 * lp2 + 0.03 * lp;
    const env = Math.exp(-i / (TEST_SAMPLE_RATE * 0.06));
    samples[click + i] = clip(lp2 * env * 150_000);
  }
  return burst('door', samples);
}
