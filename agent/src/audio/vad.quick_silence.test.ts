import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { feed, layout, speech } from '../../test/vad_audio.js';
import { SAMPLES_PER_FRAME } from './format.js';
import { SileroVad } from './vad.js';

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});

describe('VAD: the end-of-speech silence changed while streaming', () => {
  it('a shorter silence ends the same speech sooner, from the next window on', async () => {
    const { samples } = layout([
      { silenceMs: 300 },
      { audio: speech('yeah'), label: 'yeah' },
      { silenceMs: 800 },
    ]);
    const endAt = async (quick: boolean) => {
      const stream = vad.stream({ minSilenceMs: 500 });
      if (quick) stream.minSilenceMs = 120;
      const events = await feed(stream, samples);
      stream.close();
      const end = events.find((e) => e.type === 'end');
      assert.ok(end && end.type === 'end', 'the speech ended');
      return end.atMs - end.speechEndMs;
    };
    const usual = await endAt(false);
    const quick = await endAt(true);
    assert.ok(usual >= 500 && usual < 600, `usual: ended ${usual} ms after the speech`);
    assert.ok(quick >= 120 && quick < 200, `quick: ended ${quick} ms after the speech`);
  });

  it('silenceMs counts the silence inside speech, back to 0 when speech goes on', async () => {
    // A gap of 200 ms inside one utterance (VAD's silence is 500 ms), then the end.
    const { samples, placed } = layout([
      { silenceMs: 300 },
      { audio: speech('what'), label: 'what' },
      { silenceMs: 200 },
      { audio: speech('time is it'), label: 'rest' },
      { silenceMs: 800 },
    ]);
    const stream = vad.stream({ minSilenceMs: 500 });
    const trace: { atMs: number; silenceMs: number; speaking: boolean }[] = [];
    let ends = 0;
    for (let i = 0; i < samples.length; i += SAMPLES_PER_FRAME) {
      const events = await stream.push(samples.subarray(i, i + SAMPLES_PER_FRAME));
      ends += events.filter((e) => e.type === 'end').length;
      trace.push({ atMs: stream.timeMs, silenceMs: stream.silenceMs, speaking: stream.speaking });
    }
    stream.close();
    assert.equal(ends, 1, 'one utterance');
    const rest = placed.find((p) => p.label === 'rest')!;
    const restStartMs = rest.startMs;
    const inGap = trace.filter((t) => t.atMs < restStartMs + 100);
    const gapMax = Math.max(...inGap.map((t) => t.silenceMs));
    assert.ok(gapMax >= 96 && gapMax < 300, `the gap reached ${gapMax} ms of silence`);
    const inRest = trace.filter((t) => t.atMs > restStartMs + 150 && t.atMs < restStartMs + 300);
    assert.ok(
      inRest.every((t) => t.speaking && t.silenceMs === 0),
      'speech again: no silence counted',
    );
    const last = trace.at(-1)!;
    assert.ok(!last.speaking && last.silenceMs === 0, 'not speaking: 0');
    const beforeEnd = Math.max(...trace.filter((t) => t.speaking).map((t) => t.silenceMs));
    assert.ok(beforeEnd >= 400 && beforeEnd < 500, `silence before the end: ${beforeEnd} ms`);
  });

  it('refuses a negative silence', () => {
    const stream = vad.stream();
    assert.throws(() => (stream.minSilenceMs = -1), RangeError);
    stream.close();
  });
});
