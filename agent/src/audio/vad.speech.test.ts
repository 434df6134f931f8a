import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { feed, layout, speech } from '../../test/vad_audio.js';
import type { Placed } from '../../test/vad_audio.js';
import { SileroVad } from './vad.js';
import type { VadEvent } from './vad.js';

/** One Silero window: onsets and ends can only be placed to within a window or two. */
const WINDOW_MS = 32;
/** How late start/end may fire beyond minSpeechMs/minSilenceMs (model reaction + windowing). */
const SLACK_MS = 100;

const PHRASES = [
  'Hello there, how are you doing today?',
  'Could you book me a table for two at seven?',
  'The quick brown fox jumps over the lazy dog.',
];

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});

type Start = Extract<VadEvent, { type: 'start' }>;
type End = Extract<VadEvent, { type: 'end' }>;

function pairs(events: VadEvent[]): [Start, End][] {
  const out: [Start, End][] = [];
  for (let i = 0; i < events.length; i += 2) {
    const s = events[i];
    const e = events[i + 1];
    assert.ok(
      s?.type === 'start' && e?.type === 'end',
      `events alternate: ${JSON.stringify(events)}`,
    );
    out.push([s, e]);
  }
  return out;
}

function assertTimed(
  [start, end]: [Start, End],
  truth: Placed,
  minSpeechMs: number,
  minSilenceMs: number,
) {
  const ctx = JSON.stringify({ start, end, truth });
  const startLag = start.atMs - truth.startMs;
  assert.ok(startLag >= minSpeechMs - WINDOW_MS, `start fired too early (${startLag} ms): ${ctx}`);
  assert.ok(startLag <= minSpeechMs + SLACK_MS, `start fired too late (${startLag} ms): ${ctx}`);
  assert.ok(Math.abs(start.speechStartMs - truth.startMs) <= 2 * WINDOW_MS, `onset: ${ctx}`);
  const endLag = end.atMs - truth.endMs;
  assert.ok(endLag >= minSilenceMs - WINDOW_MS, `end fired too early (${endLag} ms): ${ctx}`);
  assert.ok(endLag <= minSilenceMs + SLACK_MS, `end fired too late (${endLag} ms): ${ctx}`);
  assert.ok(Math.abs(end.speechEndMs - truth.endMs) <= 2 * WINDOW_MS, `speech end: ${ctx}`);
  assert.ok(Math.abs(end.speechMs - (end.speechEndMs - start.speechStartMs)) < 1e-6, ctx);
}

describe('VAD on espeak-ng speech', () => {
  for (const phrase of PHRASES) {
    it(`times start and end of one utterance: "${phrase}"`, async () => {
      const { samples, placed } = layout([
        { silenceMs: 600 },
        { audio: speech(phrase), label: phrase },
        { silenceMs: 1000 },
      ]);
      const stream = vad.stream({ minSpeechMs: 100, minSilenceMs: 200 });
      const events = await feed(stream, samples);
      const found = pairs(events);
      assert.equal(found.length, 1, JSON.stringify(events));
      assertTimed(found[0]!, placed[0]!, 100, 200);
      assert.equal(stream.speaking, false);
      assert.ok(Math.abs(stream.timeMs - (samples.length * 1000) / 24_000) < 1e-6);
      stream.close();
    });
  }

  it('two utterances 700 ms apart give two start/end pairs', async () => {
    const { samples, placed } = layout([
      { silenceMs: 400 },
      { audio: speech(PHRASES[0]!), label: 'first' },
      { silenceMs: 700 },
      { audio: speech(PHRASES[1]!), label: 'second' },
      { silenceMs: 800 },
    ]);
    const stream = vad.stream({ minSpeechMs: 100, minSilenceMs: 200 });
    const found = pairs(await feed(stream, samples));
    assert.equal(found.length, 2);
    assertTimed(found[0]!, placed[0]!, 100, 200);
    assertTimed(found[1]!, placed[1]!, 100, 200);
    stream.close();
  });

  it('a 300 ms pause inside speech does not split it when minSilenceMs is 500', async () => {
    const { samples, placed } = layout([
      { silenceMs: 400 },
      { audio: speech('I would like to order'), label: 'first half' },
      { silenceMs: 300 },
      { audio: speech('a large pizza with mushrooms'), label: 'second half' },
      { silenceMs: 1000 },
    ]);
    const stream = vad.stream({ minSpeechMs: 100, minSilenceMs: 500 });
    const found = pairs(await feed(stream, samples));
    assert.equal(found.length, 1);
    const whole = { label: 'whole', startMs: placed[0]!.startMs, endMs: placed[1]!.endMs };
    assertTimed(found[0]!, whole, 100, 500);
  });

  it('prefixPaddingMs moves speechStartMs earlier, not the event', async () => {
    const { samples } = layout([
      { silenceMs: 600 },
      { audio: speech(PHRASES[2]!), label: 'p' },
      { silenceMs: 600 },
    ]);
    const plain = await feed(vad.stream(), samples);
    const padded = await feed(vad.stream({ prefixPaddingMs: 300 }), samples);
    const [a, b] = [plain[0], padded[0]];
    assert.ok(a?.type === 'start' && b?.type === 'start');
    assert.equal(b.atMs, a.atMs);
    assert.ok(Math.abs(b.speechStartMs - (a.speechStartMs - 300)) < 1e-6);
    const [endA, endB] = [plain[1], padded[1]];
    assert.ok(endA?.type === 'end' && endB?.type === 'end');
    assert.equal(endB.speechMs, endA.speechMs);
  });
});
