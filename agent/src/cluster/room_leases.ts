import type { Redis } from 'ioredis';
import type { ContextSnapshot } from '../conversation/memory/context.js';
import { errorFields, type Logger } from '../log.js';
import type { RoomPerson } from '../room/person.js';

/**
 * Rooms across agent processes, in Redis (REDIS_URL): which job holds each room, kept alive by
 * a heartbeat; each room's conversation, for whichever job comes next; and recovery when a
 * worker dies.
 *
 * LiveKit does not re-dispatch a room whose worker died: the dead job's participant lingers
 * about 20 s, then the room has no agent for good. So every job holds a lease on its room,
 * renewed every `leaseMs / 4`; every worker watches the leases, and one whose lease lapsed while
 * people are still in the room is recovered by the first worker to claim it: the dead agent's
 * participant is removed, the room is dispatched again with the same metadata (AgentDispatch
 * API), and the new job carries the conversation on from the memory kept here. A lease is also
 * how two jobs in one room settle it: the one that took it last stays, the other leaves.
 *
 * Keys, under `voice-agent:`: `rooms` (a set: rooms held, not released), `room:<r>` (its job),
 * `alive:<r>` (the holder's token, expires after `leaseMs`), `memory:<r>` (the conversation,
 * expires `memoryMs` after its last write), `recovering:<r>` (a recovery's claim), `resume:<r>`
 * (set by a recovery: the next job says it is back).
 */

/** A room's job, as the lease records it for a recovery. */
export interface RoomJob {
  jobId: string;
  /** The job's participant in the room: removed when the job is dead. */
  identity: string;
  /** The dispatch's agent name ('' for automatic dispatch) and metadata, for the new one. */
  agentName: string;
  metadata: string;
}

/** A room's conversation and who was greeted, as one job leaves them to the next. */
export interface SharedMemory {
  context: ContextSnapshot;
  greeted: string[];
}

/** What a job finds when it takes its room. */
export interface TakenRoom {
  /** The room's conversation, if a job (of any process) left one within the memory time. */
  memory: SharedMemory | undefined;
  /** A recovery dispatched this job: its predecessor died mid-conversation. */
  resumed: boolean;
}

/** LiveKit's API, as a recovery uses it. */
export interface RoomControl {
  /** The people (not agents) in a room; none when the room does not exist. */
  humansIn(room: string): Promise<RoomPerson[]>;
  /** Removes a participant; resolves when it was not there. */
  remove(room: string, identity: string): Promise<void>;
  dispatch(room: string, agentName: string, metadata: string): Promise<void>;
}

export interface ClusterOptions {
  redis: Redis;
  /** Who this process is, in logs and in the rooms' records. */
  worker: string;
  /** A room whose holder did not renew it for this long is recovered. */
  leaseMs: number;
  /** How long a room's conversation is kept after its last change. */
  memoryMs: number;
  control: RoomControl;
  log: Logger;
  /**
   * Whether this worker reaches LiveKit now (registered with it). One that does not (the node
   * it connects through died) leaves recoveries to the others: its dispatch would fail too.
   */
  reachable?: () => boolean;
}

const PREFIX = 'voice-agent:';
/** A recovery's claim: no other worker tries the room meanwhile; retried after it lapses. */
const RECOVERY_CLAIM_MS = 10_000;
/** How long the "I am back" mark waits for the re-dispatched job. */
const RESUME_MARK_MS = 30_000;

/** Renews `alive` if it is ours (1), takes it back if it lapsed and nobody took it (2), else 0. */
const RENEW = `
local v = redis.call('get', KEYS[1])
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`;
/** Deletes `alive` only if it is ours. */
const DROP = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

const key = {
  rooms: `${PREFIX}rooms`,
  room: (r: string) => `${PREFIX}room:${r}`,
  alive: (r: string) => `${PREFIX}alive:${r}`,
  memory: (r: string) => `${PREFIX}memory:${r}`,
  recovering: (r: string) => `${PREFIX}recovering:${r}`,
  resume: (r: string) => `${PREFIX}resume:${r}`,
};

/** One job's hold on its room. */
export class RoomHold {
  readonly room: string;
  readonly #cluster: ClusterRooms;
  readonly #token: string;
  readonly #job: RoomJob;
  readonly #read: () => SharedMemory;
  readonly #lost = new AbortController();
  #saving: Promise<void> = Promise.resolve();
  #dirty = false;
  #released = false;

  constructor(
    cluster: ClusterRooms,
    room: string,
    job: RoomJob,
    read: () => SharedMemory,
    token: string,
  ) {
    this.#cluster = cluster;
    this.room = room;
    this.#job = job;
    this.#read = read;
    this.#token = token;
  }

  /** Aborted when another job took the room (this one must leave it). */
  get lost(): AbortSignal {
    return this.#lost.signal;
  }

  get token(): string {
    return this.#token;
  }

  /**
   * Takes the room (a job holding it elsewhere will find its lease gone and leave) and reads
   * what the room's last job left.
   */
  async take(): Promise<TakenRoom> {
    const { redis, leaseMs } = this.#cluster.settings;
    const r = this.room;
    const replies = await redis
      .multi()
      .set(key.alive(r), this.#token, 'PX', leaseMs)
      .set(key.room(r), JSON.stringify(this.#job))
      .sadd(key.rooms, r)
      .get(key.memory(r))
      .getdel(key.resume(r))
      .exec();
    if (!replies) throw new Error('the room lease transaction was aborted');
    for (const [err] of replies) if (err) throw err;
    const memory = replies[3]![1] as string | null;
    const resumed = replies[4]![1] as string | null;
    return { memory: memory ? parseMemory(memory) : undefined, resumed: resumed !== null };
  }

  /** The conversation changed: written soon (changes close together are written once). */
  changed = (): void => {
    if (this.#dirty || this.#released) return;
    this.#dirty = true;
    this.#saving = this.#saving
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => this.#write());
  };

  /**
   * The job is over. With `handOver` (the worker is shutting down while people are still in
   * the room), the room is left for a recovery: another worker's job takes it within a
   * heartbeat. Otherwise it is let go; its memory stays for `memoryMs`.
   */
  async release(opts: { handOver: boolean }): Promise<void> {
    if (this.#released) return;
    this.#dirty = true;
    await (this.#saving = this.#saving.then(() => this.#write()));
    this.#released = true;
    this.#cluster.forget(this);
    const { redis } = this.#cluster.settings;
    const r = this.room;
    const mine = (await redis.eval(DROP, 1, key.alive(r), this.#token)) === 1;
    // Taken by a newer job: the room is that job's to let go.
    if (!mine || opts.handOver) return;
    await redis.multi().srem(key.rooms, r).del(key.room(r)).exec();
  }

  /** Called by the heartbeat when another job holds the room now. */
  markLost(): void {
    this.#lost.abort(new Error('another job took the room'));
  }

  async #write(): Promise<void> {
    if (!this.#dirty) return;
    this.#dirty = false;
    const { redis, memoryMs, log } = this.#cluster.settings;
    try {
      await redis.set(key.memory(this.room), JSON.stringify(this.#read()), 'PX', memoryMs);
    } catch (err) {
      log.warn({ err: errorFields(err), room: this.room }, 'room memory not saved to redis');
    }
  }
}

/** Every room this process holds, their heartbeat, and the watch over every worker's rooms. */
export class ClusterRooms {
  readonly settings: ClusterOptions;
  readonly #holds = new Set<RoomHold>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #sequence = 0;
  #beating = false;
  #watching = false;

  constructor(opts: ClusterOptions) {
    this.settings = opts;
  }

  /**
   * Starts the heartbeat of this process's rooms and the watch over all rooms, each every
   * `leaseMs / 4`: a dead worker's rooms are recovered within about `leaseMs * 1.25`.
   */
  start(): void {
    const every = Math.max(50, Math.floor(this.settings.leaseMs / 4));
    const beat = setInterval(() => void this.#heartbeat(), every);
    const watch = setInterval(() => void this.#watch(), every);
    this.#timers.push(beat, watch);
  }

  /** A job's hold on `room`; `read` gives the conversation to keep. Call `take()` next. */
  hold(room: string, job: RoomJob, read: () => SharedMemory): RoomHold {
    const token = `${this.settings.worker}/${job.jobId}/${++this.#sequence}`;
    const held = new RoomHold(this, room, job, read, token);
    this.#holds.add(held);
    return held;
  }

  forget(held: RoomHold): void {
    this.#holds.delete(held);
  }

  /** Stops the heartbeat and the watch, and closes the connection. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.settings.redis.quit().catch(() => undefined);
  }

  async #heartbeat(): Promise<void> {
    if (this.#beating || this.#holds.size === 0) return;
    this.#beating = true;
    const { redis, leaseMs, log } = this.settings;
    const holds = [...this.#holds];
    try {
      const pipe = redis.pipeline();
      for (const h of holds) pipe.eval(RENEW, 1, key.alive(h.room), h.token, leaseMs);
      const replies = (await pipe.exec()) ?? [];
      replies.forEach(([err, result], i) => {
        const h = holds[i]!;
        if (err) return;
        if (result === 2) log.warn({ room: h.room }, 'room lease had lapsed: taken back');
        if (result === 0) {
          log.warn({ room: h.room }, 'room lease lost to another job: leaving');
          this.#holds.delete(h);
          h.markLost();
        }
      });
    } catch (err) {
      log.warn({ err: errorFields(err) }, 'room lease heartbeat failed');
    } finally {
      this.#beating = false;
    }
  }

  async #watch(): Promise<void> {
    if (this.#watching || this.settings.reachable?.() === false) return;
    this.#watching = true;
    const { redis, log, worker } = this.settings;
    try {
      const rooms = await redis.smembers(key.rooms);
      if (rooms.length === 0) return;
      const pipe = redis.pipeline();
      for (const r of rooms) pipe.exists(key.alive(r));
      const alive = (await pipe.exec()) ?? [];
      const lapsed = rooms.filter((_, i) => alive[i]?.[0] === null && alive[i]?.[1] === 0);
      for (const room of lapsed) {
        const claimed = await redis.set(
          key.recovering(room),
          worker,
          'PX',
          RECOVERY_CLAIM_MS,
          'NX',
        );
        if (claimed === 'OK') await this.#recover(room);
      }
    } catch (err) {
      log.warn({ err: errorFields(err) }, 'watch over room leases failed');
    } finally {
      this.#watching = false;
    }
  }

  /** A room whose job stopped renewing its lease: dispatched again if people are still in it. */
  async #recover(room: string): Promise<void> {
    const { redis, control, log } = this.settings;
    const started = performance.now();
    let job: RoomJob | undefined;
    try {
      const record = await redis.get(key.room(room));
      job = record ? parseJob(record) : undefined;
      const people = job ? await control.humansIn(room) : [];
      if (!job || people.length === 0) {
        await redis.multi().srem(key.rooms, room).del(key.room(room)).exec();
        log.info({ room, people: people.length }, 'room lease lapsed with nobody left: let go');
        return;
      }
      // A job that took the room meanwhile (LiveKit dispatched one itself) is left alone.
      if ((await redis.exists(key.alive(room))) === 1) return;
      await control.remove(room, job.identity);
      await redis.set(key.resume(room), job.jobId, 'PX', RESUME_MARK_MS);
      await control.dispatch(room, job.agentName, job.metadata);
      log.warn(
        {
          room,
          deadJob: job.jobId,
          people: people.length,
          recoveryMs: Math.round(performance.now() - started),
        },
        'room recovered: its job stopped renewing its lease, dispatched again',
      );
    } catch (err) {
      // The claim lapses and a later watch tries again.
      log.error({ err: errorFields(err), room, deadJob: job?.jobId }, 'room recovery failed');
    }
  }
}

function parseMemory(text: string): SharedMemory | undefined {
  try {
    const value = JSON.parse(text) as SharedMemory;
    return Array.isArray(value.context?.turns) && Array.isArray(value.greeted) ? value : undefined;
  } catch {
    return undefined;
  }
}

function parseJob(text: string): RoomJob | undefined {
  try {
    const value = JSON.parse(text) as RoomJob;
    return typeof value.identity === 'string' && typeof value.jobId === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}
