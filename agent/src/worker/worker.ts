import {
  JobStatus,
  JobType,
  ParticipantPermission,
  ServerMessage,
  WorkerMessage,
  WorkerStatus,
} from '@livekit/protocol';
import type { AvailabilityRequest, Job, JobAssignment } from '@livekit/protocol';
import type { PartialMessage } from '@bufbuild/protobuf';
import { AccessToken } from 'livekit-server-sdk';
import WebSocket from 'ws';
import { errorFields, type Logger } from '../log.js';
import { backoffDelayMs, sleep } from '../util/backoff.js';

/** What a job's code receives: where to connect, and a signal that says "leave now". */
export interface JobContext {
  readonly job: Job;
  readonly url: string;
  readonly token: string;
  /** The agent's participant identity in the room. */
  readonly identity: string;
  /** Aborted when LiveKit terminates the job or the worker shuts down. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** When the assignment arrived (epoch ms): the start of dispatch-to-first-audio latency. */
  readonly assignedAt: number;
}

/** Why a job's signal aborts when its worker stops (SIGTERM): not the room's own end. */
export class WorkerShuttingDown extends Error {
  constructor() {
    super('worker shutting down');
  }
}

/** Runs one job to completion; resolves when the agent has left the room. */
export type JobEntry = (ctx: JobContext) => Promise<void>;

export interface WorkerOptions {
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Empty for automatic dispatch; a name for explicit dispatch only. */
  agentName: string;
  /** The agent's name in a job's room (a persona's display name, picked from the job). */
  participantName: string | ((job: Job) => string);
  maxJobs: number;
  shutdownTimeoutMs: number;
  entry: JobEntry;
  log: Logger;
  /**
   * The share of the machine this process used lately (0-1), reported to LiveKit with the share
   * of its jobs: LiveKit sends new rooms to workers by their spare load.
   */
  cpuLoad?: () => number;
}

interface RunningJob {
  readonly id: string;
  readonly room: string;
  readonly startedAt: number;
  readonly abort: AbortController;
  done: Promise<void>;
}

export interface WorkerStatusReport {
  workerId: string | undefined;
  connected: boolean;
  draining: boolean;
  agentName: string;
  load: number;
  jobs: { id: string; room: string; startedAt: number }[];
}

const ASSIGNMENT_TIMEOUT_MS = 7_500;
const LOAD_REPORT_INTERVAL_MS = 2_500;
const VERSION = '0.1.0';
/**
 * Between attempts to reach the server: at most 2 s, so that after a restart the worker is
 * registered again (and its rooms dispatched back to it) within about 2 s of the server's return.
 */
const RECONNECT_BACKOFF = { baseMs: 250, maxMs: 2_000 };

/**
 * A LiveKit agent worker: registers with the server's `/agent` WebSocket, accepts jobs (rooms),
 * reports its load, and runs each job in this process until the room ends or LiveKit terminates
 * it. Reconnects with backoff if the server goes away; running jobs are unaffected by that.
 */
export class AgentWorker {
  readonly #opts: WorkerOptions;
  readonly #log: Logger;
  readonly #jobs = new Map<string, RunningJob>();
  readonly #pendingAssignments = new Map<string, (a: JobAssignment) => void>();
  #ws: WebSocket | undefined;
  #workerId: string | undefined;
  #closing = false;
  #stopped: Promise<void> | undefined;

  constructor(opts: WorkerOptions) {
    this.#opts = opts;
    this.#log = opts.log.child({ component: 'worker' });
  }

  /** The larger of the share of jobs taken and the share of the machine used (0-1). */
  get load(): number {
    const jobs = this.#jobs.size / this.#opts.maxJobs;
    return Math.min(1, Math.max(jobs, this.#opts.cpuLoad?.() ?? 0));
  }

  status(): WorkerStatusReport {
    return {
      workerId: this.#workerId,
      connected: this.#ws?.readyState === WebSocket.OPEN && this.#workerId !== undefined,
      draining: this.#closing,
      agentName: this.#opts.agentName,
      load: this.load,
      jobs: [...this.#jobs.values()].map(({ id, room, startedAt }) => ({ id, room, startedAt })),
    };
  }

  /** Connects and serves until {@link close}; reconnects with backoff on connection loss. */
  async run(): Promise<void> {
    let attempt = 0;
    while (!this.#closing) {
      try {
        await this.#session(() => (attempt = 0));
      } catch (err) {
        if (this.#closing) break;
        this.#log.warn({ err: errorFields(err), attempt }, 'worker connection failed');
      }
      if (this.#closing) break;
      const delayMs = backoffDelayMs(attempt++, RECONNECT_BACKOFF);
      this.#log.info({ delayMs, attempt }, 'reconnecting to livekit');
      await sleep(delayMs);
    }
  }

  /**
   * Stops taking jobs, tells LiveKit so, asks every job to leave its room, and waits for them
   * (at most the shutdown time limit), then closes the connection.
   */
  close(): Promise<void> {
    this.#stopped ??= this.#close();
    return this.#stopped;
  }

  async #close(): Promise<void> {
    this.#closing = true;
    this.#send({ case: 'updateWorker', value: { status: WorkerStatus.WS_FULL, load: 1 } });
    const jobs = [...this.#jobs.values()];
    for (const job of jobs) job.abort.abort(new WorkerShuttingDown());
    const all = Promise.allSettled(jobs.map((j) => j.done));
    const timedOut = await Promise.race([
      all.then(() => false),
      sleep(this.#opts.shutdownTimeoutMs).then(() => true),
    ]);
    if (timedOut) {
      this.#log.warn(
        { jobs: [...this.#jobs.keys()], timeoutMs: this.#opts.shutdownTimeoutMs },
        'jobs did not leave in time',
      );
    }
    this.#ws?.close(1000, 'worker shutting down');
  }

  async #session(onRegistered: () => void): Promise<void> {
    const token = new AccessToken(this.#opts.apiKey, this.#opts.apiSecret, { ttl: '10m' });
    token.addGrant({ agent: true });
    const endpoint = new URL(this.#opts.url.replace(/^http/, 'ws'));
    endpoint.pathname = endpoint.pathname.replace(/\/?$/, '/agent');
    const ws = new WebSocket(endpoint, {
      headers: { authorization: `Bearer ${await token.toJwt()}` },
    });
    ws.binaryType = 'nodebuffer';
    this.#ws = ws;

    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) =>
        reject(new Error(`livekit answered HTTP ${res.statusCode} on /agent`)),
      );
    });

    const loadTimer = setInterval(() => this.#reportLoad(), LOAD_REPORT_INTERVAL_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (data: Buffer) => {
          let msg: ServerMessage;
          try {
            msg = ServerMessage.fromBinary(new Uint8Array(data));
          } catch (err) {
            this.#log.warn({ err: errorFields(err) }, 'undecodable server message');
            return;
          }
          if (msg.message.case === 'register') {
            this.#workerId = msg.message.value.workerId;
            onRegistered();
            this.#log.info(
              {
                workerId: this.#workerId,
                agentName: this.#opts.agentName,
                serverVersion: msg.message.value.serverInfo?.version,
              },
              'worker registered',
            );
            this.#reportLoad();
          } else {
            this.#onServerMessage(msg);
          }
        });
        ws.once('close', (code, reason) => {
          this.#workerId = undefined;
          if (this.#closing) resolve();
          else reject(new Error(`worker socket closed (${code} ${reason.toString()})`));
        });
        ws.once('error', reject);
        this.#send({
          case: 'register',
          value: {
            type: JobType.JT_ROOM,
            agentName: this.#opts.agentName,
            version: VERSION,
            allowedPermissions: new ParticipantPermission({
              canPublish: true,
              canSubscribe: true,
              canPublishData: true,
              canUpdateMetadata: true,
              agent: true,
            }),
          },
        });
      });
    } finally {
      clearInterval(loadTimer);
      ws.removeAllListeners();
      if (ws.readyState === WebSocket.OPEN) ws.close();
    }
  }

  #onServerMessage(msg: ServerMessage): void {
    switch (msg.message.case) {
      case 'availability':
        this.#onAvailability(msg.message.value);
        break;
      case 'assignment': {
        const { job } = msg.message.value;
        const deliver = job && this.#pendingAssignments.get(job.id);
        if (deliver) deliver(msg.message.value);
        else this.#log.warn({ jobId: job?.id }, 'assignment for a job this worker did not accept');
        break;
      }
      case 'termination': {
        const job = this.#jobs.get(msg.message.value.jobId);
        this.#log.info(
          { jobId: msg.message.value.jobId, known: !!job },
          'job terminated by server',
        );
        job?.abort.abort(new Error('job terminated by livekit'));
        break;
      }
      default:
        break;
    }
  }

  #onAvailability(req: AvailabilityRequest): void {
    const job = req.job;
    if (!job) return;
    /** When LiveKit dispatched the job to this worker: the start of every join-latency figure. */
    const offeredAt = Date.now();
    const full = this.#jobs.size + this.#pendingAssignments.size >= this.#opts.maxJobs;
    if (this.#closing || full) {
      this.#log.info({ jobId: job.id, room: job.room?.name, full }, 'job declined');
      this.#send({ case: 'availability', value: { jobId: job.id, available: false } });
      return;
    }
    const assignment = new Promise<JobAssignment | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ASSIGNMENT_TIMEOUT_MS);
      this.#pendingAssignments.set(job.id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
    });
    this.#send({
      case: 'availability',
      value: {
        jobId: job.id,
        available: true,
        participantIdentity: identityFor(job),
        participantName:
          typeof this.#opts.participantName === 'string'
            ? this.#opts.participantName
            : this.#opts.participantName(job),
      },
    });
    void assignment.then((a) => {
      this.#pendingAssignments.delete(job.id);
      if (!a) {
        this.#log.warn({ jobId: job.id }, 'no assignment arrived for an accepted job');
        return;
      }
      this.#startJob(job, a, offeredAt);
    });
  }

  #startJob(job: Job, assignment: JobAssignment, offeredAt: number): void {
    const assignedAt = Date.now();
    const room = job.room?.name ?? '';
    const log = this.#opts.log.child({ jobId: job.id, room });
    const abort = new AbortController();
    const running: RunningJob = {
      id: job.id,
      room,
      startedAt: assignedAt,
      abort,
      done: Promise.resolve(),
    };
    this.#jobs.set(job.id, running);
    log.info({ offeredAt, assignedAt, dispatchId: job.dispatchId }, 'job assigned');
    this.#send({ case: 'updateJob', value: { jobId: job.id, status: JobStatus.JS_RUNNING } });
    this.#reportLoad();

    running.done = this.#opts
      .entry({
        job,
        url: assignment.url || this.#opts.url,
        token: assignment.token,
        identity: identityFor(job),
        signal: abort.signal,
        log,
        assignedAt,
      })
      .then(
        () => ({ status: JobStatus.JS_SUCCESS, error: '' }),
        (err: unknown) => {
          log.error({ err: errorFields(err) }, 'job failed');
          return { status: JobStatus.JS_FAILED, error: errorFields(err).message };
        },
      )
      .then(({ status, error }) => {
        this.#jobs.delete(job.id);
        log.info({ durationMs: Date.now() - assignedAt, status: JobStatus[status] }, 'job ended');
        this.#send({ case: 'updateJob', value: { jobId: job.id, status, error } });
        this.#reportLoad();
      });
  }

  #reportLoad(): void {
    if (this.#workerId === undefined) return;
    const full = this.#closing || this.#jobs.size >= this.#opts.maxJobs;
    this.#send({
      case: 'updateWorker',
      value: {
        status: full ? WorkerStatus.WS_FULL : WorkerStatus.WS_AVAILABLE,
        load: this.load,
        jobCount: this.#jobs.size,
      },
    });
  }

  #send(message: NonNullable<PartialMessage<WorkerMessage>['message']>): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(new WorkerMessage({ message }).toBinary());
  }
}

function identityFor(job: Job): string {
  return `agent-${job.id}`;
}
