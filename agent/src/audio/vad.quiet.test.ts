import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { feed, layout, speech, whiteNoise } from '../../test/vad_audio.js';
import { SileroVad } from './vad.js';
import type { VadEvent } from './vad.js';

/**
 * Quiet windows (below -60 dBFS) after a few the model has heard are not given to the model:
 * a quiet microphone costs almost no inference, and speech after it is found as soon as after a
 * short pause.
 */
let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});

const PHRASE = 'Could you book me a table for two at seven?';

async function run(samples: Int16Array) {
  const probabilities: number[] = [];
  const stream = vad.stream({}, (w) => probabilities.push(w.probability));
  const events = await feed(stream, samples);
  const skipped = stream.skippedWindows;
  stream.close();
  return { events, skipped, windows: probabilities.length, probabilities };
}

const starts = (events: VadEvent[]) =>
  events.flatMap((e) => (e.type === 'start' ? [e.speechStartMs] : []));

describe('VAD skips quiet windows', () => {
  it('gives a quiet microphone to the model for its first windows only', async () => {
    const r = await run(new Int16Array(24_000 * 5));
    assert.equal(r.events.length, 0);
    assert.ok(r.windows >= 150, `${r.windows} windows`);
    assert.ok(r.skipped >= r.windows - 5, `${r.skipped} of ${r.windows} skipped`);
    assert.ok(Math.max(...r.probabilities) < 0.1);
  });

  it('skips nothing of a microphone with audible noise (-50 dBFS)', async () => {
    const r = await run(whiteNoise(3000, 104, 3));
    assert.equal(r.skipped, 0);
  });

  it('finds speech after 5 s of quiet as it does after 100 ms, and its end', async () => {
    const said = speech(PHRASE);
    const afterPause = layout([
      { silenceMs: 100 },
      { audio: said, label: 'phrase' },
      { silenceMs: 1000 },
    ]);
    const afterQuiet = layout([
      { silenceMs: 5000 },
      { audio: said, label: 'phrase' },
      { silenceMs: 1000 },
    ]);
    const short = await run(afterPause.samples);
    const long = await run(afterQuiet.samples);
    assert.ok(long.skipped >= 140, `${long.skipped} windows of the 5 s skipped`);
    assert.deepEqual(
      long.events.map((e) => e.type),
      short.events.map((e) => e.type),
      JSON.stringify({ short: short.events, long: long.events }),
    );
    // Where each found the speech, from its own onset: within one 32 ms window of each other.
    const onsetShort = starts(short.events)[0]! - afterPause.placed[0]!.startMs;
    const onsetLong = starts(long.events)[0]! - afterQuiet.placed[0]!.startMs;
    assert.ok(Math.abs(onsetShort - onsetLong) <= 32, `${onsetShort} vs ${onsetLong} ms`);
    const ends = (r: typeof short, at: number) =>
      r.events.flatMap((e) => (e.type === 'end' ? [e.speechEndMs - at] : []));
    const endShort = ends(short, afterPause.placed[0]!.startMs);
    const endLong = ends(long, afterQuiet.placed[0]!.startMs);
    assert.equal(endLong.length, endShort.length);
    endLong.forEach((ms, i) =>
      assert.ok(Math.abs(ms - endShort[i]!) <= 32, `${ms} vs ${endShort[i]}`),
    );
  });
});
