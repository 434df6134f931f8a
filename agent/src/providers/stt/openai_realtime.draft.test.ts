import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture, RealtimeRecord } from '@voice-agent/fixtures';
import { speech } from '../../../test/vad_audio.js';
import { OpenAiRealtimeStt } from './openai_realtime.js';
import { pushFrames, STT_PHRASES, sttRecorder } from '../../../test/stt_session.js';
import type { SttStream } from '../types.js';

function draft(stream: SttStream): void {
  assert.ok(stream.draft, 'the realtime stream drafts');
  stream.draft();
}

/** A draft is committed when the person goes quiet; VAD's commit confirms or supersedes it. */
describe('openai realtime STT: drafts before the commit', () => {
  let fx: OpenAiFixture;
  let stt: OpenAiRealtimeStt;
  const utterances = STT_PHRASES.map((p) => speech(p));
  const commits = () => {
    const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
    return body.clientEvents.filter((e) => e === 'input_audio_buffer.commit').length;
  };

  before(async () => {
    fx = await startOpenAiFixture({
      phrases: STT_PHRASES,
      apiKey: 'sk-rt',
      script: { realtime: { finalDelayMs: 50, deltaIntervalMs: 0 } },
    });
    stt = new OpenAiRealtimeStt({
      baseURL: fx.baseUrl,
      apiKey: 'sk-rt',
      model: 'gpt-4o-transcribe',
    });
  });
  after(async () => {
    await stt.close();
    await fx.close();
  });

  it("a draft's words come as an interim, and its commit gives them as the final at once", async () => {
    const rec = sttRecorder();
    const stream = stt.stream({ signal: new AbortController().signal, ...rec });
    pushFrames(stream, utterances[0]!);
    draft(stream);
    // The draft's final, as an interim (its word deltas come as interims before it).
    await rec.until(
      () => rec.events.some((e) => e.type === 'interim' && e.text === STT_PHRASES[0]),
      'the draft interim',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(rec.finals(), [], 'no final before the commit');

    stream.commit();
    // Already known: emitted inside commit(), with the provider's latency from the draft.
    const final = rec.finals()[0];
    assert.equal(final?.text, STT_PHRASES[0]);
    assert.ok(final?.type === 'final' && final.latencyMs >= 50, 'latency from the draft commit');
    assert.equal(commits(), 1, 'the commit asked the server nothing more');

    // The next utterance is its own.
    pushFrames(stream, utterances[1]!);
    stream.commit();
    const finals = await rec.waitForFinals(2);
    assert.deepEqual(
      finals.map((f) => f.text),
      STT_PHRASES,
    );
    assert.deepEqual(rec.errors, []);
    await stream.close();
  });

  it('speech after a draft drops it: the utterance is transcribed whole at its commit', async () => {
    const rec = sttRecorder();
    const stream = stt.stream({ signal: new AbortController().signal, ...rec });
    const whole = utterances[1]!;
    const cut = Math.round(whole.length * 0.45);
    pushFrames(stream, whole.subarray(0, cut));
    draft(stream);
    // Let the draft's answer arrive, so dropping it is tested, not only racing it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    pushFrames(stream, whole.subarray(cut));
    stream.commit();
    const finals = await rec.waitForFinals(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      rec.finals().map((f) => f.text),
      [STT_PHRASES[1]],
      'one final, of the whole utterance',
    );
    assert.equal(finals.length, 1);
    assert.equal(commits(), 2, 'the draft and the whole utterance');
    const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
    const wholeMs = (whole.length / 24_000) * 1000;
    assert.ok(
      Math.abs(body.finals[1]!.audioMs - wholeMs) < 20,
      `second commit held ${body.finals[1]!.audioMs} ms, the utterance is ${wholeMs} ms`,
    );
    assert.deepEqual(rec.errors, []);
    await stream.close();
  });

  it('a draft commit with too little audio is not sent; clear() drops a draft', async () => {
    const rec = sttRecorder();
    const stream = stt.stream({ signal: new AbortController().signal, ...rec });
    pushFrames(stream, utterances[0]!);
    stream.commit();
    await rec.waitForFinals(1); // connected: a draft is sent at once
    pushFrames(stream, utterances[0]!.subarray(0, 1200)); // 50 ms
    draft(stream);
    stream.clear();
    pushFrames(stream, utterances[0]!);
    draft(stream);
    stream.clear(); // the person's speech was dropped (e.g. judged noise): nothing of it comes
    pushFrames(stream, utterances[1]!);
    stream.commit();
    await rec.waitForFinals(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      rec.finals().map((f) => f.text),
      STT_PHRASES,
    );
    assert.equal(commits(), 3, 'the first commit, the second draft and the last commit');
    assert.deepEqual(rec.errors, []);
    await stream.close();
  });
});
