import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { OpenAiFixture, RealtimeRecord } from '@voice-agent/fixtures';
import { speech } from '../../../test/vad_audio.js';
import { OpenAiRealtimeStt } from './openai_realtime.js';
import type { OpenAiRealtimeSttOptions } from './openai_realtime.js';
import { pushFrames, realtimeSettings, say, startSttFixture } from '../../../test/stt_session.js';
import { STT_PHRASES, sttSessions } from '../../../test/stt_session.js';

describe('openai realtime STT: dropped sockets, refused connections, stalls', () => {
  let fx: OpenAiFixture;
  const utterances = STT_PHRASES.map((p) => speech(p));
  const sessions = sttSessions(
    (over: Partial<OpenAiRealtimeSttOptions>) =>
      new OpenAiRealtimeStt({ ...realtimeSettings(fx), retry: { baseDelayMs: 20 }, ...over }),
  );
  const connections = () => fx.requests.filter((r) => r.endpoint === 'realtime').length;

  before(async () => {
    fx = await startSttFixture('sk-rt');
  });
  beforeEach(() => {
    fx.script.realtime.faults.length = 0;
  });
  after(async () => {
    await sessions.close();
    await fx.close();
  });

  it('a socket dropped before the final: reconnects, resends the utterance, final arrives once', async () => {
    // session.updated, committed, then the socket is destroyed instead of the first delta.
    fx.script.realtime.faults.push({ kind: 'drop', afterChunks: 2 });
    const before = connections();
    const { rec, stream } = sessions.open();
    say(stream, utterances[0]!);
    await rec.until(() => rec.finals().length === 1, 'the final');
    say(stream, utterances[1]!);
    await rec.until(() => rec.finals().length === 2, 'the second final');
    assert.deepEqual(rec.texts(), STT_PHRASES);
    assert.deepEqual(rec.errors, []);
    assert.equal(connections() - before, 2, 'one reconnect');
    const second = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
    assert.equal(second.clientEvents[0], 'session.update', 'the new session is configured first');
  });

  it('a drop mid-utterance loses no audio: what the old socket had is resent', async () => {
    // The first connection is dropped right after its session.update is answered.
    fx.script.realtime.faults.push({ kind: 'drop', afterChunks: 0 });
    const before = connections();
    const { rec, stream } = sessions.open();
    const half = Math.floor(utterances[1]!.length / 2);
    pushFrames(stream, utterances[1]!.subarray(0, half));
    await rec.until(() => connections() - before === 2, 'the reconnect');
    pushFrames(stream, utterances[1]!.subarray(half));
    stream.commit();
    await rec.until(() => rec.finals().length === 1, 'the final');
    assert.equal(rec.finals()[0]?.text, STT_PHRASES[1]);
    assert.deepEqual(rec.errors, []);
  });

  it('a refused connection (503, then 429 with retry-after) is retried', async () => {
    fx.script.realtime.faults.push(
      { kind: 'status', status: 503 },
      { kind: 'status', status: 429, retryAfterS: 0 },
    );
    const { rec, stream } = sessions.open();
    say(stream, utterances[1]!);
    await rec.until(() => rec.finals().length === 1, 'the final');
    assert.equal(rec.finals()[0]?.text, STT_PHRASES[1]);
    assert.deepEqual(rec.errors, []);
  });

  it('four refused connections in a row (an outage of a moment) are waited out', async () => {
    for (let i = 0; i < 4; i++) fx.script.realtime.faults.push({ kind: 'status', status: 503 });
    const { rec, stream } = sessions.open();
    say(stream, utterances[0]!);
    await rec.until(() => rec.finals().length === 1, 'the final');
    assert.equal(rec.finals()[0]?.text, STT_PHRASES[0]);
    assert.deepEqual(rec.errors, []);
  });

  it('a stalled server: the socket is replaced after stallTimeoutMs and the final arrives', async () => {
    fx.script.realtime.faults.push({ kind: 'stall', afterChunks: 2 });
    const { rec, stream } = sessions.open({ stallTimeoutMs: 300 });
    pushFrames(stream, utterances[0]!);
    const committedAt = performance.now();
    stream.commit();
    await rec.until(() => rec.finals().length === 1, 'the final');
    const took = performance.now() - committedAt;
    assert.equal(rec.finals()[0]?.text, STT_PHRASES[0]);
    assert.ok(took >= 300 && took < 2_000, `final after ${took} ms`);
  });

  it('a wrong API key fails once with a non-retryable 401, and the stream stops', async () => {
    const { rec, stream } = sessions.open({ apiKey: 'wrong' });
    say(stream, utterances[0]!);
    await rec.until(() => rec.errors.length > 0, 'the error');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(rec.errors.length, 1);
    assert.equal(rec.errors[0]?.status, 401);
    assert.equal(rec.errors[0]?.retryable, false);
    assert.deepEqual(rec.events, []);
    stream.commit(); // ignored after failure
  });

  it('drops that keep coming fail the stream once, after the retry budget', async () => {
    for (let i = 0; i < 5; i++) fx.script.realtime.faults.push({ kind: 'drop', afterChunks: 1 });
    const { rec, stream } = sessions.open({ retry: { attempts: 3, baseDelayMs: 10 } });
    say(stream, utterances[0]!);
    await rec.until(() => rec.errors.length > 0, 'the error');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(rec.errors.length, 1);
    assert.equal(rec.errors[0]?.retryable, true, 'a dropped socket is a retryable kind of error');
  });
});
