import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AudioFrame, AudioSource, dispose } from '@livekit/rtc-node';
import { PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from './format.js';
import { PacedSource } from './paced_source.js';
import type { DirectSource } from './paced_source.js';

/** A native source without a queue, and a record of when each frame was handed to it. */
function direct(): { out: DirectSource; handedAt: number[]; close(): Promise<void> } {
  const native = new AudioSource(PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, 0);
  const handedAt: number[] = [];
  return {
    out: {
      captureFrame: async (frame) => {
        handedAt.push(performance.now());
        await native.captureFrame(frame);
      },
    },
    handedAt,
    close: () => native.close(),
  };
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

  it('once the queue has played, nothing more is handed over', async () => {
    const d = direct();
    const source = new PacedSource(d.out, 1_000);
    for (let i = 0; i < 5; i++) await source.captureFrame(frame());
    while (source.queuedDuration > 0) await sleep(10);
    const handed = d.handedAt.length;
    await sleep(200);
    assert.equal(d.handedAt.length, handed);
    assert.equal(handed, 5);
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
    await sleep(100);
    assert.equal(d.handedAt.length, handed, 'nothing cleared is handed over later');
    assert.ok(handed <= 4, `${handed} frames handed over before the clear`);
    source.close();
    await d.close();
  });

  it('after a silence, the first frame of the next reply is handed over at once', async () => {
    const d = direct();
    const source = new PacedSource(d.out, 1_000);
    await source.captureFrame(frame());
    await sleep(100);
    const at = performance.now();
    await source.captureFrame(frame());
    await sleep(0);
    assert.equal(d.handedAt.length, 2);
    assert.ok(d.handedAt[1]! - at < 10, 'handed over without waiting for a tick');
    source.close();
    await d.close();
  });
});
