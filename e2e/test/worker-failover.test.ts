// A worker that dies, and one that shuts down, lose nobody their agent: two (then three) agent
// workers share a real redis-server (REDIS_URL), each job holds a lease on its room, and when
// the worker serving a conversation is killed with SIGKILL, another worker's job is in the room
// within 5 s, says it is back, and carries the conversation on (the next LLM request holds the
// turns from before), as the only agent there. A worker stopped with SIGTERM hands its room over
// the same way (a rolling deploy).
// Needs: root (private network namespace), livekit-server, redis-server, espeak-ng, sox,
// pocketsphinx, a built agent. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ParticipantKind } from '@livekit/rtc-node';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { SimParticipant } from '../src/participants.js';
import { answeringFixture } from '../src/script.js';
import { timeline } from '../src/speech.js';
import { AgentProcess, startLivekit, startRedis } from '../src/stack.js';
import { teardown } from '../src/teardown.js';

const ANSWERS: Record<string, string> = {
  'what time does the museum open': 'At nine.',
  'how much is a ticket': 'Twelve euros.',
  'where is the cafe': 'On the ground floor.',
};
const GREETING = 'Hello {name}, the guide is listening.';
const RESUME = 'Sorry about that, I am back.';
/** From the worker's death to a new agent in the room (the figure). */
const BACK_WITHIN_MS = 5_000;

interface Message {
  role: string;
  content: string;
}

describe('worker failover (agents sharing Redis)', () => {
  let fixture: OpenAiFixture;
  let env: Record<string, string>;
  const workers: AgentProcess[] = [];
  before(async () => {
    await startLivekit();
    const redis = await startRedis();
    const answering = await answeringFixture(ANSWERS, GREETING);
    fixture = answering.fixture;
    env = { ...answering.agentEnv, AGENT_RESUME_LINE: RESUME, REDIS_URL: redis.url };
    workers.push(
      ...(await Promise.all([
        AgentProcess.start(env, 'agent-a'),
        AgentProcess.start(env, 'agent-b'),
      ])),
    );
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat');

  async function ask(sam: SimParticipant, question: string): Promise<Message[]> {
    const before = chats().length;
    await sam.waitFor(
      'agent listening',
      () => sam.agent()?.attributes['lk.agent.state'] === 'listening',
      20_000,
    );
    await sam.speak(timeline([{ silenceMs: 200 }, { say: question }, { silenceMs: 300 }]));
    await sam.waitFor(
      `the answer to "${question}"`,
      () =>
        chats().length > before &&
        sam.transcripts.some((t) => t.text === ANSWERS[question] && t.receivedAt > 0),
      20_000,
    );
    return (chats().at(-1)!.body as { messages: Message[] }).messages;
  }

  /** The worker whose job serves `room` now. */
  async function serving(room: string): Promise<AgentProcess> {
    for (let i = 0; i < 50; i++) {
      for (const w of workers) {
        const status = await w.status().catch(() => undefined);
        if (status?.jobs.some((j) => j.room === room)) return w;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no worker reports a job in ${room}`);
  }

  /** Waits for an agent other than `previous` whose resume line the person hears; returns timings. */
  async function newAgent(sam: SimParticipant, previous: string, since: number) {
    const joined = await sam.waitFor(
      'a new agent in the room',
      () => {
        const agent = sam.agent();
        return agent && agent.identity !== previous ? Date.now() : undefined;
      },
      20_000,
    );
    await sam.waitFor(
      'the new agent saying it is back',
      () => sam.transcripts.some((t) => t.text === RESUME && t.receivedAt > since),
      20_000,
    );
    const voice = sam.firstSoundAfter(joined);
    return { joinedMs: joined - since, voiceMs: voice === undefined ? NaN : voice - since };
  }

  const agentsIn = (sam: SimParticipant) =>
    [...sam.room.remoteParticipants.values()].filter((p) => p.kind === ParticipantKind.AGENT);

  it(
    'a worker killed mid-conversation: another worker carries the room on within 5 s',
    { timeout: 150_000 },
    async () => {
      const room = `failover-${Date.now()}`;
      const sam = await SimParticipant.join(room, 'sam-1', 'Sam');
      await sam.publishMicrophone();
      const greeting = GREETING.replace('{name}', 'Sam');
      await sam.waitFor(
        'the greeting',
        () => sam.transcripts.some((t) => t.text === greeting),
        30_000,
      );
      await ask(sam, 'what time does the museum open');
      const first = sam.agent()!.identity;
      const dying = await serving(room);

      const killedAt = Date.now();
      dying.proc.killNow();
      await dying.proc.exited;
      const back = await newAgent(sam, first, killedAt);
      console.log(
        `worker SIGKILL: new agent in the room after ${back.joinedMs} ms, its voice heard after ${back.voiceMs} ms`,
      );
      assert.ok(back.joinedMs <= BACK_WITHIN_MS, `new agent after ${back.joinedMs} ms`);

      const messages = await ask(sam, 'how much is a ticket');
      const said = messages.map((m) => m.content);
      assert.ok(
        said.some((c) => /what time does the museum open/i.test(c)) &&
          said.some((c) => c === 'At nine.'),
        `the turns from before the kill are in the request:\n${said.join('\n')}`,
      );
      assert.deepEqual(
        agentsIn(sam).map((p) => p.identity),
        [sam.agent()!.identity],
        'one agent in the room: the dead one was removed',
      );
      assert.equal(
        sam.transcripts.filter((t) => t.text === greeting).length,
        1,
        'Sam was greeted once',
      );

      // A rolling deploy: a fresh worker comes up, the serving one is stopped with SIGTERM and
      // hands the room over.
      workers.push(await AgentProcess.start(env, 'agent-c'));
      const stopping = await serving(room);
      const second = sam.agent()!.identity;
      const stoppedAt = Date.now();
      await stopping.proc.stop('SIGTERM');
      const handed = await newAgent(sam, second, stoppedAt);
      console.log(
        `worker SIGTERM: new agent in the room after ${handed.joinedMs} ms, its voice heard after ${handed.voiceMs} ms`,
      );
      assert.ok(handed.joinedMs <= BACK_WITHIN_MS, `new agent after ${handed.joinedMs} ms`);
      const last = (await ask(sam, 'where is the cafe')).map((m) => m.content);
      assert.ok(
        last.some((c) => /what time does the museum open/i.test(c)) &&
          last.some((c) => /how much is a ticket/i.test(c)),
        `every earlier turn is in the request:\n${last.join('\n')}`,
      );
      assert.equal(agentsIn(sam).length, 1, 'one agent in the room');
      await sam.leave();
    },
  );
});
