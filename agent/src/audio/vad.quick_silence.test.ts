import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { feed, layout, speech } from '../../test/vad_audio.js';
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

  it('refuses a negative silence', () => {
    const stream = vad.stream();
    assert.throws(() => (stream.minSilenceMs = -1), RangeError);
    stream.close();
  });
});
