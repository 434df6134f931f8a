/**
 * The systems the benchmark compares, each started as its users run it against the same
 * livekit-server and the same OpenAI-compatible fixture: our agent (one process serves every
 * room) and LiveKit Agents JS 1.9 (a worker that forks a process per job).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess, API_KEY, API_SECRET, LIVEKIT_URL } from '@voice-agent/e2e/stack';
import type { AgentLogLine } from '@voice-agent/e2e/stack';
import { ManagedProcess } from '@voice-agent/e2e/processes';
import { REPO_ROOT } from '@voice-agent/e2e/paths';

export const PEER_DIR = join(REPO_ROOT, 'bench', 'peer');
export const PEER_GREETING = 'Hello, I am here. How can I help?';

export interface SystemSpec {
  /** Short name in tables and JSON. */
  name: string;
  /** What was set, for the report: every non-default setting. */
  settings: string;
  kind: 'ours' | 'peer';
  env: Record<string, string>;
}

export interface RunningSystem {
  spec: SystemSpec;
  /** Root process; its children (the peer's job processes) count towards CPU and memory. */
  pid: number;
  /** Log lines that report trouble (the peer's 'slower than realtime', 'event loop blocked'). */
  warnings(): string[];
  /** Our agent's parsed log lines (none for the peer). */
  logs(): AgentLogLine[];
  stop(): Promise<void>;
}

/**
 * The peer's own package must be installed (bench/peer/install.mjs, which `npm run bench` runs
 * before entering the network namespace: there is no registry in there).
 */
export function assertPeerInstalled(): void {
  if (existsSync(join(PEER_DIR, 'node_modules', '@livekit', 'agents', 'package.json'))) return;
  throw new Error(
    'the peer is not installed: run `node bench/peer/install.mjs` (or npm run bench)',
  );
}

export async function startSystem(
  spec: SystemSpec,
  fixtureEnv: { OPENAI_BASE_URL: string; OPENAI_API_KEY: string },
): Promise<RunningSystem> {
  if (spec.kind === 'ours') {
    const agent = await AgentProcess.start(
      {
        ...fixtureEnv,
        AGENT_STT: 'openai-realtime',
        AGENT_LLM: 'openai',
        AGENT_TTS: 'openai',
        LOG_LEVEL: process.env.BENCH_AGENT_LOG_LEVEL ?? 'info',
        ...spec.env,
      },
      `agent-${spec.name}`,
    );
    return {
      spec,
      pid: agent.proc.pid,
      warnings: () =>
        agent
          .logs()
          .filter((l) => (l as { level?: number }).level! >= 40)
          .map((l) => l.msg),
      logs: () => agent.logs(),
      stop: async () => void (await agent.proc.stop()),
    };
  }
  const proc = new ManagedProcess(
    `peer-${spec.name}`,
    process.execPath,
    [join(PEER_DIR, 'agent.mjs'), 'start', '--log-level', process.env.PEER_LOG_LEVEL ?? 'info'],
    {
      cwd: PEER_DIR,
      env: {
        LIVEKIT_URL,
        LIVEKIT_API_KEY: API_KEY,
        LIVEKIT_API_SECRET: API_SECRET,
        ...fixtureEnv,
        PEER_GREETING,
        ...spec.env,
      },
    },
  );
  await proc.waitForLine((l) => /registered worker/i.test(l), 60_000, 'peer worker registration');
  return {
    spec,
    pid: proc.pid,
    warnings: () =>
      proc.lines.filter((l) => /slower than realtime|event loop|blocked|"level":(40|50)/i.test(l)),
    logs: () => [],
    stop: async () => void (await proc.stop()),
  };
}

/** Every process in the tree under `pid` (the peer forks one per job). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const kids = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    } catch {
      /* gone */
    }
  }
  return out;
}

const TICKS_PER_S = 100;
/** The name, CPU seconds (user + system) and start time (ticks) in a /proc stat line. */
function parseStat(stat: string): { name: string; cpuS: number; started: string } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).trim(),
    cpuS: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S,
    started: fields[19] ?? '',
  };
}

/** CPU seconds (user + system) used so far by `pid` alone. */
export function cpuSeconds(pid: number): number {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).cpuS;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by each thread of `pid`, keyed by thread id and start time (a thread
 * id can be reused), with the thread's name; the process's main thread (where JavaScript runs,
 * for Node) is named `main`. A thread that ended is not in it.
 */
export function threadCpuSeconds(pid: number): Map<string, { name: string; cpuS: number }> {
  const out = new Map<string, { name: string; cpuS: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids.map(Number)) {
    try {
      const t = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      out.set(`${tid}@${t.started}`, { name: tid === pid ? 'main' : t.name, cpuS: t.cpuS });
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}
/** Resident memory of `pid` in MB. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Samples a process tree's CPU and memory: CPU seconds are summed per pid (a job process that
 * ended keeps its last reading), RSS is the peak of the tree's sum. The root process's CPU is
 * also kept per thread (a thread that ended keeps its last reading too), to show where it goes:
 * JavaScript on the main thread, or the native threads of WebRTC and the audio path.
 */
export class TreeMeter {
  readonly #root: number;
  readonly #cpu = new Map<number, number>();
  readonly #threads = new Map<string, { name: string; cpuS: number }>();
  #startThreads = new Map<string, number>();
  #startRootCpu = 0;
  #startCpu = 0;
  #peakRss = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(root: number) {
    this.#root = root;
  }
  start(): void {
    this.#sample();
    this.#startCpu = this.cpu();
    this.#startThreads = new Map([...this.#threads].map(([tid, t]) => [tid, t.cpuS]));
    this.#startRootCpu = this.#cpu.get(this.#root) ?? 0;
    this.#peakRss = 0;
    this.#timer = setInterval(() => this.#sample(), 250);
  }
  /**
   * CPU seconds and peak RSS since start(); `threads`: the root process's CPU seconds since
   * start() by thread name, largest first, adding up to the root's own (to a few ticks).
   */
  stop(): { cpuS: number; peakRssMb: number; threads: [string, number][] } {
    clearInterval(this.#timer);
    this.#sample();
    const byName = new Map<string, number>();
    for (const [tid, t] of this.#threads) {
      const used = t.cpuS - (this.#startThreads.get(tid) ?? 0);
      byName.set(t.name, (byName.get(t.name) ?? 0) + used);
    }
    // Threads that ended between two samples took their last moments with them; the process's
    // own count has them. (Ticks are read thread by thread, so the difference also carries up
    // to a tick per thread either way; a negative one is left out.)
    const rootUsed = (this.#cpu.get(this.#root) ?? 0) - this.#startRootCpu;
    const unsampled = rootUsed - [...byName.values()].reduce((sum, s) => sum + s, 0);
    if (unsampled > 0) byName.set('(threads that ended, unsampled)', unsampled);
    const threads = [...byName].filter(([, s]) => s > 0).sort((a, b) => b[1] - a[1]);
    return { cpuS: this.cpu() - this.#startCpu, peakRssMb: this.#peakRss, threads };
  }
  cpu(): number {
    let sum = 0;
    for (const v of this.#cpu.values()) sum += v;
    return sum;
  }
  #sample(): void {
    for (const [tid, t] of threadCpuSeconds(this.#root)) this.#threads.set(tid, t);
    let rss = 0;
    for (const pid of processTree(this.#root)) {
      const c = cpuSeconds(pid);
      if (c > 0) this.#cpu.set(pid, c);
      rss += rssMb(pid);
    }
    this.#peakRss = Math.max(this.#peakRss, rss);
  }
}
