/**
 * `npm run bench:transport`: the transport floor (transport/probe.ts). What WebRTC through the
 * real livekit-server, in the private network namespace, costs a barge-in stop and the round
 * trip inside voice-to-voice when nothing decides anything: a relay participant acts on the
 * first frame with sound it receives.
 *
 *   npm run bench:transport [-- --rounds N] [--queue-ms N] [--seed N]
 *
 * Prints a table (p50 / p95, split into uplink and downlink at the relay) and one JSON line.
 */
import { parseArgs } from 'node:util';
import { startLivekit } from '@voice-agent/e2e/stack';
import { seededRandom, table } from '@voice-agent/e2e/stats';
import { teardown } from '@voice-agent/e2e/teardown';
import { measureTransportFloor, type TransportFloor } from './transport/probe.js';
import { AGENT_SOURCE_QUEUE_MS } from './transport/protocol.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    'queue-ms': { type: 'string', default: String(AGENT_SOURCE_QUEUE_MS) },
    seed: { type: 'string', default: '1' },
  },
});
const whole = (flag: keyof typeof args, min: number): number => {
  const n = Number(args[flag]);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${flag}: expected a whole number >= ${min}`);
  return n;
};
const ROUNDS = whole('rounds', 1);
const QUEUE_MS = whole('queue-ms', 0);
const SEED = whole('seed', 0);

export function transportTable(floor: TransportFloor): string {
  const ms = (s: { p50: number; p95: number }) => `${s.p50} / ${s.p95} ms`;
  return table(
    ['transport floor', 'onset -> heard p50 / p95', 'uplink', 'downlink', 'n'],
    (['stop', 'start'] as const).map((kind) => [
      kind === 'stop' ? 'stop (tone falls silent)' : 'start (tone first heard)',
      ms(floor[kind].totalMs),
      ms(floor[kind].upMs),
      ms(floor[kind].downMs),
      floor[kind].n,
    ]),
  );
}

try {
  await startLivekit();
  const started = Date.now();
  const floor = await measureTransportFloor('transport', ROUNDS, seededRandom(SEED), QUEUE_MS);
  console.log(
    `\nrelay: rtc-node, 24 kHz, 10 ms frames, AudioSource queue ${floor.queueMs} ms; ` +
      `${ROUNDS} rounds of each; wall time ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
  console.log(transportTable(floor));
  console.log(JSON.stringify({ scenario: 'transport', seed: SEED, ...floor }));
} catch (err) {
  console.error(`bench:transport failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await teardown();
}
setTimeout(() => process.exit(), 10_000).unref();
