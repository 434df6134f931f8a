import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivityDetector, DEFAULT_ACTIVITY, SILENCE_DBFS, rmsDbfs } from './level.js';
import type { ActivityChange } from './level.js';

describe('rmsDbfs', () => {
  it('digital silence is -100 dBFS', () => {
    assert.equal(rmsDbfs(new Int16Array(480)), SILENCE_DBFS);
    assert.equal(SILENCE_DBFS, -100);
  });

  it('no samples counts as silence', () => {
    assert.equal(rmsDbfs(new Int16Array(0)), -100);
  });

  it('a full-scale square wave is 0 dBFS', () => {
    const square = Int16Array.from({ length: 480 }, (_, i) => (i % 2 ? 32767 : -32768));
    assert.ok(Math.abs(rmsDbfs(square) - 0) <= 0.01, `got ${rmsDbfs(square)}`);
  });

  it('a half-scale sine is about -9.03 dBFS', () => {
    // 1 kHz at 48 kHz, a whole number of periods.
    const sine = Int16Array.from({ length: 480 }, (_, i) =>
      Math.round(16384 * Math.sin((2 * Math.PI * 1000 * i) / 48_000)),
    );
    const dbfs = rmsDbfs(sine);
    assert.ok(Math.abs(dbfs - -9.03) <= 0.02, `got ${dbfs}`);
  });

  it('a level too low for the floor is clamped to -100', () => {
    const one = new Int16Array(1_000_000);
    one[0] = 1;
    assert.equal(rmsDbfs(one), -100);
  });
});

const WINDOW_MS = 10;
const LOUD = -20;
const QUIET = -70;
const THRESHOLD = -45;

/** Feeds `ms` of one level in 10 ms windows; returns the changes reported, with when. */
function feed(
  detector: ActivityDetector,
  dbfs: number,
  ms: number,
  log: { atMs: number; change: ActivityChange }[],
  clock: { ms: number },
): void {
  for (let t = 0; t < ms; t += WINDOW_MS) {
    clock.ms += WINDOW_MS;
    const change = detector.push(dbfs, WINDOW_MS);
    if (change) log.push({ atMs: clock.ms, change });
  }
}

function scenario(steps: [dbfs: number, ms: number][]) {
  const detector = new ActivityDetector({ thresholdDbfs: THRESHOLD, ...DEFAULT_ACTIVITY });
  const log: { atMs: number; change: ActivityChange }[] = [];
  const clock = { ms: 0 };
  for (const [dbfs, ms] of steps) feed(detector, dbfs, ms, log, clock);
  return { detector, log };
}

describe('ActivityDetector with the default attack (40 ms) and release (500 ms)', () => {
  it('starts inactive', () => {
    assert.equal(scenario([]).detector.active, false);
  });

  it('a 20 ms click does not turn it active', () => {
    const { detector, log } = scenario([
      [QUIET, 100],
      [LOUD, 20],
      [QUIET, 100],
    ]);
    assert.equal(detector.active, false);
    assert.deepEqual(log, []);
  });

  it('clicks separated by quiet do not add up', () => {
    const { detector, log } = scenario([
      [LOUD, 30],
      [QUIET, 10],
      [LOUD, 30],
      [QUIET, 10],
      [LOUD, 30],
    ]);
    assert.equal(detector.active, false);
    assert.deepEqual(log, []);
  });

  it('60 ms of speech turns it active once, after 40 ms', () => {
    const { detector, log } = scenario([
      [QUIET, 100],
      [LOUD, 60],
    ]);
    assert.equal(detector.active, true);
    assert.deepEqual(log, [{ atMs: 140, change: { active: true, dbfs: LOUD } }]);
  });

  it('a 300 ms pause inside speech does not turn it inactive', () => {
    const { detector, log } = scenario([
      [LOUD, 200],
      [QUIET, 300],
      [LOUD, 200],
    ]);
    assert.equal(detector.active, true);
    assert.deepEqual(
      log.map((e) => e.change.active),
      [true],
    );
  });

  it('pauses shorter than the release do not add up', () => {
    const { detector, log } = scenario([
      [LOUD, 100],
      [QUIET, 400],
      [LOUD, 10],
      [QUIET, 400],
    ]);
    assert.equal(detector.active, true);
    assert.deepEqual(
      log.map((e) => e.change.active),
      [true],
    );
  });

  it('600 ms of silence after speech turns it inactive once, after 500 ms', () => {
    const { detector, log } = scenario([
      [LOUD, 100],
      [SILENCE_DBFS, 600],
    ]);
    assert.equal(detector.active, false);
    assert.deepEqual(log, [
      { atMs: 40, change: { active: true, dbfs: LOUD } },
      { atMs: 600, change: { active: false, dbfs: SILENCE_DBFS } },
    ]);
  });

  it('each flip is reported exactly once over a long conversation', () => {
    const { detector, log } = scenario([
      [QUIET, 200],
      [LOUD, 1000], // active
      [QUIET, 200],
      [LOUD, 500],
      [QUIET, 2000], // inactive
      [LOUD, 20],
      [QUIET, 300],
      [LOUD, 800], // active
      [QUIET, 700], // inactive
    ]);
    assert.equal(detector.active, false);
    assert.deepEqual(
      log.map((e) => e.change.active),
      [true, false, true, false],
    );
  });

  it('a level exactly at the threshold counts as quiet', () => {
    const { detector } = scenario([[THRESHOLD, 200]]);
    assert.equal(detector.active, false);
  });
});
