// Needs: root (private network namespace), livekit-server, espeak-ng + sox, a built agent.
// `npm test` provides all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentDispatchClient } from 'livekit-server-sdk';
import { SimParticipant } from '../src/participants.js';
import { teardown } from '../src/teardown.js';
import { timeline } from '../src/speech.js';
import {
  API_KEY,
  API_SECRET,
  AgentProcess,
  SERVER_IP,
  roomService,
  startLivekit,
} from '../src/stack.js';

const greetedBy = (sim: SimParticipant, name: string) =>
  sim.transcripts.some(
    (t) => t.from === sim.agent()?.identity && t.text.includes(`Hello ${name},`),
  );

describe('rooms and jobs', () => {
  before(startLivekit);
  after(teardown);

  it(
    'two rooms get separate jobs; closing one ends its job and leaves the other intact',
    { timeout: 120_000 },
    async () => {
      const agent = await AgentProcess.start({}, 'agent-rooms');
      const stamp = Date.now();
      const [roomA, roomB] = [`north-${stamp}`, `south-${stamp}`];
      const ana = await SimParticipant.join(roomA, 'ana-a', 'Ana');
      const ben = await SimParticipant.join(roomB, 'ben-b', 'Ben');
      await Promise.all([ana.publishMicrophone(), ben.publishMicrophone()]);
      try {
        await ana.waitFor('greeting in room A', () => greetedBy(ana, 'Ana'), 15_000);
        await ben.waitFor('greeting in room B', () => greetedBy(ben, 'Ben'), 15_000);
        const jobs = (await agent.status()).jobs;
        assert.deepEqual(jobs.map((j) => j.room).sort(), [roomA, roomB]);
        assert.notEqual(jobs[0]!.id, jobs[1]!.id);
        assert.notEqual(
          ana.agent()!.identity,
          ben.agent()!.identity,
          'one agent participant per job',
        );
        const jobA = jobs.find((j) => j.room === roomA)!;

        await roomService().deleteRoom(roomA);
        await agent.waitForLog(
          (l) => l.msg === 'job ended' && l.jobId === jobA.id,
          10_000,
          'job A end',
        );
        assert.deepEqual(
          (await agent.status()).jobs.map((j) => j.room),
          [roomB],
        );

        // Room B goes on: its agent still hears Ben, and greets a newcomer.
        const words = timeline([
          { silenceMs: 200 },
          { say: 'are you still there' },
          { silenceMs: 800 },
        ]);
        const speaking = ben.speak(words);
        await ben.waitFor('agent still hears Ben', () => ben.hearing()['ben-b']?.active, 5_000);
        await speaking;
        const cleo = await SimParticipant.join(roomB, 'cleo-b', 'Cleo');
        try {
          await cleo.waitFor(
            'greeting for a newcomer in room B',
            () => greetedBy(cleo, 'Cleo'),
            15_000,
          );
        } finally {
          await cleo.leave();
        }
        assert.deepEqual(
          (await agent.status()).jobs.map((j) => j.room),
          [roomB],
        );

        // SIGTERM: the agent leaves its room first, then exits cleanly.
        const agentInB = ben.agent()!.identity;
        await agent.proc.stop('SIGTERM');
        const { code } = await agent.proc.exited;
        assert.equal(code, 0);
        const order = agent.logs().map((l) => l.msg);
        assert.ok(order.lastIndexOf('job ended') < order.lastIndexOf('stopped'), order.join(', '));
        await ben.waitFor(
          'agent left room B',
          () => !ben.room.remoteParticipants.has(agentInB),
          5_000,
        );
      } finally {
        await Promise.all([ana.leave(), ben.leave()]);
      }
    },
  );

  it(
    'with AGENT_NAME set, joins only rooms that dispatch it by name',
    { timeout: 60_000 },
    async () => {
      const agent = await AgentProcess.start({ AGENT_NAME: 'concierge' }, 'agent-named');
      const stamp = Date.now();
      const quiet = await SimParticipant.join(`plain-${stamp}`, 'dan-p', 'Dan');
      const room = `desk-${stamp}`;
      const eve = await SimParticipant.join(room, 'eve-d', 'Eve');
      try {
        await new Promise((r) => setTimeout(r, 2_000));
        assert.equal(quiet.agent(), undefined, 'no automatic dispatch for a named agent');
        assert.deepEqual((await agent.status()).jobs, []);

        const dispatch = new AgentDispatchClient(`http://${SERVER_IP}:7880`, API_KEY, API_SECRET);
        await dispatch.createDispatch(room, 'concierge');
        await eve.waitFor('named agent greets Eve', () => greetedBy(eve, 'Eve'), 15_000);
        assert.deepEqual(
          (await agent.status()).jobs.map((j) => j.room),
          [room],
        );
        assert.equal(quiet.agent(), undefined);
      } finally {
        await Promise.all([quiet.leave(), eve.leave()]);
      }
    },
  );
});
