import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OpenAiFixture, RealtimeRecord } from '@voice-agent/fixtures';
import { speech } from '../../../test/vad_audio.js';
import { OpenAiRealtimeStt } from './openai_realtime.js';
import { pushFrames, realtimeSettings, say, startSttFixture } from '../../../test/stt_session.js';
import { KEYTERMS, STT_PHRASES, sttSession } from '../../../test/stt_session.js';

let fx: OpenAiFixture;
let stt: OpenAiRealtimeStt;
const utterances = STT_PHRASES.map((p) => speech(p));

before(async () => {
  fx = await startSttFixture('sk-rt', { realtime: { finalDelayMs: 50, deltaIntervalMs: 15 } });
  stt = new OpenAiRealtimeStt({ ...realtimeSettings(fx), language: 'en' });
});
after(async () => {
  await stt.close();
  await fx.close();
});

describe('openai realtime STT: transcription against the realtime fixture', () => {
  it('transcribes two utterances in order: interims, then the final, per utterance', async (t) => {
    const { rec, stream } = sttSession(stt);
    // Pushed at once: audio arriving before the socket is open is buffered and sent on connect.
    say(stream, utterances[0]!);
    say(stream, utterances[1]!);
    const finals = await rec.waitForFinals(2);
    await stream.close();

    assert.deepEqual(
      finals.map((f) => f.text),
      STT_PHRASES,
    );
    // Every event of utterance 1 comes before any event of utterance 2.
    const firstFinal = rec.events.indexOf(finals[0]!);
    const before1 = rec.events.slice(0, firstFinal);
    const between = rec.events.slice(firstFinal + 1, rec.events.indexOf(finals[1]!));
    assert.ok(before1.length >= 2, 'interims before the first final');
    assert.ok(before1.every((e) => e.type === 'interim' && STT_PHRASES[0]!.startsWith(e.text)));
    assert.ok(between.length >= 2, 'interims before the second final');
    assert.ok(between.every((e) => e.type === 'interim' && STT_PHRASES[1]!.startsWith(e.text)));
    // Interims are the whole text so far, growing.
    const lengths = before1.map((e) => e.text.length);
    assert.deepEqual(
      lengths,
      [...lengths].sort((a, b) => a - b),
    );
    for (const f of finals) assert.ok(f.type === 'final' && f.latencyMs > 0);
    assert.deepEqual(rec.errors, []);
    t.diagnostic(
      `commit -> final: ${finals.map((f) => (f.type === 'final' ? f.latencyMs.toFixed(0) : '')).join(', ')} ms (fixture finalDelayMs 50, deltas 15 ms apart)`,
    );

    const record = fx.requests.findLast((r) => r.endpoint === 'realtime');
    assert.equal(record?.headers.authorization, 'Bearer sk-rt');
    const body = record?.body as RealtimeRecord;
    assert.equal(body.query.intent, 'transcription');
    assert.equal(body.clientEvents[0], 'session.update');
    assert.equal(body.clientEvents.filter((e) => e === 'input_audio_buffer.commit').length, 2);
    const session = body.session as {
      type: string;
      audio: {
        input: { turn_detection: unknown; transcription: { model: string; language: string } };
      };
    };
    assert.equal(session.type, 'transcription');
    assert.equal(session.audio.input.turn_detection, null);
    assert.equal(session.audio.input.transcription.model, 'gpt-4o-transcribe');
    assert.equal(session.audio.input.transcription.language, 'en');
  });

  it('once connected, sends audio as ~50 ms appends', async () => {
    const { rec, stream } = sttSession(stt);
    say(stream, utterances[0]!);
    await rec.waitForFinals(1);
    const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
    const appendsBefore = body.clientEvents.filter((e) => e === 'input_audio_buffer.append').length;
    say(stream, utterances[1]!);
    const finals = await rec.waitForFinals(2);
    assert.equal(finals[1]?.text, STT_PHRASES[1]);
    await stream.close();
    const appends =
      body.clientEvents.filter((e) => e === 'input_audio_buffer.append').length - appendsBefore;
    const expected = utterances[1]!.length / 1200;
    assert.ok(Math.abs(appends - expected) <= 1, `${appends} appends, ~${expected} expected`);
  });
});

describe('openai realtime STT: empty commits, clear() and close()', () => {
  it('a commit with no or too little audio gives an empty final, never a server error', async () => {
    const { rec, stream } = sttSession(stt);
    say(stream, utterances[0]!);
    await rec.waitForFinals(1); // connected now
    stream.commit(); // nothing pushed
    pushFrames(stream, utterances[0]!.subarray(0, 1200)); // 50 ms: below OpenAI's 100 ms minimum
    stream.commit();
    say(stream, utterances[1]!);
    await rec.waitForFinals(4);
    assert.deepEqual(rec.texts(), [STT_PHRASES[0], '', '', STT_PHRASES[1]]);
    await stream.close();
    const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
    assert.equal(body.clientEvents.filter((e) => e === 'input_audio_buffer.commit').length, 2);
    assert.ok(body.clientEvents.includes('input_audio_buffer.clear'));
    assert.deepEqual(rec.errors, []);
  });

  it('clear() drops the audio of the current utterance', async () => {
    const { rec, stream } = sttSession(stt);
    pushFrames(stream, utterances[1]!);
    stream.clear();
    say(stream, utterances[0]!);
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[0]);
    await stream.close();
  });

  it('close() closes the socket and ends the session quietly', async () => {
    const ac = new AbortController();
    const { rec, stream } = sttSession(stt, ac.signal);
    say(stream, utterances[0]!);
    const started = performance.now();
    ac.abort();
    await stream.close();
    assert.ok(performance.now() - started < 1_500);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(rec.events, [], 'nothing after close');
    assert.deepEqual(rec.errors, []);
  });
});

describe('openai realtime STT: keyterms (STT_KEYTERMS)', () => {
  it("the terms go in the session's transcription prompt; transcription is unchanged", async () => {
    const biased = new OpenAiRealtimeStt({ ...realtimeSettings(fx), keyterms: KEYTERMS });
    try {
      const { rec, stream } = sttSession(biased);
      say(stream, utterances[0]!);
      const [final] = await rec.waitForFinals(1);
      assert.equal(final?.text, STT_PHRASES[0]);
      await stream.close();
      const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
      const session = body.session as { audio: { input: { transcription: { prompt: string } } } };
      assert.equal(
        session.audio.input.transcription.prompt,
        'Terms that may come up: LiveKit, Bang & Olufsen, Zürich, 東京.',
      );
    } finally {
      await biased.close();
    }
  });

  it('no terms: the prompt stays empty', async () => {
    const { rec, stream } = sttSession(stt);
    say(stream, utterances[0]!);
    await rec.waitForFinals(1);
    await stream.close();
    const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
    const session = body.session as { audio: { input: { transcription: { prompt: string } } } };
    assert.equal(session.audio.input.transcription.prompt, '');
  });
});
