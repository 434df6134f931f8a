import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoGate, EchoReference } from './echo.js';
import {
  AGENT_TEXT,
  pct,
  personFrom,
  personThroughGate,
  run,
  spoken,
  voiced,
} from '../../test/echo_harness.js';

/** The agent is silent: nothing the person says may be taken for echo. */
const person = personFrom(1000);
const silence = new Float64Array(person.length);

describe('echo gate, agent silent', () => {
  it('passes every frame when the agent never played anything', () => {
    const frames = run({ agent: silence, plays: false, echoGainDb: -10, echoDelayMs: 400, person });
    assert.ok(frames.filter(voiced).length > 200);
    assert.equal(frames.filter((f) => f.echo).length, 0);
    assert.ok(frames.every((f) => f.predictedEchoDb === -100));
  });

  it('passes every frame when the agent played digital silence', () => {
    const frames = run({ agent: silence, echoGainDb: -10, echoDelayMs: 400, person });
    assert.equal(frames.filter((f) => f.echo).length, 0);
  });

  it('passes every voiced frame once a reply and its echo have died away', (t) => {
    // One gate through both: first a reply with its echo (the gate learns the path), then,
    // right after, the person speaks from 1 s on.
    const reference = new EchoReference();
    const gate = new EchoGate(reference);
    const reply = spoken(AGENT_TEXT, { totalMs: 3500, speakMs: 3000 });
    run({ agent: reply, echoGainDb: -10, echoDelayMs: 400 }, reference, gate);
    assert.ok(gate.estimate, 'the reply taught the gate the echo path');
    const later = run(
      { agent: silence, plays: false, echoGainDb: -10, echoDelayMs: 400, person, clockMs: 53_500 },
      reference,
      gate,
    );
    const { heard } = personThroughGate(later);
    t.diagnostic(`heard ${pct(heard)}`);
    assert.equal(heard, 1);
  });
});
