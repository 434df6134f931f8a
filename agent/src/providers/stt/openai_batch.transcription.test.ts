import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { OpenAiFixture, TranscriptionRecord } from '@voice-agent/fixtures';
import { speech } from '../../../test/vad_audio.js';
import { OpenAiBatchStt } from './openai_batch.js';
import {
  KEYTERMS,
  pushFrames,
  say,
  startSttFixture,
  STT_PHRASES,
  sttSession,
} from '../../../test/stt_session.js';

describe('openai batch STT: /v1/audio/transcriptions per utterance', () => {
  let fx: OpenAiFixture;
  let stt: OpenAiBatchStt;
  const utterances = STT_PHRASES.map((p) => speech(p));

  before(async () => {
    fx = await startSttFixture('sk-b');
    stt = new OpenAiBatchStt({
      baseURL: fx.baseUrl,
      apiKey: 'sk-b',
      model: 'whisper-1',
      language: 'en',
      retry: { baseDelayMs: 10 },
    });
  });
  beforeEach(() => {
    fx.script.transcription.faults.length = 0;
    fx.script.transcription.latencyMs = 0;
  });
  after(async () => {
    await stt.close();
    await fx.close();
  });

  it('two commits in flight: finals in commit order, even when the first answers last', async (t) => {
    // The first request fails (500) and is retried 300 ms later; the second is answered at once.
    const slowRetry = new OpenAiBatchStt({
      baseURL: fx.baseUrl,
      apiKey: 'sk-b',
      model: 'whisper-1',
      language: 'en',
      retry: { baseDelayMs: 300, random: () => 1 },
    });
    fx.script.transcription.faults.push({ kind: 'status', status: 500 });
    const { rec, stream } = sttSession(slowRetry);
    say(stream, utterances[0]!);
    await rec.until(() => fx.requests.some((r) => r.endpoint === 'transcription'), 'request 1');
    say(stream, utterances[1]!);
    await rec.until(() => rec.events.length === 2, 'two finals');
    assert.deepEqual(
      rec.events.map((e) => [e.type, e.text]),
      [
        ['final', STT_PHRASES[0]],
        ['final', STT_PHRASES[1]],
      ],
    );
    const latency = rec.events.map((e) => (e.type === 'final' ? e.latencyMs : 0));
    assert.ok(latency[0]! >= 300, `latencies ${latency.join(', ')}`);
    t.diagnostic(`commit -> final: ${latency.map((x) => x.toFixed(0)).join(', ')} ms`);
    // The retried first request lands last, so pick the second utterance's request by length.
    const secondMs = (utterances[1]!.length / 24_000) * 1000;
    const record = fx.requests.find(
      (r) =>
        r.endpoint === 'transcription' &&
        Math.abs((r.body as TranscriptionRecord).audioMs - secondMs) < 1,
    );
    assert.ok(record, 'a request carried the second utterance');
    const body = record.body as TranscriptionRecord;
    assert.equal(body.sampleRate, 24_000, 'a 24 kHz WAV');
    assert.equal(body.model, 'whisper-1');
    assert.equal(body.language, 'en');
    assert.equal(record.headers.authorization, 'Bearer sk-b');
    await slowRetry.close();
  });

  it('retries a 500, and clear() drops audio; a tiny utterance is an empty final without a request', async () => {
    fx.script.transcription.faults.push({ kind: 'status', status: 500 });
    const before = fx.requests.filter((r) => r.endpoint === 'transcription').length;
    const { rec, stream } = sttSession(stt);
    pushFrames(stream, utterances[1]!);
    stream.clear();
    say(stream, utterances[0]!);
    pushFrames(stream, utterances[0]!.subarray(0, 1000));
    stream.commit();
    await rec.until(() => rec.events.length === 2, 'two finals');
    assert.deepEqual(
      rec.events.map((e) => e.text),
      [STT_PHRASES[0], ''],
    );
    assert.equal(fx.requests.filter((r) => r.endpoint === 'transcription').length - before, 2);
    assert.deepEqual(rec.errors, []);
    await stream.close();
  });

  it('a non-retryable failure stops the stream with one onError', async () => {
    fx.script.transcription.faults.push({ kind: 'status', status: 400 });
    const { rec, stream } = sttSession(stt);
    say(stream, utterances[0]!);
    await rec.until(() => rec.errors.length === 1, 'the error');
    assert.equal(rec.errors[0]?.status, 400);
    say(stream, utterances[0]!);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(rec.events, []);
    assert.equal(rec.errors.length, 1);
    await stream.close();
  });

  it('keyterms go as the multipart prompt field, spaces and non-ASCII intact', async () => {
    const biased = new OpenAiBatchStt({
      baseURL: fx.baseUrl,
      apiKey: 'sk-b',
      model: 'whisper-1',
      keyterms: KEYTERMS,
    });
    const { rec, stream } = sttSession(biased);
    say(stream, utterances[0]!);
    await rec.until(() => rec.events.length === 1, 'the final');
    assert.equal(rec.events[0]?.text, STT_PHRASES[0]);
    const body = fx.requests.findLast((r) => r.endpoint === 'transcription')
      ?.body as TranscriptionRecord;
    assert.equal(body.prompt, 'Terms that may come up: LiveKit, Bang & Olufsen, Zürich, 東京.');
    await stream.close();
    await biased.close();
  });

  it('no keyterms: no prompt field', async () => {
    const { rec, stream } = sttSession(stt);
    say(stream, utterances[0]!);
    await rec.until(() => rec.events.length === 1, 'the final');
    const body = fx.requests.findLast((r) => r.endpoint === 'transcription')
      ?.body as TranscriptionRecord;
    assert.equal(body.prompt, undefined);
    await stream.close();
  });
});
