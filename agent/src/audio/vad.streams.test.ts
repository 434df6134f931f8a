import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { feed, layout, speech, whiteNoise } from '../../test/vad_audio.js';
import { SAMPLES_PER_FRAME } from './format.js';
import { SileroVad, sileroSessionsCreated } from './vad.js';
import type { VadEvent, VadWindow } from './vad.js';

const talk = () =>
  layout([
    { silenceMs: 300 },
    { audio: speech('Please tell me about the weather tomorrow.'), label: 'talk' },
    { silenceMs: 700 },
  ]).samples;
const hush = () => whiteNoise(3000, 104, 3);

/** Feeds one stream and records every window it saw. */
async function run(vad: SileroVad, samples: Int16Array) {
  const windows: VadWindow[] = [];
  const stream = vad.stream({}, (w) => windows.push(w));
  const events = await feed(stream, samples);
  stream.close();
  return { events, windows };
}

describe('VAD streams sharing one model', () => {
  it('creates the ONNX session once, however many loads and streams', async () => {
    const loads = await Promise.all([SileroVad.load(), SileroVad.load(), SileroVad.load()]);
    assert.ok(loads.every((v) => v === loads[0]));
    const again = await SileroVad.load();
    for (let i = 0; i < 20; i++) again.stream().close();
    assert.equal(again, loads[0]);
    assert.equal(sileroSessionsCreated(), 1);
  });

  it('streams fed different audio concurrently keep their own state', async () => {
    const vad = await SileroVad.load();
    const [speechAudio, noiseAudio] = [talk(), hush()];
    const soloSpeech = await run(vad, speechAudio);
    const soloNoise = await run(vad, noiseAudio);
    const batchedBefore = vad.stats.maxBatch;

    // Interleaved: both streams' windows share runs (batches) of the one session.
    const [a, b, c] = await Promise.all([
      run(vad, speechAudio),
      run(vad, noiseAudio),
      run(vad, speechAudio),
    ]);
    assert.ok(vad.stats.maxBatch >= 2 && batchedBefore === 1, 'windows were batched');
    for (const [together, alone] of [
      [a, soloSpeech],
      [b, soloNoise],
      [c, soloSpeech],
    ] as const) {
      assert.deepEqual(together.events, alone.events);
      assert.equal(together.windows.length, alone.windows.length);
      together.windows.forEach((w, i) => {
        const solo = alone.windows[i]!;
        assert.equal(w.startMs, solo.startMs);
        assert.ok(Math.abs(w.probability - solo.probability) < 1e-4, `window ${i}`);
      });
    }
    assert.equal(soloSpeech.events.length, 2);
    assert.equal(soloNoise.events.length, 0);
  });

  it('pushes that are not awaited are processed in call order', async () => {
    const vad = await SileroVad.load();
    const samples = talk();
    const sequential = await run(vad, samples);
    const stream = vad.stream();
    const pending: Promise<VadEvent[]>[] = [];
    for (let i = 0; i < samples.length; i += SAMPLES_PER_FRAME) {
      pending.push(stream.push(samples.slice(i, i + SAMPLES_PER_FRAME)));
    }
    const events = (await Promise.all(pending)).flat();
    assert.deepEqual(events, sequential.events);
    assert.ok(Math.abs(stream.timeMs - (samples.length * 1000) / 24_000) < 1e-6);
  });
});

describe('VAD stream lifecycle', () => {
  it('reset forgets speech in progress and keeps stream time running', async () => {
    const vad = await SileroVad.load();
    const samples = talk();
    const stream = vad.stream();
    const half = Math.floor(samples.length / 2 / SAMPLES_PER_FRAME) * SAMPLES_PER_FRAME;
    const first = await feed(stream, samples.subarray(0, half));
    assert.deepEqual(
      first.map((e) => e.type),
      ['start'],
    );
    assert.equal(stream.speaking, true);
    const atReset = stream.timeMs;
    stream.reset();
    assert.equal(stream.speaking, false);
    assert.equal(stream.probability, 0);
    assert.equal(stream.timeMs, atReset);
    // The rest of the utterance starts again as new speech, timed after the reset.
    const rest = await feed(stream, samples.subarray(half));
    assert.equal(rest[0]?.type, 'start');
    assert.ok(rest[0].speechStartMs >= atReset);
  });

  it('a push in flight during reset resolves with no events', async () => {
    const vad = await SileroVad.load();
    const stream = vad.stream({ minSpeechMs: 0 });
    const loud = speech('Hello hello hello');
    const pending = stream.push(loud.subarray(0, 24_000 * 0.3));
    stream.reset();
    assert.deepEqual(await pending, []);
    assert.equal(stream.speaking, false);
  });

  it('rejects pushes once closed', async () => {
    const vad = await SileroVad.load();
    const stream = vad.stream();
    await stream.push(new Int16Array(SAMPLES_PER_FRAME));
    stream.close();
    stream.close();
    await assert.rejects(stream.push(new Int16Array(SAMPLES_PER_FRAME)), /closed/);
  });

  it('rejects options that make no sense', async () => {
    const vad = await SileroVad.load();
    assert.throws(() => vad.stream({ activationThreshold: 1.5 }), RangeError);
    assert.throws(
      () => vad.stream({ activationThreshold: 0.3, deactivationThreshold: 0.4 }),
      RangeError,
    );
    assert.throws(() => vad.stream({ minSilenceMs: -1 }), RangeError);
  });
});
