/**
 * The Go load generator (bench/loadgen): many simulated people in one cheap process. Each
 * question is encoded to Ogg Opus once (opusenc); the generator sends the packets in real time
 * and times the agent's reply from the size of its RTP packets, without decoding them.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from '@voice-agent/e2e/paths';
import { API_KEY, API_SECRET, LIVEKIT_URL } from '@voice-agent/e2e/stack';
import { timeline, TEST_SAMPLE_RATE, writeTimelineWav } from '@voice-agent/e2e/speech';

const SOURCE = join(REPO_ROOT, 'bench', 'loadgen');
const BINARY = join(REPO_ROOT, '.cache', 'bin', 'loadgen');
const GO = process.env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');

/** Builds the generator (Go's build cache makes a rebuild of unchanged sources instant). */
export function buildLoadgen(): string {
  execFileSync(GO, ['build', '-o', BINARY, '.'], { cwd: SOURCE, stdio: 'inherit' });
  return BINARY;
}

/** `path.opus:endMs` per question: the same clip askAndHear plays (100 ms, speech, 300 ms). */
export function encodeQuestions(questions: readonly string[]): string[] {
  const dir = join(CACHE_DIR, 'loadgen');
  mkdirSync(dir, { recursive: true });
  return questions.map((q, i) => {
    const t = timeline([{ silenceMs: 100 }, { say: q }, { silenceMs: 300 }]);
    const wav = writeTimelineWav(t, join(dir, `q${i}.wav`));
    const opus = join(dir, `q${i}.opus`);
    execFileSync(
      'opusenc',
      ['--quiet', '--bitrate', '32', '--framesize', '20', '--max-delay', '0', wav, opus],
      { stdio: 'pipe' },
    );
    const endMs = Math.round((t.segments[0]!.endSample * 1000) / TEST_SAMPLE_RATE);
    return `${opus}:${endMs}`;
  });
}

export interface LoadgenTurn {
  person: number;
  turn: number;
  v2vMs?: number;
  unanswered?: boolean;
  overSpeakerMs?: number;
}

export interface LoadgenResult {
  turns: LoadgenTurn[];
  errors: string[];
  cpuPct: number;
  cpuPerPersonPct: number;
  agentPayloadBytes?: Record<string, number>;
}

export async function runLoadgen(opts: {
  people: number;
  turns: number;
  periodMs: number;
  prefix: string;
  questions: string[];
  sizes?: boolean;
}): Promise<LoadgenResult> {
  const args = [
    `-url=${LIVEKIT_URL}`,
    `-api-key=${API_KEY}`,
    `-api-secret=${API_SECRET}`,
    `-people=${opts.people}`,
    `-turns=${opts.turns}`,
    `-period-ms=${opts.periodMs}`,
    `-prefix=${opts.prefix}`,
    `-questions=${opts.questions.join(',')}`,
    ...(opts.sizes ? ['-sizes'] : []),
  ];
  const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const result: LoadgenResult = { turns: [], errors: [], cpuPct: NaN, cpuPerPersonPct: NaN };
  for await (const line of createInterface({ input: child.stdout })) {
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o.summary) {
      result.cpuPct = o.cpuPct as number;
      result.cpuPerPersonPct = o.cpuPerPersonPct as number;
      if (o.agentPayloadBytes)
        result.agentPayloadBytes = o.agentPayloadBytes as Record<string, number>;
    } else if (typeof o.error === 'string') result.errors.push(`person ${o.person}: ${o.error}`);
    else if (typeof o.turn === 'number') result.turns.push(o as unknown as LoadgenTurn);
  }
  const code = await new Promise<number | null>((res) => child.on('exit', res));
  if (code !== 0) throw new Error(`loadgen exited with ${code}`);
  return result;
}
