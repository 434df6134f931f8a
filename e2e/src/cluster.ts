// LiveKit's distributed mode in the test's namespace: one Redis, two livekit-server nodes sharing
// it, and agent workers spread over the nodes (each worker knows one node's URL, as in production
// behind no load balancer).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ManagedProcess } from './processes.js';
import { AgentProcess, SERVER_IP, livekitUrl, startLivekit, startRedis } from './stack.js';

/** One livekit-server of the cluster. */
export interface LivekitNode {
  name: string;
  port: number;
  url: string;
  /** LiveKit's node id (`ND_...`), as the router writes it in Redis. */
  nodeId: string;
  proc: ManagedProcess;
}

/** A worker and the node it registered with. */
export interface ClusterWorker {
  agent: AgentProcess;
  node: LivekitNode;
}

/** Node A on 7880-7882, node B on 7890-7892 (signal, RTC TCP, media UDP). */
const NODE_PORTS = [7880, 7890];

export class Cluster {
  readonly redis: ManagedProcess;
  readonly redisUrl: string;
  readonly nodes: LivekitNode[];
  readonly workers: ClusterWorker[] = [];
  readonly #redisPort: number;

  private constructor(redis: ManagedProcess, redisPort: number, nodes: LivekitNode[]) {
    this.redis = redis;
    this.#redisPort = redisPort;
    this.redisUrl = `redis://${SERVER_IP}:${redisPort}`;
    this.nodes = nodes;
  }

  /** Redis without persistence, then the nodes; every process binds the namespace's address. */
  static async start(): Promise<Cluster> {
    const { proc: redis, url } = await startRedis();
    const redisPort = Number(new URL(url).port);
    const nodes = await Promise.all(
      NODE_PORTS.map(async (port, i) => {
        const name = `livekit-${'AB'[i]}`;
        const proc = await startLivekit({ name, port, redisAddress: `${SERVER_IP}:${redisPort}` });
        const line = await proc.waitForLine((l) => /"nodeID": ?"ND_/.test(l), 5_000, 'node id');
        const nodeId = /"nodeID": ?"(ND_[^"]+)"/.exec(line)![1]!;
        return { name, port, url: livekitUrl(port), nodeId, proc };
      }),
    );
    return new Cluster(redis, redisPort, nodes);
  }

  /** Starts `count` workers on `node`, each with the cluster's Redis in REDIS_URL. */
  async addWorkers(
    node: LivekitNode,
    count: number,
    env: Record<string, string> = {},
  ): Promise<ClusterWorker[]> {
    // One after another: four agents starting at once on 2 cores took over 20 s to register.
    const added: ClusterWorker[] = [];
    for (let i = 0; i < count; i++) {
      const name = `agent-${node.name}-${this.workers.length + i}`;
      const env_ = { LIVEKIT_URL: node.url, REDIS_URL: this.redisUrl, ...env };
      added.push({ agent: await AgentProcess.start(env_, name), node });
    }
    this.workers.push(...added);
    return added;
  }

  /** The node hosting `room`, from the router's map in Redis (undefined: no such room). */
  async hostOf(room: string): Promise<LivekitNode | undefined> {
    const { stdout } = await promisify(execFile)('redis-cli', [
      '-h',
      SERVER_IP,
      '-p',
      String(this.#redisPort),
      'HGET',
      'room_node_map',
      room,
    ]);
    const id = stdout.trim();
    return this.nodes.find((n) => n.nodeId === id);
  }
}
