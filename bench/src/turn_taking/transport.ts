/**
 * The transport floor inside the turn-taking suite (../transport/probe.ts): measured in the same
 * run as the interruptions, so their stop latency can be read against what WebRTC alone costs.
 * It runs before the agent registers (an agent worker would be dispatched to the probe's room).
 */
import { measureTransportFloor } from '../transport/probe.js';
import type { Row, ScenarioContext, ScenarioResult } from './context.js';

export async function runTransport(ctx: ScenarioContext, rounds: number): Promise<ScenarioResult> {
  const floor = await measureTransportFloor(ctx.room('transport'), rounds, ctx.rand);
  const ms = (s: { p50: number; p95: number }) => `${s.p50} / ${s.p95} ms`;
  const row = (metric: string, s: typeof floor.stop): Row => ({
    metric,
    value: ms(s.totalMs),
    n: s.n,
    target: '',
    met: undefined,
  });
  ctx.progress(
    `  stop: ${ms(floor.stop.totalMs)} (uplink ${ms(floor.stop.upMs)}, downlink ${ms(floor.stop.downMs)}); ` +
      `start: ${ms(floor.start.totalMs)}`,
  );
  return {
    scenario: 'transport',
    rows: [
      row('floor: onset -> a relay silent p50 / p95', floor.stop),
      row('floor: onset -> a relay heard p50 / p95', floor.start),
    ],
    json: { ...floor },
  };
}
