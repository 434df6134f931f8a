import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoGate, EchoReference } from './echo.js';
import {
  agentReply,
  echoAudible,
  longestRun,
  pct,
  run,
  settleMs,
  share,
  sound,
} from '../../test/echo_harness.js';
import type { FrameResult } from '../../test/echo_harness.js';

/**
 * Echo only: the agent speaks for 5 s; the participant's mic, without echo cancellation, sends it
 * back at -3, -10 or -20 dB, 150 to 650 ms late. None of it may reach VAD as speech.
 */
const agent = agentReply();
/** Frames wrongly passed, among those where the echo is audible. */
const MAX_LEAK = 0.01;
/** Consecutive passed frames of echo VAD could take for speech: 30 ms is too many. */
const MAX_RUN = 2;

const leak = (frames: FrameResult[], gainDb: number) =>
  share(
    frames.filter((f) => f.ms >= settleMs(gainDb) && echoAudible(f)),
    (f) => !f.echo,
  );
const passedRun = (frames: FrameResult[], gainDb: number) =>
  longestRun(
    frames.filter((f) => f.ms >= settleMs(gainDb)),
    (f) => !f.echo && sound(f),
  );

describe('echo gate, echo only', () => {
  for (const echoGainDb of [-3, -10, -20]) {
    for (const echoDelayMs of [150, 400, 650]) {
      it(`suppresses echo at ${echoGainDb} dB, ${echoDelayMs} ms late`, (t) => {
        const frames = run({ agent, echoGainDb, echoDelayMs });
        const ctx = `leak ${pct(leak(frames, echoGainDb))}, longest run ${passedRun(frames, echoGainDb)} frames`;
        t.diagnostic(ctx);
        assert.ok(leak(frames, echoGainDb) <= MAX_LEAK, ctx);
        assert.ok(passedRun(frames, echoGainDb) <= MAX_RUN, ctx);
      });
    }
  }

  it('learns the delay within 1.5 s of the reply starting', () => {
    for (const echoDelayMs of [150, 400, 650]) {
      const reference = new EchoReference();
      const gate = new EchoGate(reference);
      run({ agent: agent.subarray(0, 24 * 1500), echoGainDb: -10, echoDelayMs }, reference, gate);
      const estimate = gate.estimate;
      assert.ok(estimate, `no estimate for ${echoDelayMs} ms`);
      // Measured from when the mic frames arrive: 10-20 ms later than the echo is in the audio.
      assert.ok(Math.abs(estimate.delayMs - echoDelayMs) <= 40, JSON.stringify(estimate));
    }
  });

  it('suppresses echo in other rooms and codings too (8 seeds, 72 runs)', (t) => {
    let leaked = 0;
    let audible = 0;
    const runs: number[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      for (const echoGainDb of [-3, -10, -20]) {
        for (const echoDelayMs of [150, 400, 650]) {
          const frames = run({ agent, echoGainDb, echoDelayMs, seed });
          const after = frames.filter((f) => f.ms >= settleMs(echoGainDb) && echoAudible(f));
          audible += after.length;
          leaked += after.filter((f) => !f.echo).length;
          runs.push(passedRun(frames, echoGainDb));
        }
      }
    }
    const ctx = `leak ${pct(leaked / audible)} of ${audible} frames, longest run ${Math.max(...runs)}`;
    t.diagnostic(ctx);
    assert.ok(leaked / audible <= MAX_LEAK, ctx);
    assert.ok(Math.max(...runs) <= MAX_RUN, `${ctx}; runs ${runs.join(',')}`);
  });
});
