import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EchoGate, EchoReference } from './echo.js';
import { FRAME_MS, SAMPLES_PER_FRAME } from './format.js';

/** A frame of a 1 kHz tone at `amplitude` (16-bit units). */
const tone = (amplitude: number) =>
  Int16Array.from({ length: SAMPLES_PER_FRAME }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * 1000 * i) / 24_000)),
  );
const near = (a: number, b: number) => Math.abs(a - b) < 0.1;
/** A half-scale sine: -9.03 dBFS. */
const LOUD = tone(16384);
const LOUD_DB = -9.03;

describe('EchoReference', () => {
  it('keeps the level of each frame at the time it is heard', () => {
    const reference = new EchoReference();
    reference.played(LOUD, 1000);
    assert.ok(near(reference.levelAt(1000), LOUD_DB), String(reference.levelAt(1000)));
    assert.ok(near(reference.levelAt(1004), LOUD_DB), 'the same 10 ms slot');
  });

  it('counts gaps and times nothing was played at as silence', () => {
    const reference = new EchoReference();
    reference.played(LOUD, 1000);
    reference.played(LOUD, 1050);
    assert.equal(reference.levelAt(1020), -100);
    assert.equal(reference.levelAt(500), -100);
    assert.equal(reference.levelAt(2000), -100);
  });

  it('gives frames played one after another consecutive slots, whatever the jitter of their times', () => {
    const reference = new EchoReference();
    const frames = Array.from({ length: 6 }, (_, i) => tone(1000 * (i + 1)));
    // Heard-at times as the Speaker reports them: 10 ms apart on average, +-15 ms of jitter.
    const jitter = [0, 14, -12, 9, -15, 3];
    frames.forEach((f, i) => reference.played(f, 1000 + i * FRAME_MS + jitter[i]!));
    frames.forEach((f, i) => assert.equal(reference.frameAt(100 + i), f, `slot ${100 + i}`));
    // A frame far from where the next one was due starts a new run (a pause, a resumed reply).
    const late = tone(500);
    reference.played(late, 1300);
    assert.equal(reference.frameAt(130), late);
    assert.equal(reference.frameAt(106), undefined);
  });

  it('forgets the samples of frames taken back', () => {
    const reference = new EchoReference();
    const frame = tone(2000);
    reference.played(frame, 1000);
    reference.played(tone(3000), 1010);
    reference.discardFrom(1010);
    assert.equal(reference.frameAt(100), frame);
    assert.equal(reference.frameAt(101), undefined);
  });

  it('forgets frames after about 2.6 s', () => {
    const reference = new EchoReference();
    reference.played(LOUD, 1000);
    for (let at = 1010; at <= 4000; at += FRAME_MS) reference.played(tone(100), at);
    assert.equal(reference.levelAt(1000), -100);
    assert.ok(reference.levelAt(1500) > -100, 'the last 2.5 s are kept');
  });

  it('forgets frames queued to be heard after an interruption', () => {
    const reference = new EchoReference();
    for (let at = 1000; at < 1200; at += FRAME_MS) reference.played(LOUD, at);
    reference.discardFrom(1100);
    assert.ok(near(reference.levelAt(1090), LOUD_DB));
    assert.equal(reference.levelAt(1100), -100);
    assert.equal(reference.levelAt(1190), -100);
  });
});

describe('EchoGate.gate', () => {
  it('hands back the frame itself when the agent is silent', () => {
    const gate = new EchoGate(new EchoReference());
    const frame = tone(3000);
    assert.equal(gate.gate(frame, 1000), frame);
  });

  it('hands back silence of the same length for a frame that may be echo', () => {
    const reference = new EchoReference();
    const gate = new EchoGate(reference);
    for (let at = 1000; at < 2000; at += FRAME_MS) reference.played(LOUD, at);
    // A mic frame far quieter than the agent, while the agent is audible: echo.
    const frame = tone(1000);
    const out = gate.gate(frame, 1500);
    assert.notEqual(out, frame);
    assert.equal(out.length, frame.length);
    assert.ok(out.every((v) => v === 0));
    assert.ok(
      frame.some((v) => v !== 0),
      'the input is left alone',
    );
  });

  it('passes a frame much louder than anything the agent played', () => {
    const reference = new EchoReference();
    const gate = new EchoGate(reference);
    for (let at = 1000; at < 2000; at += FRAME_MS) reference.played(tone(1000), at);
    const decision = gate.push(LOUD, 1500);
    assert.equal(decision.echo, false);
    assert.ok(decision.predictedEchoDb > -70 && decision.predictedEchoDb < LOUD_DB - 7);
  });
});
