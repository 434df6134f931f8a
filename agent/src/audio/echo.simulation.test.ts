import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_TEXT, echoAtMic, seeded, spoken } from '../../test/echo_harness.js';
import { PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from './format.js';
import { rmsDbfs } from './level.js';

/** The simulated echo path the scenario tests rely on does what they say it does. */
describe('echo simulation', () => {
  const agent = spoken(AGENT_TEXT, { totalMs: 5000 });
  const samples = (ms: number) => Math.round((ms * PIPELINE_SAMPLE_RATE) / 1000);

  it('the agent voice is speech with pauses, at a normal level', () => {
    const levels: number[] = [];
    for (let i = 0; i + SAMPLES_PER_FRAME <= agent.length; i += SAMPLES_PER_FRAME) {
      levels.push(rmsDbfs(Int16Array.from(agent.subarray(i, i + SAMPLES_PER_FRAME))));
    }
    const voiced = levels.filter((db) => db > -40).length / levels.length;
    assert.ok(voiced > 0.5 && voiced < 0.95, `voiced share ${voiced}`);
    const loudest = Math.max(...levels);
    assert.ok(loudest > -20 && loudest < -6, `loudest frame ${loudest} dBFS`);
  });

  it('the echo arrives with the delay and about the gain asked for', () => {
    const echo = echoAtMic({ agent, echoGainDb: -10, echoDelayMs: 400 }, seeded(3));
    const lead = samples(400);
    assert.ok(
      echo.subarray(0, lead).every((v) => v === 0),
      'nothing before the delay',
    );
    let pe = 0;
    let pa = 0;
    for (let i = lead; i < echo.length; i++) {
      pe += echo[i]! ** 2;
      pa += agent[i - lead]! ** 2;
    }
    const gainDb = 10 * Math.log10(pe / pa);
    // The direct path at -10 dB plus the room's tail 3 dB below it: about -8 dB in all.
    assert.ok(gainDb > -10 && gainDb < -7, `gain ${gainDb.toFixed(1)} dB`);
  });

  it('a delay step shifts the echo by the step from its time on', () => {
    const step = { atMs: 2500, deltaMs: 100 };
    const before = echoAtMic({ agent, echoGainDb: -10, echoDelayMs: 300 }, seeded(3));
    const after = echoAtMic({ agent, echoGainDb: -10, echoDelayMs: 300, step }, seeded(3));
    assert.equal(after[samples(1000)], before[samples(1000)]);
    assert.equal(after[samples(3000)], before[samples(2900)]);
  });
});
