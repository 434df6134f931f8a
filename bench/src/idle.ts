/**
 * What the agent costs while nobody speaks: k rooms, each with one person who joins, hears the
 * greeting and says nothing; then the agent process's CPU by thread over a few windows.
 *
 *   npm run bench:idle [-- --rooms 10] [--seconds 20] [--windows 2]
 *
 * Most of a real conversation is someone listening or thinking, so this is the floor under the
 * density figures of `npm run bench`: what each room costs before any turn is taken.
 */
import { parseArgs } from 'node:util';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import { joinPerson, type SimParticipant } from '@voice-agent/e2e/participants';
import { BENCH_FIXTURE, BENCH_REPLY } from '@voice-agent/e2e/script';
import { startLivekit } from '@voice-agent/e2e/stack';
import { sleep } from '@voice-agent/e2e/stats';
import { teardown } from '@voice-agent/e2e/teardown';
import { startSystem, TreeMeter } from './systems.js';

const { values: args } = parseArgs({
  options: {
    rooms: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '20' },
    windows: { type: 'string', default: '2' },
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
/** After the last person joined: their greetings are over. */
const SETTLE_MS = 4_000;
const THREADS_SHOWN = 6;

async function main(): Promise<void> {
  await startLivekit();
  const fixture = await startOpenAiFixture({
    phrases: ['hello'],
    apiKey: 'bench-key',
    script: {
      chat: { ...BENCH_FIXTURE.chat, reply: BENCH_REPLY },
      realtime: BENCH_FIXTURE.realtime,
      speech: BENCH_FIXTURE.speech,
    },
  });
  const sys = await startSystem(
    { kind: 'ours', name: 'ours', settings: 'defaults', env: {} },
    { OPENAI_BASE_URL: fixture.baseUrl, OPENAI_API_KEY: 'bench-key' },
  );
  const people: SimParticipant[] = [];
  try {
    for (let r = 0; r < ROOMS; r++) people.push(await joinPerson(`idle-${r}-${Date.now()}`, 'Sam'));
    await sleep(SETTLE_MS);
    console.log(`ours: ${ROOMS} rooms, one silent person each, the agent silent too`);
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
          scenario: 'idle',
          rooms: ROOMS,
          seconds: SECONDS,
          cpuPct: Number(pct(used.cpuS)),
          threadsPct: Object.fromEntries(used.threads.map(([n, s]) => [n, Number(pct(s))])),
        }),
      );
    }
  } finally {
    for (const p of people) await p.leave().catch(() => undefined);
    await sys.stop();
    await fixture.close();
  }
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
