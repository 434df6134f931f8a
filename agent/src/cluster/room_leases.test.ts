import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ChatContext, type ContextSnapshot } from '../conversation/memory/context.js';
import { createLogger } from '../log.js';
import type { RoomPerson } from '../room/person.js';
import { ClusterRooms, type RoomControl, type RoomJob } from './room_leases.js';

// A real redis-server (Debian's), on a free port of this machine's loopback, for these tests.
let server: ChildProcess;
let port: number;
const log = createLogger('silent');
const LEASE_MS = 400;

before(async () => {
  port = await freePort();
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
  });
});
after(() => server.kill('SIGKILL'));

/** LiveKit's side as a recovery sees it: who is in each room, and what it was asked to do. */
class Rooms implements RoomControl {
  readonly people = new Map<string, RoomPerson[]>();
  readonly removed: { room: string; identity: string }[] = [];
  readonly dispatched: { room: string; agentName: string; metadata: string; at: number }[] = [];
  humansIn(room: string): Promise<RoomPerson[]> {
    return Promise.resolve(this.people.get(room) ?? []);
  }
  remove(room: string, identity: string): Promise<void> {
    this.removed.push({ room, identity });
    return Promise.resolve();
  }
  dispatch(room: string, agentName: string, metadata: string): Promise<void> {
    this.dispatched.push({ room, agentName, metadata, at: performance.now() });
    return Promise.resolve();
  }
}

/** A worker process's cluster view, on its own Redis connection. */
function worker(name: string, rooms: Rooms, reachable?: () => boolean): ClusterRooms {
  const cluster = new ClusterRooms({
    redis: new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 }),
    worker: name,
    leaseMs: LEASE_MS,
    memoryMs: 60_000,
    control: rooms,
    log,
    ...(reachable ? { reachable } : {}),
  });
  cluster.start();
  return cluster;
}

const job = (id: string): RoomJob => ({
  jobId: id,
  identity: `agent-${id}`,
  agentName: '',
  metadata: '{"persona":"guide"}',
});

function conversation(): ChatContext {
  return new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`timed out waiting: ${what}`);
    await sleep(20);
  }
}

describe('ClusterRooms (a real redis-server)', () => {
  it("re-dispatches a dead worker's room with people in it, and the next job carries on", async () => {
    const rooms = new Rooms();
    rooms.people.set('lobby', [{ identity: 'ana', name: 'Ana' }]);
    const a = worker('a', rooms);
    const b = worker('b', rooms);
    const context = conversation();
    const greeted = new Set(['ana']);
    const held = a.hold('lobby', job('J1'), () => ({
      context: context.snapshot(),
      greeted: [...greeted],
    }));
    const first = await held.take();
    assert.equal(first.memory, undefined);
    assert.equal(first.resumed, false);
    context.observe(held.changed);
    context.addUser('Ana', 'My flight is at nine.');
    context.addAgent('Nine it is.');
    await sleep(50);

    // The worker dies: no release, its heartbeat stops.
    await a.close();
    const diedAt = performance.now();
    await until('the room is dispatched again', () => rooms.dispatched.length > 0);
    const recoveredMs = rooms.dispatched[0]!.at - diedAt;
    assert.ok(recoveredMs <= LEASE_MS * 1.5 + 200, `recovered after ${recoveredMs} ms`);
    assert.deepEqual(rooms.removed, [{ room: 'lobby', identity: 'agent-J1' }]);
    assert.equal(rooms.dispatched[0]!.metadata, '{"persona":"guide"}');

    // The new job (on b) finds the conversation and that it resumes a dead one.
    const next = conversation();
    const taken = await b
      .hold('lobby', job('J2'), () => ({ context: next.snapshot(), greeted: [] }))
      .take();
    assert.equal(taken.resumed, true);
    next.restore(taken.memory!.context);
    assert.deepEqual(
      next
        .messages()
        .slice(1)
        .map((m) => m.content),
      ['Ana: My flight is at nine.', 'Nine it is.'],
    );
    assert.deepEqual(taken.memory!.greeted, ['ana']);
    // Held again: no second recovery.
    await sleep(LEASE_MS * 2);
    assert.equal(rooms.dispatched.length, 1);
    await b.close();
  });

  it("lets go of a dead worker's room that nobody is in", async () => {
    const rooms = new Rooms();
    const a = worker('a', rooms);
    const b = worker('b', rooms);
    await a
      .hold('empty', job('J3'), () => ({ context: conversation().snapshot(), greeted: [] }))
      .take();
    await a.close();
    const probe = new Redis(port, '127.0.0.1');
    await sleep(LEASE_MS * 3);
    assert.equal(await probe.sismember('voice-agent:rooms', 'empty'), 0);
    assert.equal(rooms.dispatched.length, 0);
    await probe.quit();
    await b.close();
  });

  it('a room released at its end is not recovered; one handed over is, at once', async () => {
    const rooms = new Rooms();
    rooms.people.set('ended', [{ identity: 'lee', name: 'Lee' }]);
    rooms.people.set('handed', [{ identity: 'eva', name: 'Eva' }]);
    const a = worker('a', rooms);
    const b = worker('b', rooms);
    const read = () => ({ context: conversation().snapshot(), greeted: [] });
    const ended = a.hold('ended', job('J4'), read);
    const handed = a.hold('handed', job('J5'), read);
    await Promise.all([ended.take(), handed.take()]);
    await ended.release({ handOver: false });
    const handedAt = performance.now();
    await handed.release({ handOver: true });
    await until('the handed-over room is dispatched', () => rooms.dispatched.length > 0);
    assert.ok(rooms.dispatched[0]!.at - handedAt <= LEASE_MS / 2 + 200);
    await sleep(LEASE_MS * 2);
    assert.deepEqual(
      rooms.dispatched.map((d) => d.room),
      ['handed'],
    );
    await a.close();
    await b.close();
  });

  it('a worker that cannot reach LiveKit leaves a recovery to one that can', async () => {
    // Worker b's LiveKit node died: its dispatch would fail, and its claim would hold the room
    // for RECOVERY_CLAIM_MS. Worker c reaches LiveKit from the moment it is told it does.
    const dead = new Rooms();
    const live = new Rooms();
    dead.people.set('hall', [{ identity: 'kim', name: 'Kim' }]);
    live.people.set('hall', [{ identity: 'kim', name: 'Kim' }]);
    let cReaches = false;
    // a's job lost its room with a's node; b went through the same node.
    const a = worker('a', dead, () => false);
    const b = worker('b', dead, () => false);
    const c = worker('c', live, () => cReaches);
    const held = a.hold('hall', job('J8'), () => ({
      context: conversation().snapshot(),
      greeted: [],
    }));
    await held.take();
    await held.release({ handOver: true });
    await sleep(LEASE_MS * 2);
    assert.equal(dead.dispatched.length + live.dispatched.length, 0, 'nobody reachable recovered');
    cReaches = true;
    await until('the reachable worker recovers the room', () => live.dispatched.length > 0);
    assert.equal(dead.dispatched.length, 0);
    assert.deepEqual(live.removed, [{ room: 'hall', identity: 'agent-J8' }]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('of two jobs in one room, the one that took it last stays', async () => {
    const rooms = new Rooms();
    rooms.people.set('twice', [{ identity: 'sam', name: 'Sam' }]);
    const a = worker('a', rooms);
    const b = worker('b', rooms);
    const read = () => ({ context: conversation().snapshot(), greeted: [] });
    const older = a.hold('twice', job('J6'), read);
    await older.take();
    const newer = b.hold('twice', job('J7'), read);
    await newer.take();
    await until('the older job is told to leave', () => older.lost.aborted, LEASE_MS * 2);
    assert.equal(newer.lost.aborted, false);
    // The older one's release leaves the newer one's lease alone.
    await older.release({ handOver: false });
    await sleep(LEASE_MS * 2);
    assert.equal(newer.lost.aborted, false);
    assert.equal(rooms.dispatched.length, 0);
    await a.close();
    await b.close();
  });
});

describe('ChatContext snapshot', () => {
  it('carries turns, tool rounds, facts and instructions to another context', () => {
    const first = conversation();
    first.setInstructions('Be very brief.');
    first.addFact('The museum closes at six.');
    first.addUser('Ana', 'What time is it?');
    first.startAgent()('It is five.', [
      {
        calls: [{ id: 'c1', name: 'time', arguments: '{}' }],
        results: [{ role: 'tool', toolCallId: 'c1', name: 'time', content: '17:00' }],
      },
    ]);
    first.startAgent()('', [
      {
        calls: [{ id: 'c2', name: 'time', arguments: '{}' }],
        results: [{ role: 'tool', toolCallId: 'c2', name: 'time', content: '17:01' }],
      },
    ]);
    const second = conversation();
    second.restore(JSON.parse(JSON.stringify(first.snapshot())) as ContextSnapshot);
    const messages = first.messages();
    assert.deepEqual(
      messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'tool', 'assistant', 'assistant', 'tool'],
    );
    assert.deepEqual(second.messages(), messages);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}
