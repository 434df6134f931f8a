import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { feed, layout, speech, whiteNoise } from '../../test/vad_audio.js';
import { QUIET_WINDOWS_MODELLED, SileroVad } from './vad.js';

/** One Silero window: 512 samples at 16 kHz. */
const WINDOW_MS = 32;

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});

/** Windows the model inferred while `run` ran (the model is the process's, used by none else). */
async function modelled<T>(run: () => Promise<T>): Promise<{ windows: number; result: T }> {
  const before = vad.stats.windows;
  const result = await run();
  return { windows: vad.stats.windows - before, result };
}

describe('VAD on near silence: the model is spared, speech after it is still heard', () => {
  it('three seconds of digital silence reach the model for its first windows only', async () => {
    const stream = vad.stream();
    const { windows, result: events } = await modelled(() =>
      feed(stream, new Int16Array(24_000 * 3)),
    );
    assert.deepEqual(events, []);
    assert.ok(windows <= QUIET_WINDOWS_MODELLED + 1, `${windows} windows inferred of ~93`);
    stream.close();
  });

  it('quiet room noise above the gate (-60 dBFS) is still judged by the model', async () => {
    const stream = vad.stream();
    const { windows, result: events } = await modelled(() => feed(stream, whiteNoise(2000, 33, 3)));
    assert.deepEqual(events, []);
    assert.ok(windows >= 2000 / WINDOW_MS - 2, `${windows} windows inferred of ~62`);
    stream.close();
  });

  it('speech after five seconds of silence starts and ends as after a short one', async () => {
    const phrase = 'Could you book me a table for two at seven?';
    const timing = async (silenceMs: number) => {
      const { samples, placed } = layout([
        { silenceMs },
        { audio: speech(phrase), label: phrase },
        { silenceMs: 1000 },
      ]);
      const stream = vad.stream({ minSpeechMs: 100, minSilenceMs: 200 });
      const events = await feed(stream, samples);
      stream.close();
      const [start, end] = events;
      assert.equal(events.length, 2, JSON.stringify(events));
      assert.ok(start?.type === 'start' && end?.type === 'end');
      return { startLag: start.atMs - placed[0]!.startMs, endLag: end.atMs - placed[0]!.endMs };
    };
    const short = await timing(200);
    const long = await timing(5000);
    const ctx = JSON.stringify({ short, long });
    assert.ok(Math.abs(long.startLag - short.startLag) <= WINDOW_MS, `start: ${ctx}`);
    assert.ok(Math.abs(long.endLag - short.endLag) <= WINDOW_MS, `end: ${ctx}`);
  });
});
