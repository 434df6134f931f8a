// Churn through the real SFU: while the agent tells Ana a long story, people join the room and
// leave it again, 100 of them, a few at a time, each publishing a microphone. Afterwards the
// agent is in the same state as before the churn: Ana's next question answered (nobody who left
// greeted first), one job, one person heard (Ana), only Ana in its hearing report; and its RSS
// after the churn is within CHURN_RSS_BOUND_PCT of its RSS after the first 20 joins (warm-up).
// Needs: root (private network namespace), livekit-server, espeak-ng, sox, pocketsphinx, a built
// agent. `npm test` provides it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { askForAnswer, joinPerson, SimParticipant } from '../src/participants.js';
import {
  FIXTURE_API_KEY,
  fixtureProviders,
  INTERRUPTION,
  scriptedReply,
  STORY,
  STORY_QUESTION,
} from '../src/script.js';
import { timeline } from '../src/speech.js';
import { AgentProcess, metricValue, startLivekit } from '../src/stack.js';
import type { AgentMemory } from '../src/stack.js';
import { teardown } from '../src/teardown.js';

const JOINS = 100;
/** People who join (and leave) together. */
const AT_A_TIME = 5;
const WARM_UP_JOINS = 20;
/** RSS after the churn may exceed RSS after the warm-up by at most this much. */
const CHURN_RSS_BOUND_PCT = 10;
const QUESTION = 'what time does the museum open';
const ANSWER = 'The museum opens at nine in the morning.';
/** The story, told eight times over: about 110 s of speech, longer than the churn. */
const LONG_STORY = Array.from({ length: 8 }, () => STORY).join(' ');

describe('100 joins and leaves while the agent speaks', () => {
  let fixture: OpenAiFixture;
  let agent: AgentProcess;
  before(async () => {
    await startLivekit();
    fixture = await startOpenAiFixture({
      phrases: [STORY_QUESTION, INTERRUPTION, QUESTION],
      apiKey: FIXTURE_API_KEY,
    });
    fixture.script.chat.reply = scriptedReply({
      [STORY_QUESTION]: LONG_STORY,
      [INTERRUPTION]: 'Sure.',
      [QUESTION]: ANSWER,
    });
    agent = await AgentProcess.start({
      ...fixtureProviders(fixture),
      LOG_LEVEL: 'info',
    });
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  it(
    'leaves no stuck state, no leftover people, and no RSS growth past the warm-up',
    { timeout: 240_000 },
    async (t) => {
      const room = `churn-${Date.now()}`;
      const ana = await joinPerson(room, 'Ana');
      const [asked] = await ana.speak(
        timeline([{ silenceMs: 100 }, { say: STORY_QUESTION }, { silenceMs: 300 }]),
      );
      assert.ok(asked);
      await ana.waitFor('the story begins', () => ana.firstSoundAfter(asked.endAt), 20_000);
      const state = () => ana.agent()?.attributes['lk.agent.state'];

      const churnStart = Date.now();
      let speakingAtBatches = 0;
      let warm: AgentMemory | undefined;
      for (let joined = 0; joined < JOINS; joined += AT_A_TIME) {
        if (state() === 'speaking') speakingAtBatches++;
        const batch = await Promise.all(
          Array.from({ length: AT_A_TIME }, async (_, k) => {
            const n = joined + k + 1;
            const sim = await SimParticipant.join(
              room,
              `guest-${n}-${room}`,
              `Guest ${n}`,
              undefined,
              // Each guest publishes a microphone (the agent hears it) but listens to nothing:
              // the test process stays light enough to churn fast on a shared machine.
              { subscribe: false },
            );
            await sim.publishMicrophone();
            return sim;
          }),
        );
        await Promise.all(batch.map((sim) => sim.leave()));
        if (joined + AT_A_TIME === WARM_UP_JOINS) warm = await agent.memory();
      }
      const churnMs = Date.now() - churnStart;
      const churned = await agent.memory();
      assert.ok(warm);

      // Still listening: Ana stops the story if it still plays ("wait", answered "Sure."), and
      // once the agent listens again, still answering: her next question.
      await askForAnswer(ana, INTERRUPTION, 'Sure');
      await ana.waitFor('the agent listening', () => state() === 'listening', 30_000);
      const { answered } = await askForAnswer(ana, QUESTION, ANSWER.slice(0, 20));
      assert.ok(answered, 'the question after the churn is answered');
      await ana.waitFor('the agent listening', () => state() === 'listening', 30_000);
      const settled = await agent.memory();

      // No leftover state: one job, one person heard, only Ana in the hearing report.
      const status = await agent.status();
      assert.deepEqual(
        status.jobs.map((j) => j.room),
        [room],
        'one job, for this room',
      );
      const metrics = await agent.metrics();
      assert.equal(metricValue(metrics, 'voice_agent_rooms'), 1);
      assert.equal(metricValue(metrics, 'voice_agent_people'), 1, 'only Ana is heard');
      await ana.waitFor(
        'a hearing report of Ana alone',
        () => {
          const report = Object.keys(ana.hearing());
          return report.length === 1 && report[0] === ana.identity;
        },
        10_000,
      );
      // Nobody is greeted after they left (a greeting waits out the story, its person may not).
      const logs = agent.logs();
      const leftAt = new Map(
        logs.filter((l) => l.msg === 'participant left').map((l) => [l.participant, l.time]),
      );
      const lateGreetings = logs.flatMap((l) => {
        const guest = /^Hello Guest (\d+),/.exec(String(l.text ?? ''));
        if (l.msg !== 'agent spoke' || !guest) return [];
        const startedAt = l.time - Number(l.playedMs ?? 0);
        const left = leftAt.get(`guest-${guest[1]}-${room}`);
        return left !== undefined && startedAt > left ? [`Guest ${guest[1]}`] : [];
      });
      assert.deepEqual(lateGreetings, [], 'greeted after they left');
      const errors = logs.filter((l) => Number(l.level ?? 0) >= 50);
      assert.deepEqual(errors, [], 'no error or fatal log line');
      // Most of the churn happened while the agent spoke (the point of this test).
      const batches = JOINS / AT_A_TIME;
      assert.ok(
        speakingAtBatches >= batches / 2,
        `the agent spoke at ${speakingAtBatches} of ${batches} batches`,
      );

      const growthPct = ((churned.rss - warm.rss) / warm.rss) * 100;
      t.diagnostic(
        `${JOINS} joins and leaves, ${AT_A_TIME} at a time, in ${(churnMs / 1000).toFixed(1)} s ` +
          `(agent speaking at ${speakingAtBatches}/${batches} batches); agent RSS: ` +
          `${warm.rss.toFixed(1)} MB after ${WARM_UP_JOINS} joins, ${churned.rss.toFixed(1)} MB ` +
          `after ${JOINS} (${growthPct.toFixed(1)}%), ${settled.rss.toFixed(1)} MB after the ` +
          `next answer; heap used ${warm.heapUsed.toFixed(1)} -> ${churned.heapUsed.toFixed(1)} MB`,
      );
      assert.ok(
        growthPct <= CHURN_RSS_BOUND_PCT,
        `agent RSS grew ${growthPct.toFixed(1)}% from the warm-up (bound ${CHURN_RSS_BOUND_PCT}%)`,
      );
    },
  );
});
