import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav, parseWav } from '@voice-agent/common/wav';
import { CACHE_DIR } from './paths.js';

/** Rate of every test signal: what WebRTC carries (Opus at 48 kHz). */
export const TEST_SAMPLE_RATE = 48_000;
/** Sample magnitude that counts as sound when locating speech inside an utterance. */
const SPEECH_FLOOR = 300;

/** A spoken phrase, made by espeak-ng and converted by sox to 48 kHz mono 16-bit (cached). */
export function utterance(text: string, voice = 'en-us'): Int16Array {
  const dir = join(CACHE_DIR, 'utterances');
  mkdirSync(dir, { recursive: true });
  const key = createHash('sha1').update(`${voice}\0${text}`).digest('hex').slice(0, 16);
  const out = join(dir, `${key}.wav`);
  if (!existsSync(out)) {
    const raw = join(dir, `${key}.raw.wav`);
    try {
      execFileSync('espeak-ng', ['-v', voice, '-s', '165', '-w', raw, text], { stdio: 'pipe' });
      execFileSync('sox', [raw, '-r', String(TEST_SAMPLE_RATE), '-c', '1', '-b', '16', out], {
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

export type Part = { silenceMs: number } | { say: string };

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
      const s = utterance(part.say);
      let first = 0;
      while (first < s.length && Math.abs(s[first]!) < SPEECH_FLOOR) first++;
      let last = s.length - 1;
      while (last > first && Math.abs(s[last]!) < SPEECH_FLOOR) last--;
      segments.push({ text: part.say, startSample: at + first, endSample: at + last });
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
