/**
 * What the agent costs while nobody speaks: k rooms, each with one person who joins, hears the
 * greeting and says nothing; then the agent process's CPU by thread over a few windows.
 *
 *   npm run bench:idle [-- --rooms 10] [--seconds 20] [--windows 2] [--ask-every 15]
 *     [--agent-env NAME=VALUE ...]
 *
 * Most of a real conversation is someone listening or thinking, so this is the floor under the
 * density figures of `npm run bench`: what each room costs before any turn is taken.
 *
 * With --ask-every S, each person instead asks one of the bench's questions every S seconds
 * (rooms staggered, each question heard out before the next): the cost of a conversation at a
 * person's speaking rate, with the voice-to-voice of those turns.
 */
import { parseArgs } from 'node:util';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import {
  askAndHear,
  joinPerson,
  untilQuiet,
  type SimParticipant,
} from '@voice-agent/e2e/participants';
import { BENCH_FIXTURE, BENCH_QUESTIONS, BENCH_REPLY } from '@voice-agent/e2e/script';
import { referenceUtterances } from '@voice-agent/e2e/speech';
import { agentEnvOverrides, startLivekit } from '@voice-agent/e2e/stack';
import { sleep, stats } from '@voice-agent/e2e/stats';
import { teardown } from '@voice-agent/e2e/teardown';
import { startSystem, TreeMeter } from './systems.js';

const { values: args } = parseArgs({
  options: {
    rooms: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    windows: { type: 'string', default: '2' },
    'ask-every': { type: 'string', default: '0' },
    'agent-env': { type: 'string', multiple: true, default: [] },
  },
});
function whole(name: keyof typeof args, min: number, max: number): number {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(
      `--${name}: expected a whole number from ${min} to ${max}, got "${args[name]}"`,
    );
  }
  return n;
}
const ROOMS = whole('rooms', 1, 100);
const SECONDS = whole('seconds', 1, 600);
const WINDOWS = whole('windows', 1, 20);
/** 0: nobody speaks. */
const ASK_EVERY_S = whole('ask-every', 0, 600);
/** After the last person joined: their greetings are over. */
const SETTLE_MS = 4_000;
const THREADS_SHOWN = 6;

async function main(): Promise<void> {
  await startLivekit();
  const fixture = await startOpenAiFixture({
    phrases: ASK_EVERY_S ? BENCH_QUESTIONS : ['hello'],
    ...(ASK_EVERY_S ? { references: referenceUtterances(BENCH_QUESTIONS) } : {}),
    apiKey: 'bench-key',
    script: {
      chat: { ...BENCH_FIXTURE.chat, reply: BENCH_REPLY },
      realtime: BENCH_FIXTURE.realtime,
      speech: BENCH_FIXTURE.speech,
    },
  });
  const sys = await startSystem(
    { kind: 'ours', name: 'ours', settings: 'defaults', env: {} },
    {
      OPENAI_BASE_URL: fixture.baseUrl,
      OPENAI_API_KEY: 'bench-key',
      ...agentEnvOverrides(args['agent-env']),
    },
  );
  const people: SimParticipant[] = [];
  try {
    for (let r = 0; r < ROOMS; r++) people.push(await joinPerson(`idle-${r}-${Date.now()}`, 'Sam'));
    await sleep(SETTLE_MS);
    const asking = ASK_EVERY_S ? askEvery(people, ASK_EVERY_S * 1000) : undefined;
    console.log(
      asking
        ? `ours: ${ROOMS} rooms, one person each asking a question every ${ASK_EVERY_S} s`
        : `ours: ${ROOMS} rooms, one silent person each, the agent silent too`,
    );
    if (args['agent-env'].length) console.log(`agent env: ${args['agent-env'].join(' ')}`);
    for (let w = 1; w <= WINDOWS; w++) {
      const meter = new TreeMeter(sys.pid!);
      meter.start();
      await sleep(SECONDS * 1000);
      const used = meter.stop();
      const pct = (s: number) => ((100 * s) / SECONDS).toFixed(1);
      const threads = used.threads.slice(0, THREADS_SHOWN).map(([n, s]) => `${n} ${pct(s)}`);
      console.log(
        `window ${w} (${SECONDS} s): agent process ${pct(used.cpuS)}% of a core ` +
          `(${pct(used.cpuS / ROOMS)}% per room); by thread: ${threads.join(', ')}`,
      );
      console.log(
        JSON.stringify({
          scenario: asking ? 'asking' : 'idle',
          ...(asking ? { askEverySeconds: ASK_EVERY_S } : {}),
          rooms: ROOMS,
          seconds: SECONDS,
          cpuPct: Number(pct(used.cpuS)),
          threadsPct: Object.fromEntries(used.threads.map(([n, s]) => [n, Number(pct(s))])),
        }),
      );
    }
    if (asking) {
      const { v2v, failed } = await asking.stop();
      const s = stats(v2v);
      console.log(
        `turns: ${v2v.length} answered, ${failed} failed; voice-to-voice p50 ${s.p50} ms, ` +
          `p95 ${s.p95} ms`,
      );
      console.log(JSON.stringify({ scenario: 'asking', turns: v2v.length, failed, v2vMs: s }));
    }
  } finally {
    for (const p of people) await p.leave().catch(() => undefined);
    await sys.stop();
    await fixture.close();
  }
}

/**
 * Each person asks a question every `everyMs` (starts spread over the first period), hears the
 * reply out, and waits for the next slot; stop() ends the loops and returns the turns' v2v.
 */
function askEvery(
  people: SimParticipant[],
  everyMs: number,
): { stop(): Promise<{ v2v: number[]; failed: number }> } {
  let stopped = false;
  const v2v: number[] = [];
  let failed = 0;
  const loops = people.map(async (sim, r) => {
    let next = performance.now() + (r * everyMs) / people.length;
    for (let t = 0; !stopped; t++) {
      await sleep(Math.max(0, next - performance.now()));
      if (stopped) break;
      next += everyMs;
      const q = BENCH_QUESTIONS[(r + t) % BENCH_QUESTIONS.length]!;
      try {
        const { spoken, heardAt } = await askAndHear(sim, sim, q, `room ${r + 1}`, 20_000);
        v2v.push(heardAt - spoken.endAt);
        await untilQuiet(sim, heardAt);
      } catch (err) {
        failed++;
        console.error(`room ${r + 1}: ${(err as Error).message}`);
      }
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return { v2v, failed };
    },
  };
}

try {
  await main();
} catch (err) {
  console.error(`bench:idle failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await teardown();
}
setTimeout(() => process.exit(), 10_000).unref();
