/**
 * The systems the benchmark compares, each started as its users run it against the same
 * livekit-server and the same OpenAI-compatible fixture: our agent (one process serves every
 * room) and LiveKit Agents JS 1.9 (a worker that forks a process per job).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentProcess, API_KEY, API_SECRET, LIVEKIT_URL } from '../../e2e/src/stack.js';
import { ManagedProcess } from '../../e2e/src/processes.js';
import { REPO_ROOT } from '../../e2e/src/paths.js';

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
/** CPU seconds (user + system) used so far by `pid` alone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return 0;
  }
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
 * ended keeps its last reading), RSS is the peak of the tree's sum.
 */
export class TreeMeter {
  readonly #root: number;
  readonly #cpu = new Map<number, number>();
  #startCpu = 0;
  #peakRss = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(root: number) {
    this.#root = root;
  }
  start(): void {
    this.#sample();
    this.#startCpu = this.cpu();
    this.#peakRss = 0;
    this.#timer = setInterval(() => this.#sample(), 250);
  }
  stop(): { cpuS: number; peakRssMb: number } {
    clearInterval(this.#timer);
    this.#sample();
    return { cpuS: this.cpu() - this.#startCpu, peakRssMb: this.#peakRss };
  }
  cpu(): number {
    let sum = 0;
    for (const v of this.#cpu.values()) sum += v;
    return sum;
  }
  #sample(): void {
    let rss = 0;
    for (const pid of processTree(this.#root)) {
      const c = cpuSeconds(pid);
      if (c > 0) this.#cpu.set(pid, c);
      rss += rssMb(pid);
    }
    this.#peakRss = Math.max(this.#peakRss, rss);
  }
}
