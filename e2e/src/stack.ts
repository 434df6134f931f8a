import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET, personaMetadata } from '@voice-agent/common';
import {
  AccessToken,
  RoomAgentDispatch,
  RoomConfiguration,
  RoomServiceClient,
} from 'livekit-server-sdk';
// The project's own installer, shared with `npm run dev` and CI.
import { ensureLivekitServer, livekitConfigPath } from '../../scripts/livekit-server.mjs';
import { ManagedProcess } from './processes.js';
import { LOG_DIR, REPO_ROOT } from './paths.js';
import { parse, stringify } from 'yaml';

/** Address of livekit-server inside the test's private namespace. */
export const SERVER_IP = process.env.VA_SERVER_IP ?? '10.77.0.1';
export const LIVEKIT_URL = `ws://${SERVER_IP}:7880`;
export const API_KEY = DEV_LIVEKIT_API_KEY;
export const API_SECRET = DEV_LIVEKIT_API_SECRET;

/** e2e suites run only inside the namespace made by `run-in-netns.mjs` (`npm test` does that). */
export function assertInNamespace(): void {
  if (!process.env.VA_NETNS) {
    throw new Error(
      'e2e tests must run inside their private network namespace: use `npm test` ' +
        "(or `npm test -w e2e`), which creates it. They never touch this machine's own addresses.",
    );
  }
}

export function roomService(port = 7880): RoomServiceClient {
  return new RoomServiceClient(`http://${SERVER_IP}:${port}`, API_KEY, API_SECRET);
}

export async function participantToken(
  room: string,
  identity: string,
  name: string,
  extra: { roomAdmin?: boolean; persona?: string; agentName?: string } = {},
): Promise<string> {
  const token = new AccessToken(API_KEY, API_SECRET, { identity, name, ttl: '10m' });
  token.addGrant({
    roomJoin: true,
    room,
    canPublish: true,
    canSubscribe: true,
    canPublishData: true,
    ...(extra.roomAdmin ? { roomAdmin: true } : {}),
  });
  if (extra.persona !== undefined || extra.agentName !== undefined) {
    // As the web app's token route does: the room's agent (automatic dispatch, or the named
    // agent), with a persona.
    token.roomConfig = new RoomConfiguration({
      agents: [
        new RoomAgentDispatch({
          agentName: extra.agentName ?? '',
          ...(extra.persona !== undefined ? { metadata: personaMetadata(extra.persona) } : {}),
        }),
      ],
    });
  }
  return token.toJwt();
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, timeoutMs: number, proc: ManagedProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline)
      throw new Error(`${url} not up within ${timeoutMs} ms\n${proc.tail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One livekit-server's ports and, for distributed mode, the Redis they share. */
export interface LivekitNodeOptions {
  /** Log name (e2e/.logs/<name>.log); also tells nodes apart. */
  name?: string;
  /** Signal/HTTP port; the RTC TCP port is port + 1 and the media UDP port port + 2. */
  port?: number;
  /** host:port of a Redis: nodes sharing one form a cluster (LiveKit's distributed mode). */
  redisAddress?: string;
}

/** ws:// URL of the livekit-server listening on `port` in the namespace. */
export const livekitUrl = (port: number): string => `ws://${SERVER_IP}:${port}`;

/**
 * livekit-server with the top-level livekit.yaml, bound to the namespace's server address. With
 * options, that file's settings with other ports and a Redis, written to e2e/.logs/<name>.yaml.
 */
export async function startLivekit(opts: LivekitNodeOptions = {}): Promise<ManagedProcess> {
  assertInNamespace();
  const { name = 'livekit-server', port = 7880, redisAddress } = opts;
  let configPath = livekitConfigPath;
  if (port !== 7880 || redisAddress !== undefined) {
    const config = parse(readFileSync(livekitConfigPath, 'utf8')) as Record<string, unknown>;
    const rtc = config.rtc as Record<string, unknown>;
    Object.assign(config, {
      port,
      rtc: { ...rtc, tcp_port: port + 1, udp_port: port + 2, node_ip: SERVER_IP },
      ...(redisAddress !== undefined ? { redis: { address: redisAddress } } : {}),
    });
    mkdirSync(LOG_DIR, { recursive: true });
    configPath = join(LOG_DIR, `${name}.yaml`);
    writeFileSync(configPath, stringify(config));
  }
  const proc = new ManagedProcess(name, ensureLivekitServer(), [
    '--config',
    configPath,
    '--bind',
    SERVER_IP,
    '--node-ip',
    SERVER_IP,
  ]);
  await waitForHttp(`http://${SERVER_IP}:${port}/`, 15_000, proc);
  return proc;
}

/**
 * Debian's redis-server on the namespace's server address (a free port, nothing kept on disk):
 * what agent workers share with REDIS_URL. Resolves with that URL.
 */
export async function startRedis(): Promise<{ proc: ManagedProcess; url: string }> {
  assertInNamespace();
  const port = await freePort(SERVER_IP);
  const proc = new ManagedProcess('redis-server', 'redis-server', [
    '--bind',
    SERVER_IP,
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
    // Not loopback, and no password: only the namespace can reach it.
    '--protected-mode',
    'no',
  ]);
  await proc.waitForLine((l) => l.includes('Ready to accept connections'), 10_000, 'redis ready');
  return { proc, url: `redis://${SERVER_IP}:${port}` };
}

/** A parsed pino line of the agent's log. */
export interface AgentLogLine {
  msg: string;
  time: number;
  room?: string;
  jobId?: string;
  [field: string]: unknown;
}

/** The agent's memory at one moment, in MB. */
export interface AgentMemory {
  /** Resident set, and its two parts: anonymous (heaps, buffers) and file-backed (mapped code). */
  rss: number;
  anon: number;
  file: number;
  /** V8's heap: in use (garbage not yet collected included), and reserved from the system. */
  heapUsed: number;
  heapTotal: number;
  /** Memory held for JS objects outside the V8 heap (Buffers, ArrayBuffers). */
  external: number;
}

/** One sample's value from Prometheus text, `series` as written there (name and labels). */
export function metricValue(text: string, series: string): number {
  const at = text.split('\n').find((l) => l.startsWith(`${series} `));
  return at ? Number(at.slice(series.length + 1)) : NaN;
}

export interface AgentStatus {
  connected: boolean;
  load: number;
  jobs: { id: string; room: string }[];
}

/** The built agent (`agent/dist/main.js`), as production runs it. */
export class AgentProcess {
  readonly proc: ManagedProcess;
  readonly statusUrl: string;

  private constructor(proc: ManagedProcess, statusUrl: string) {
    this.proc = proc;
    this.statusUrl = statusUrl;
  }

  static async start(env: Record<string, string> = {}, name = 'agent'): Promise<AgentProcess> {
    assertInNamespace();
    const port = await freePort();
    const proc = new ManagedProcess(
      name,
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        // As agent/Dockerfile and `npm start` run it: a young generation of at most 8 MB.
        '--max-semi-space-size=4',
        // Extra node flags for profiling, e.g. VA_AGENT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/p"
        ...(process.env.VA_AGENT_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        // Another build of the agent to measure against (e.g. a copy of main's, for before/after).
        process.env.VA_AGENT_MAIN ?? join(REPO_ROOT, 'agent', 'dist', 'main.js'),
      ],
      {
        cwd: join(REPO_ROOT, 'agent'),
        env: {
          NODE_ENV: 'test',
          LIVEKIT_URL,
          LIVEKIT_API_KEY: API_KEY,
          LIVEKIT_API_SECRET: API_SECRET,
          AGENT_HTTP_PORT: String(port),
          LOG_LEVEL: 'debug',
          ...env,
        },
      },
    );
    const agent = new AgentProcess(proc, `http://127.0.0.1:${port}/status`);
    await agent.waitForLog((l) => l.msg === 'worker registered', 20_000, 'worker registration');
    return agent;
  }

  logs(): AgentLogLine[] {
    const out: AgentLogLine[] = [];
    for (const line of this.proc.lines) {
      if (!line.startsWith('{')) continue;
      try {
        out.push(JSON.parse(line) as AgentLogLine);
      } catch {
        /* not JSON */
      }
    }
    return out;
  }

  async waitForLog(
    match: (l: AgentLogLine) => boolean,
    timeoutMs: number,
    what = 'log line',
  ): Promise<AgentLogLine> {
    const line = await this.proc.waitForLine(
      (raw) => {
        if (!raw.startsWith('{')) return false;
        try {
          return match(JSON.parse(raw) as AgentLogLine);
        } catch {
          return false;
        }
      },
      timeoutMs,
      what,
    );
    return JSON.parse(line) as AgentLogLine;
  }

  /** The agent's /metrics (Prometheus text). */
  async metrics(): Promise<string> {
    return (await fetch(this.statusUrl.replace(/\/status$/, '/metrics'))).text();
  }

  /** RSS and its parts from /proc, the heap figures from the agent's own /metrics. */
  async memory(): Promise<AgentMemory> {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    const kb = (field: string) =>
      Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
    const text = await this.metrics();
    const mb = (name: string) => metricValue(text, name) / 2 ** 20;
    return {
      rss: kb('VmRSS'),
      anon: kb('RssAnon'),
      file: kb('RssFile') + kb('RssShmem'),
      heapUsed: mb('nodejs_heap_size_used_bytes'),
      heapTotal: mb('nodejs_heap_size_total_bytes'),
      external: mb('nodejs_external_memory_bytes'),
    };
  }

  /** The worker's /status: registered or not, its load (jobs / AGENT_MAX_JOBS) and its jobs. */
  async status(): Promise<AgentStatus> {
    const res = await fetch(this.statusUrl);
    return (await res.json()) as AgentStatus;
  }
}

/** The built web app (`next start`) on 127.0.0.1, pointing browsers at the namespace's server. */
export async function startWeb(host = '127.0.0.1'): Promise<{ proc: ManagedProcess; url: string }> {
  assertInNamespace();
  const port = await freePort(host);
  const proc = new ManagedProcess(
    'web',
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'),
      'start',
      '-H',
      host,
      '-p',
      String(port),
    ],
    {
      cwd: join(REPO_ROOT, 'web'),
      env: {
        // As in docker-compose.yml: a production build that only this namespace can reach.
        NODE_ENV: 'production',
        LIVEKIT_ALLOW_DEV_KEYS: 'true',
        NEXT_TELEMETRY_DISABLED: '1',
        LIVEKIT_URL,
        LIVEKIT_PUBLIC_URL: LIVEKIT_URL,
        LIVEKIT_API_KEY: API_KEY,
        LIVEKIT_API_SECRET: API_SECRET,
        // Every browser of the tests comes from 127.0.0.1; the limit has unit tests of its own.
        TOKEN_RATE_LIMIT_PER_MINUTE: '600',
      },
    },
  );
  const url = `http://${host}:${port}`;
  await waitForHttp(url, 30_000, proc);
  return { proc, url };
}

/** `--agent-env NAME=VALUE` options (the benchmarks' agent settings) as an environment. */
export function agentEnvOverrides(options: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of options) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--agent-env ${kv}: expected NAME=VALUE`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}
