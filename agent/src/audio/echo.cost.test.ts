import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoGate, EchoReference } from './echo.js';
import { AGENT_TEXT, spoken } from '../../test/echo_harness.js';
import { FRAME_MS, SAMPLES_PER_FRAME } from './format.js';

/**
 * What one push() costs, in microseconds (a re-estimate every 20th push included): printed, and
 * checked only against a bound that just a bug would exceed (the machine may be busy).
 */
const SECONDS = 10;
/** 100 frames a second per participant: 1 ms per push would be 10% of a core per person. */
const BUG_US = 1000;

function frames(x: Float64Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + SAMPLES_PER_FRAME <= x.length; i += SAMPLES_PER_FRAME) {
    out.push(Int16Array.from(x.subarray(i, i + SAMPLES_PER_FRAME), (v) => Math.round(v)));
  }
  return out;
}

describe('echo gate cost', () => {
  it('measures microseconds per push', (t) => {
    const agent = frames(spoken([...AGENT_TEXT, ...AGENT_TEXT], { totalMs: SECONDS * 1000 }));
    const delay = 40; // frames: a 400 ms echo at -10 dB
    const mic = agent.map((_, j) =>
      (agent[j - delay] ?? new Int16Array(SAMPLES_PER_FRAME)).map((v) => Math.round(v / 3.16)),
    );
    const timed = (label: string, from: number, to: number, gate: EchoGate, ref: EchoReference) => {
      const started = performance.now();
      for (let j = from; j < to; j++) {
        ref.played(agent[j]!, j * FRAME_MS);
        gate.push(mic[j]!, j * FRAME_MS);
      }
      const us = ((performance.now() - started) * 1000) / (to - from);
      t.diagnostic(`${label}: ${us.toFixed(1)} us per push (played() included)`);
      return us;
    };
    const reference = new EchoReference();
    const gate = new EchoGate(reference);
    // The first 1.2 s: no delay known yet, every delay searched.
    const cautious = timed('before a delay is known', 0, 120, gate, reference);
    timed('warm-up', 120, 300, gate, reference);
    const tracking = timed('tracking a known delay', 300, agent.length, gate, reference);
    assert.ok(gate.estimate, 'the gate found the delay');
    assert.ok(cautious < BUG_US && tracking < BUG_US, `${cautious} / ${tracking} us`);
  });
});
