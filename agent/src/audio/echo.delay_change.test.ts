import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoGate, EchoReference } from './echo.js';
import {
  AGENT_TEXT,
  echoAudible,
  longestRun,
  pct,
  run,
  share,
  sound,
  spoken,
} from '../../test/echo_harness.js';

/**
 * The echo's delay changes in the middle of a reply (a jitter buffer grows or shrinks): the gate
 * may let some echo through while it re-learns the delay, but within a second it must be back to
 * suppressing all of it.
 */
const agent = spoken([...AGENT_TEXT, ...AGENT_TEXT], { totalMs: 9000, speakMs: 8000 });
const CHANGE_MS = 3000;
const RECOVERY_MS = 1000;

describe('echo gate, delay change', () => {
  for (const [echoDelayMs, deltaMs] of [
    [300, 100],
    [400, -100],
    [150, 100],
    [500, 200],
  ] as const) {
    it(`recovers within 1 s when ${echoDelayMs} ms becomes ${echoDelayMs + deltaMs} ms`, (t) => {
      const reference = new EchoReference();
      const gate = new EchoGate(reference);
      const frames = run(
        { agent, echoGainDb: -10, echoDelayMs, step: { atMs: CHANGE_MS, deltaMs } },
        reference,
        gate,
      );
      const leaked = (f: (typeof frames)[number]) => !f.echo && echoAudible(f);
      const during = frames.filter((f) => f.ms >= CHANGE_MS && f.ms < CHANGE_MS + RECOVERY_MS);
      const after = frames.filter((f) => f.ms >= CHANGE_MS + RECOVERY_MS);
      const lastLeak = frames.filter(leaked).at(-1);
      const ctx =
        `during the first second: ${during.filter(leaked).length} frames leaked, longest run ` +
        `${longestRun(during, (f) => !f.echo && sound(f))}; after: leak ` +
        `${pct(share(after.filter(echoAudible), (f) => !f.echo))}, longest run ` +
        `${longestRun(after, (f) => !f.echo && sound(f))}; last leak at +` +
        `${lastLeak ? lastLeak.ms - CHANGE_MS : 'none'} ms; estimate ${JSON.stringify(gate.estimate)}`;
      t.diagnostic(ctx);
      assert.ok(share(after.filter(echoAudible), (f) => !f.echo) <= 0.01, ctx);
      assert.ok(longestRun(after, (f) => !f.echo && sound(f)) <= 2, ctx);
      const delayMs = gate.estimate?.delayMs ?? NaN;
      assert.ok(Math.abs(delayMs - (echoDelayMs + deltaMs)) <= 40, ctx);
    });
  }
});
