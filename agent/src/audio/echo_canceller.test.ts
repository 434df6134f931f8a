import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  AGENT_TEXT,
  PERSON_TEXT,
  echoAudible,
  pct,
  runCanceller,
  speechSegments,
  spoken,
  voiced,
} from '../../test/echo_harness.js';
import type { CancelledFrame, DelayStep } from '../../test/echo_harness.js';
import { evidenceApplies, overEchoDb } from '../conversation/input/echo_evidence.js';
import { ECHO_MARGIN_DB, EchoReference } from './echo.js';
import { EchoCanceller } from './echo_canceller.js';
import { PIPELINE_SAMPLE_RATE } from './format.js';
import { SileroVad } from './vad.js';

/**
 * The echo canceller (the level gate, then WebRTC's AEC3 from rtc-node once an echo path is
 * measured) in front of Silero VAD, on the simulated participant of test/echo_harness.ts:
 * the agent talks for 9 s, its echo comes back at -10 dB (coded twice, reverberated), and the
 * person says something over it from 5 s on.
 */
const agent = spoken(AGENT_TEXT, { totalMs: 10_000, speakMs: 9_000 });
const PERSON_AT_MS = 5_000;
const person = spoken([PERSON_TEXT], { totalMs: 10_000, atMs: PERSON_AT_MS });
/** After this, the canceller must have taken over and converged. */
const CONVERGED_MS = 3_000;

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});

/** Runs one scenario; returns the frames (with what VAD got of each) and VAD's segments. */
async function scenario(
  echoGainDb: number,
  echoDelayMs: number,
  withPerson: boolean,
  native = true,
  step?: DelayStep,
) {
  const reference = new EchoReference();
  const canceller = new EchoCanceller(reference, { sampleRate: PIPELINE_SAMPLE_RATE, native });
  try {
    const frames = runCanceller(
      {
        agent,
        echoGainDb,
        echoDelayMs,
        ...(withPerson ? { person } : {}),
        ...(step ? { step } : {}),
      },
      reference,
      canceller,
    );
    return {
      frames,
      segments: await speechSegments(
        vad,
        frames.map((f) => f.vad),
      ),
    };
  } finally {
    canceller.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** How VAD heard the person: its start after their onset, the voiced frames it covers. */
function heardOfPerson({ frames, segments }: Awaited<ReturnType<typeof scenario>>) {
  const spokenFrames = frames.filter(voiced);
  const onset = spokenFrames[0]!.ms;
  const inSpeech = (f: CancelledFrame) => segments.some(([a, b]) => f.ms + 5 >= a && f.ms + 5 <= b);
  const first = segments.find(([, end]) => end >= onset);
  return {
    segments,
    startMs: first ? Math.round(first[0] - onset) : Infinity,
    covered: spokenFrames.filter(inSpeech).length / spokenFrames.length,
    keptDb: median(spokenFrames.map((f) => f.outDb - f.personDb)),
  };
}

const show = (segs: [number, number][]) =>
  segs.map(([a, b]) => `${Math.round(a)}-${Math.round(b)}`).join(' ') || 'none';

describe('echo canceller in front of VAD: echo removed, the person heard', () => {
  for (const echoDelayMs of [150, 400, 650]) {
    it(`takes over and removes echo at -10 dB, ${echoDelayMs} ms late`, async (t) => {
      const { frames, segments } = await scenario(-10, echoDelayMs, false);
      const engagedAt = frames.find((f) => f.cancelling)?.ms;
      const late = frames.filter((f) => f.ms >= CONVERGED_MS && echoAudible(f));
      const removedDb = median(late.map((f) => f.echoDb - f.outDb));
      t.diagnostic(
        `engaged at ${engagedAt} ms; echo removed by ${removedDb.toFixed(1)} dB (median of ${late.length} frames after ${CONVERGED_MS} ms); VAD: ${show(segments)}`,
      );
      assert.ok(engagedAt !== undefined && engagedAt <= 2_000, 'the canceller took over');
      assert.ok(removedDb >= 20, `echo removed by only ${removedDb.toFixed(1)} dB`);
      assert.deepEqual(
        segments.filter(([, end]) => end >= CONVERGED_MS),
        [],
        'VAD heard the echo as speech',
      );
    });

    it(`lets VAD hear the person over echo at -10 dB, ${echoDelayMs} ms late`, async (t) => {
      const withEcho = heardOfPerson(await scenario(-10, echoDelayMs, true));
      const alone = heardOfPerson(await scenario(-120, echoDelayMs, true));
      const gated = heardOfPerson(await scenario(-10, echoDelayMs, true, false));
      t.diagnostic(
        `over echo: VAD ${show(withEcho.segments)}, start ${withEcho.startMs} ms after the onset, covers ${pct(withEcho.covered)}, voice kept at ${withEcho.keptDb.toFixed(1)} dB; ` +
          `without echo: start ${alone.startMs} ms, covers ${pct(alone.covered)}; ` +
          `the gate alone: start ${gated.startMs} ms, covers ${pct(gated.covered)}`,
      );
      // Double talk costs AEC3 its first few tens of ms (its suppressor), and some coverage:
      // measured 23-55 ms later and 80-91% against 96% without echo.
      assert.ok(
        withEcho.startMs <= alone.startMs + 80,
        'VAD started 80 ms later than without echo',
      );
      assert.ok(withEcho.covered >= alone.covered - 0.2, 'VAD heard 20 points less of the person');
      assert.ok(withEcho.keptDb >= -6, 'the voice lost more than 6 dB');
    });
  }

  it('hears the person, and not the echo, right after the echo path changed', async (t) => {
    // The path grows by 100 ms (a jitter buffer, or another device) 1 s before the person talks.
    const step = { atMs: PERSON_AT_MS - 1_000, deltaMs: 100 };
    const echoOnly = await scenario(-10, 150, false, true, step);
    const gateOnly = await scenario(-10, 150, false, false, step);
    const withEcho = heardOfPerson(await scenario(-10, 150, true, true, step));
    const gated = heardOfPerson(await scenario(-10, 150, true, false, step));
    const alone = heardOfPerson(await scenario(-120, 150, true));
    const removed = (from: number, to: number) =>
      median(
        echoOnly.frames
          .filter((f) => f.ms >= from && f.ms < to && echoAudible(f))
          .map((f) => f.echoDb - f.outDb),
      ).toFixed(1);
    t.diagnostic(
      `echo removed: before the change ${removed(step.atMs - 1_000, step.atMs)} dB, in the first second after it ${removed(step.atMs, step.atMs + 1_000)} dB, the second ${removed(step.atMs + 1_000, step.atMs + 2_000)} dB; ` +
        `echo alone: VAD ${show(echoOnly.segments)} (the gate alone: ${show(gateOnly.segments)}); ` +
        `over echo: VAD ${show(withEcho.segments)}, start ${withEcho.startMs} ms, covers ${pct(withEcho.covered)}; ` +
        `the gate alone: start ${gated.startMs} ms, covers ${pct(gated.covered)}; without echo: start ${alone.startMs} ms, covers ${pct(alone.covered)}`,
    );
    assert.deepEqual(
      echoOnly.segments.filter(([, end]) => end >= CONVERGED_MS),
      [],
      'VAD heard the echo as speech',
    );
    // While it re-converges, the gate decides on what the canceller leaves, whose suppressor
    // still takes from the person: measured 71% of their voiced frames, against 96% without
    // echo and 91% for the gate alone (which also heard 600 ms of echo as speech).
    assert.ok(withEcho.startMs <= alone.startMs + 80, 'VAD started 80 ms later than without echo');
    assert.ok(withEcho.covered >= 0.65, `VAD heard only ${pct(withEcho.covered)} of the person`);
  });

  it('leaves a microphone without echo alone: the canceller never takes over', async (t) => {
    const { frames, segments } = await scenario(-120, 400, true);
    const changed = frames.filter((f) => f.vad !== f.mic && f.vad.some((x) => x !== 0));
    t.diagnostic(`frames changed: ${changed.length} of ${frames.length}; VAD: ${show(segments)}`);
    assert.equal(
      frames.some((f) => f.cancelling),
      false,
    );
    assert.equal(changed.length, 0);
  });
});

describe("echo canceller: what may count as a person's sound", () => {
  it("no frame of echo could pass for a sound's onset, and the person's voice does", async (t) => {
    // The listener pauses the reply on a sound: 20 ms of frames, after the canceller, at least
    // -45 dBFS (AGENT_INPUT_ACTIVE_DBFS) and 7 dB above the loudest echo expected in them.
    const onsetDbfs = -45;
    const passes = (f: CancelledFrame) => f.outDb >= onsetDbfs && f.outDb > f.worstEchoDb + 7;
    // The echo at -10 dB, and again with its delay moving by 100 ms in the middle of the reply.
    const echoOnly = [
      ...(await scenario(-10, 120, false)).frames,
      ...(await scenario(-10, 150, false, true, { atMs: 4_000, deltaMs: 100 })).frames,
    ];
    const loudEcho = echoOnly.filter((f) => f.echoDb > onsetDbfs);
    const passed = loudEcho.filter(passes);
    // A microphone without echo, once the gate has measured it (0.5 s of the agent's voice).
    const person = (await scenario(-120, 400, true)).frames.filter(
      (f) => f.personDb > onsetDbfs && f.ms >= 1_000,
    );
    const heard = person.filter(passes);
    t.diagnostic(
      `echo frames above ${onsetDbfs} dBFS that pass: ${passed.length} of ${loudEcho.length}; ` +
        `the person's frames (no echo) that pass: ${heard.length} of ${person.length}`,
    );
    assert.ok(loudEcho.length > 100);
    assert.equal(passed.length, 0);
    assert.ok(person.length > 50);
    assert.ok(heard.length >= 0.75 * person.length); // 80% when written
  });

  it('no frame of echo alone is louder than the echo could be; a person over it is', async (t) => {
    // The listener takes an utterance for echo alone unless 5 of its frames, as they came in,
    // were at least -45 dBFS (AGENT_INPUT_ACTIVE_DBFS) and the gate's margin above the loudest
    // echo expected in them, where the level can tell (echo_evidence.ts).
    const activeDbfs = -45;
    const louder = (f: CancelledFrame) =>
      overEchoDb(
        { micDb: f.micDb, echoDb: f.worstEchoDb },
        { applies: evidenceApplies(f.estimate), audibleDbfs: activeDbfs },
      ) > ECHO_MARGIN_DB;
    const echoOnly = [
      ...(await scenario(-10, 120, false)).frames,
      ...(await scenario(-10, 150, false, true, { atMs: 4_000, deltaMs: 100 })).frames,
    ];
    // Before the path is measured every frame counts as louder: no claim is made then.
    const loudEcho = echoOnly.filter((f) => f.echoDb > activeDbfs && evidenceApplies(f.estimate));
    const passed = loudEcho.filter(louder);
    // The person talking over the echo at -10 dB, and over an echo whose delay just moved.
    const people = [
      (await scenario(-10, 120, true)).frames,
      (await scenario(-10, 150, true, true, { atMs: PERSON_AT_MS - 500, deltaMs: 100 })).frames,
    ];
    const firstFrames = people.map((frames) => {
      const onset = frames.find((f) => f.personDb > activeDbfs)!.ms;
      return frames.filter((f) => f.ms >= onset && f.ms < onset + 300 && louder(f)).length;
    });
    // A louder echo (-6 dB) leaves the person under the bound: there the level makes no claim.
    const loud = (await scenario(-6, 150, true)).frames;
    const loudOnset = loud.find((f) => f.personDb > activeDbfs)!;
    t.diagnostic(
      `echo frames above ${activeDbfs} dBFS louder than the echo could be: ${passed.length} of ` +
        `${loudEcho.length}; the person's: ${firstFrames.join(' and ')} in their first 300 ms; ` +
        `echo at -6 dB measured at ${loudOnset.estimate?.gainDb.toFixed(1)} dB`,
    );
    assert.ok(loudEcho.length > 100);
    assert.equal(passed.length, 0);
    // Measured 7 and 9 when written: the loudest echo at any delay over 0.8 s is a high bar, but
    // an utterance needs only five frames over it.
    for (const n of firstFrames) assert.ok(n >= 5, `only ${n} in the person's first 300 ms`);
    assert.ok(loudOnset.estimate, 'the gate measured the louder echo');
    assert.equal(evidenceApplies(loudOnset.estimate), false);
  });
});

describe('echo canceller: the native canceller off or missing', () => {
  it('with the native canceller turned off, only gates', async () => {
    const reference = new EchoReference();
    const canceller = new EchoCanceller(reference, {
      sampleRate: PIPELINE_SAMPLE_RATE,
      native: false,
    });
    const frames = runCanceller({ agent, echoGainDb: -10, echoDelayMs: 400 }, reference, canceller);
    assert.ok(canceller.estimate, 'the gate measured the path');
    assert.equal(
      frames.some((f) => f.cancelling),
      false,
    );
  });

  it('falls back to the gate, and says so, when the native canceller cannot be made', () => {
    const reference = new EchoReference();
    const told: string[] = [];
    const canceller = new EchoCanceller(reference, {
      sampleRate: PIPELINE_SAMPLE_RATE,
      createNative: () => {
        throw new Error('no native library');
      },
      onEngaged: ({ error }) => told.push(error ?? 'engaged'),
    });
    const frames = runCanceller({ agent, echoGainDb: -10, echoDelayMs: 400 }, reference, canceller);
    assert.deepEqual(told, ['no native library']);
    assert.equal(
      frames.some((f) => f.cancelling),
      false,
    );
  });
});
