import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AudioSource, dispose } from '@livekit/rtc-node';
import { PIPELINE_SAMPLE_RATE } from './format.js';
import { Speaker } from './speaker.js';
import type { SpokenSegment } from './speaker.js';

/** `ms` of a tone in 100 ms chunks, as a TTS stream delivers it. */
async function* tone(ms: number): AsyncGenerator<Int16Array> {
  const chunk = PIPELINE_SAMPLE_RATE / 10;
  for (let at = 0; at < (ms * PIPELINE_SAMPLE_RATE) / 1000; at += chunk) {
    yield Int16Array.from({ length: chunk }, (_, i) => Math.round(8000 * Math.sin((at + i) / 5)));
  }
}

async function* reply(text: string, ms: number): AsyncGenerator<SpokenSegment> {
  yield { text, audio: tone(ms) };
}

/** The agent's own queue length (agent_room.ts): what a pause has to take back. */
const QUEUE_MS = 200;

describe('Speaker: pause and resume', () => {
  after(() => dispose());

  it('a pause silences at once and loses nothing: the reply plays out whole after resume', async () => {
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, QUEUE_MS);
    const speaker = new Speaker(source);
    const started = performance.now();
    const done = speaker.speak(reply('one two three four five six seven eight', 1_000), {
      signal: new AbortController().signal,
    });
    await sleep(300);
    assert.equal(speaker.pause(), true);
    assert.equal(source.queuedDuration, 0, 'the queued audio was taken back');
    assert.equal(speaker.pause(), false, 'already paused');
    await sleep(400);
    assert.equal(source.queuedDuration, 0, 'nothing was played while paused');
    speaker.resume();
    const report = await done;
    const wallMs = performance.now() - started;
    assert.equal(report.interrupted, false);
    assert.equal(report.playedText, 'one two three four five six seven eight');
    assert.ok(Math.abs(report.playedMs - 1_000) <= 10, `played ${report.playedMs} ms`);
    // 1 s of audio plus the 400 ms pause: nothing replayed twice, nothing skipped.
    assert.ok(wallMs > 1_350 && wallMs < 1_650, `took ${Math.round(wallMs)} ms`);
    await source.close();
  });

  it('an abort while paused reports only what was heard before the pause', async () => {
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, QUEUE_MS);
    const speaker = new Speaker(source);
    const abort = new AbortController();
    const done = speaker.speak(reply('one two three four five six seven eight nine ten', 2_000), {
      signal: abort.signal,
    });
    await sleep(500);
    speaker.pause();
    await sleep(300);
    abort.abort();
    const report = await done;
    assert.equal(report.interrupted, true);
    assert.ok(
      report.playedMs >= 420 && report.playedMs <= 560,
      `heard ${report.playedMs} ms: the pause position, not what was queued`,
    );
    assert.equal(report.playedText, 'one two');
  });

  it('pausing twice in a row, and resuming, still plays everything once', async () => {
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, QUEUE_MS);
    const speaker = new Speaker(source);
    const done = speaker.speak(reply('a b c d', 800), { signal: new AbortController().signal });
    for (const at of [150, 20, 150]) {
      await sleep(at);
      speaker.pause();
      await sleep(100);
      speaker.resume();
    }
    const report = await done;
    assert.ok(Math.abs(report.playedMs - 800) <= 10, `played ${report.playedMs} ms`);
    assert.equal(report.playedText, 'a b c d');
    assert.equal(speaker.pause(), false, 'nothing is playing any more');
  });

  it('a pause right after a resume the playout has not picked up yet still holds', async () => {
    const source = new AudioSource(PIPELINE_SAMPLE_RATE, 1, QUEUE_MS);
    const speaker = new Speaker(source);
    // The first audio comes late (the TTS is still working): playout waits for it.
    async function* late(): AsyncGenerator<SpokenSegment> {
      await sleep(200);
      yield { text: 'one two three', audio: tone(300) };
    }
    const started = performance.now();
    const done = speaker.speak(late(), { signal: new AbortController().signal });
    await sleep(20);
    assert.equal(speaker.pause(), true, 'a cough');
    speaker.resume(); // its words were none
    assert.equal(speaker.pause(), true, 'someone interrupts before the first audio');
    await sleep(400);
    assert.equal(source.queuedDuration, 0, 'held: nothing played');
    speaker.resume();
    const report = await done;
    assert.ok(Math.abs(report.playedMs - 300) <= 10, `played ${report.playedMs} ms`);
    assert.ok(performance.now() - started >= 700, 'played only after the second resume');
  });
});
