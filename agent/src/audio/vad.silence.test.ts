import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { feed, whiteNoise } from '../../test/vad_audio.js';
import { SileroVad } from './vad.js';

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});

async function maxProbability(samples: Int16Array): Promise<{ max: number; events: number }> {
  let max = 0;
  const stream = vad.stream({}, (w) => (max = Math.max(max, w.probability)));
  const events = await feed(stream, samples);
  stream.close();
  return { max, events: events.length };
}

describe('VAD on audio without speech', () => {
  it('digital silence never starts speech', async () => {
    const { max, events } = await maxProbability(new Int16Array(24_000 * 3));
    assert.equal(events, 0);
    assert.ok(max < 0.1, `max probability ${max}`);
  });

  for (const [label, rms] of [
    ['-60 dBFS', 33],
    ['-50 dBFS', 104],
    ['-40 dBFS', 328],
  ] as const) {
    it(`low white noise (${label}) never starts speech`, async () => {
      const { max, events } = await maxProbability(whiteNoise(3000, rms, 7));
      assert.equal(events, 0, `max probability ${max}`);
      assert.ok(max < 0.35, `max probability ${max}`);
    });
  }
});
