import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { AudioSource, dispose } from '@livekit/rtc-node';
import { PIPELINE_SAMPLE_RATE } from './format.js';
import { Speaker } from './speaker.js';
import type { SpokenSegment } from './speaker.js';

/** `ms` of a 440 Hz tone, in 100 ms chunks, as a TTS stream would deliver it. */
async function* tone(ms: number): AsyncGenerator<Int16Array> {
  const total = (ms * PIPELINE_SAMPLE_RATE) / 1000;
  for (let at = 0; at < total; at += PIPELINE_SAMPLE_RATE / 10) {
    const n = Math.min(PIPELINE_SAMPLE_RATE / 10, total - at);
    yield Int16Array.from({ length: n }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * (at + i)) / PIPELINE_SAMPLE_RATE)),
    );
  }
}

async function* segments(parts: [string, number][]): AsyncGenerator<SpokenSegment> {
  for (const [text, ms] of parts) yield { text, audio: tone(ms) };
}

describe('Speaker: what was played, word by word', () => {
  after(() => dispose());

  it('a reply in two segments is reported as one text, spaces between segments included', async () => {
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, 1_000);
    const words: string[] = [];
    const report = await new Speaker(source).speak(
      segments([
        ['Once upon a time,', 300],
        ['in a small village.', 300],
      ]),
      { signal: new AbortController().signal, onWord: (w) => words.push(w) },
    );
    assert.equal(words.join(''), 'Once upon a time, in a small village.');
    assert.equal(report.playedText, 'Once upon a time, in a small village.');
    assert.equal(report.interrupted, false);
    assert.ok(Math.abs(report.playedMs - 600) <= 10, `played ${report.playedMs} ms`);
    await source.close();
  });

  it('an abort stops playout at once and reports only the words played', async () => {
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, 1_000);
    const abort = new AbortController();
    const words: string[] = [];
    setTimeout(() => abort.abort(), 700);
    const started = performance.now();
    const report = await new Speaker(source).speak(
      segments([
        ['one two three four', 1_000],
        ['five six seven eight', 1_000],
      ]),
      { signal: abort.signal, onWord: (w) => words.push(w) },
    );
    const tookMs = performance.now() - started;
    assert.equal(report.interrupted, true);
    assert.ok(tookMs < 900, `speak() returned ${Math.round(tookMs)} ms after it began`);
    assert.equal(source.queuedDuration, 0, 'the queue was cleared');
    // 700 ms of a 2 s reply: the first segment's early words, never the second segment's.
    assert.ok(report.playedMs >= 500 && report.playedMs <= 800, `played ${report.playedMs} ms`);
    assert.match(report.playedText, /^one two( three)?$/);
    assert.equal(words.join(''), report.playedText);
    await source.close();
  });

  it('a segment whose audio failed adds no words: nobody heard them', async () => {
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, 1_000);
    async function* failed(): AsyncGenerator<Int16Array> {}
    async function* parts(): AsyncGenerator<SpokenSegment> {
      yield { text: 'Sorry,', audio: failed() };
      yield { text: 'please say that again.', audio: tone(400) };
    }
    const words: string[] = [];
    const report = await new Speaker(source).speak(parts(), {
      signal: new AbortController().signal,
      onWord: (w) => words.push(w),
    });
    assert.equal(report.playedText, 'please say that again.');
    assert.equal(words.join('').trim(), 'please say that again.');
    await source.close();
  });
});
