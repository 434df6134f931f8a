import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AudioFrame, AudioSource, dispose } from '@livekit/rtc-node';
import { PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from './format.js';
import { PacedSource } from './paced_source.js';
import type { DirectSource } from './paced_source.js';

/**
 * A native source without a queue, and a record of when each voice frame was handed to it
 * (`handedAt`) and of the silent frames handed over after them (`silentAt`).
 */
function direct(): {
  out: DirectSource;
  handedAt: number[];
  silentAt: number[];
  close(): Promise<void>;
} {
  const native = new AudioSource(PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, 0);
  const handedAt: number[] = [];
  const silentAt: number[] = [];
  return {
    out: {
      captureFrame: async (frame) => {
        (frame.data.some((v) => v !== 0) ? handedAt : silentAt).push(performance.now());
        await native.captureFrame(frame);
      },
    },
    handedAt,
    silentAt,
    close: () => native.close(),
  };
}

/** Waits until the source has handed over everything, its silence included. */
async function played(source: PacedSource, d: ReturnType<typeof direct>): Promise<void> {
  while (source.queuedDuration > 0) await sleep(10);
  let silent = -1;
  while (silent !== d.silentAt.length) {
    silent = d.silentAt.length;
    await sleep(40);
  }
}

function frame(): AudioFrame {
  const data = Int16Array.from({ length: SAMPLES_PER_FRAME }, (_, i) => (i % 48) * 100);
  return new AudioFrame(data, PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, SAMPLES_PER_FRAME);
}

describe('PacedSource: frames handed over as they play, nothing while silent', () => {
  after(() => dispose());

  it('a reply captured at once is handed over at the pace it plays, not in one burst', async () => {
    const d = direct();
    const source = new PacedSource(d.out, 1_000);
    const started = performance.now();
    for (let i = 0; i < 30; i++) await source.captureFrame(frame());
    assert.equal(source.queuedDuration > 200, true, `queued ${source.queuedDuration} ms`);
    await sleep(100);
    assert.ok(d.handedAt.length < 20, `${d.handedAt.length} of 30 frames handed over in 100 ms`);
    while (source.queuedDuration > 0) await sleep(10);
    assert.equal(d.handedAt.length, 30);
    // 300 ms of audio: the last frame goes one tick ahead of its time at most.
    const spanMs = d.handedAt.at(-1)! - started;
    assert.ok(spanMs >= 250, `all handed over within ${Math.round(spanMs)} ms`);
    source.close();
    await d.close();
  });

  it('once the queue has played: a short silence at the same pace, then nothing', async () => {
    const d = direct();
    const source = new PacedSource(d.out, 1_000);
    for (let i = 0; i < 5; i++) await source.captureFrame(frame());
    await played(source, d);
    assert.equal(d.handedAt.length, 5);
    assert.equal(d.silentAt.length, 6, 'the voice ends on silence, not on a cut');
    assert.ok(d.silentAt[0]! >= d.handedAt.at(-1)!, 'the silence comes after the voice');
    assert.ok(d.silentAt.at(-1)! - d.handedAt[0]! >= 80, 'paced, not in one burst');
    await sleep(200);
    assert.equal(d.handedAt.length + d.silentAt.length, 11, 'then nothing while silent');
    source.close();
    await d.close();
  });

  it('a reply that comes during the silence goes on in the same run, without a gap', async () => {
    const d = direct();
    const source = new PacedSource(d.out, 1_000);
    for (let i = 0; i < 3; i++) await source.captureFrame(frame());
    while (d.silentAt.length === 0) await sleep(2);
    for (let i = 0; i < 3; i++) await source.captureFrame(frame());
    await played(source, d);
    assert.equal(d.handedAt.length, 6);
    assert.ok(d.silentAt.length < 12, `${d.silentAt.length} silent frames: one tail, not two`);
    const all = [...d.handedAt, ...d.silentAt].sort((a, b) => a - b);
    const span = all.at(-1)! - all[0]!;
    // Frame n of the run is due at n * 10 ms: the pacing held across the silence.
    assert.ok(span >= (all.length - 3) * 10, `${all.length} frames in ${Math.round(span)} ms`);
    source.close();
    await d.close();
  });

  it('capture waits while the queue is full, and clearQueue drops what was not handed over', async () => {
    const d = direct();
    const source = new PacedSource(d.out, 100);
    let resolved = 0;
    const captures = Array.from({ length: 30 }, () =>
      source.captureFrame(frame()).then(() => resolved++),
    );
    await sleep(0);
    assert.ok(resolved < 30, 'captures over a 100 ms queue wait for room');
    source.clearQueue();
    await Promise.all(captures);
    assert.equal(source.queuedDuration, 0);
    const handed = d.handedAt.length;
    await played(source, d);
    assert.equal(d.handedAt.length, handed, 'nothing cleared is handed over later');
    assert.ok(handed <= 4, `${handed} frames handed over before the clear`);
    assert.equal(d.silentAt.length, 6, 'the cut voice ends on silence');
    source.close();
    await d.close();
  });

  it('after a silence, the first frame of the next reply is handed over at once', async () => {
    const d = direct();
    const source = new PacedSource(d.out, 1_000);
    await source.captureFrame(frame());
    await played(source, d);
    const at = performance.now();
    await source.captureFrame(frame());
    await sleep(0);
    assert.equal(d.handedAt.length, 2);
    assert.ok(d.handedAt[1]! - at < 10, 'handed over without waiting for a tick');
    source.close();
    await d.close();
  });
});
