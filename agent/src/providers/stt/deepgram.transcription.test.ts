import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { DeepgramRecord, OpenAiFixture } from '@voice-agent/fixtures';
import { SAMPLES_PER_FRAME } from '../../audio/format.js';
import { speech } from '../../../test/vad_audio.js';
import {
  KEYTERMS,
  pushFrames,
  say,
  startSttFixture,
  STT_PHRASES,
  sttSessions,
} from '../../../test/stt_session.js';
import { DeepgramStt, type DeepgramSttOptions } from './deepgram.js';

let fx: OpenAiFixture;
const utterances = STT_PHRASES.map((p) => speech(p));
const sessions = sttSessions(
  (over: Partial<DeepgramSttOptions>) =>
    new DeepgramStt({
      baseURL: fx.deepgramBaseUrl,
      apiKey: 'dg-test',
      model: 'nova-3',
      language: 'en',
      retry: { baseDelayMs: 20 },
      ...over,
    }),
);
const listens = () => fx.requests.filter((r) => r.endpoint === 'deepgram');

before(async () => {
  fx = await startSttFixture('dg-test');
});
beforeEach(() => {
  Object.assign(fx.script.deepgram, {
    interimEveryMs: 250,
    finalDelayMs: 0,
    unansweredFinalizes: 0,
    faults: [],
  });
});
afterEach(() => sessions.closeStreams());
after(async () => {
  await sessions.close();
  await fx.close();
});

describe('deepgram STT: live transcription against the Deepgram fixture', () => {
  it('two utterances pushed before the socket opens: interims, then finals, in order', async () => {
    const { rec, stream } = sessions.open();
    say(stream, utterances[0]!);
    say(stream, utterances[1]!);
    const finals = await rec.waitForFinals(2);
    assert.deepEqual(rec.texts(), STT_PHRASES);
    for (const e of rec.events.slice(0, rec.events.indexOf(finals[0]!))) {
      assert.ok(STT_PHRASES[0]!.startsWith(e.text), `"${e.text}" leads the first phrase`);
    }
    await stream.close();

    const record = listens().at(-1);
    assert.equal(record?.headers.authorization, 'Token dg-test');
    const body = record?.body as DeepgramRecord;
    assert.deepEqual(
      [
        body.query.model,
        body.query.encoding,
        body.query.sample_rate,
        body.query.interim_results,
        body.query.endpointing,
        body.query.language,
      ],
      ['nova-3', 'linear16', '24000', 'true', 'false', 'en'],
    );
    assert.equal(body.clientMessages.filter((m) => m === 'Finalize').length, 2);
  });

  it('audio at the pace of speech: words arrive before the utterance is committed', async (t) => {
    const { rec, stream } = sessions.open();
    const audio = utterances[0]!;
    const startedAt = performance.now();
    let firstInterimAtMs: number | undefined;
    for (let at = 0; at < audio.length; at += SAMPLES_PER_FRAME * 5) {
      pushFrames(stream, audio.subarray(at, at + SAMPLES_PER_FRAME * 5));
      await new Promise((r) => setTimeout(r, 50));
      if (firstInterimAtMs === undefined && rec.events.some((e) => e.type === 'interim'))
        firstInterimAtMs = performance.now() - startedAt;
    }
    const speechMs = performance.now() - startedAt;
    assert.ok(firstInterimAtMs !== undefined, 'an interim while the audio was still coming');
    stream.commit();
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[0]);
    t.diagnostic(
      `first words ${Math.round(firstInterimAtMs)} ms into ${Math.round(speechMs)} ms of speech; ` +
        `commit -> final ${Math.round(final?.type === 'final' ? final.latencyMs : -1)} ms`,
    );
  });

  it('a socket dropped before the final: reconnects, resends, the final comes once', async () => {
    // No interims: the first message would be the final, and it is dropped instead.
    fx.script.deepgram.interimEveryMs = 60_000;
    fx.script.deepgram.faults.push({ kind: 'drop', afterChunks: 0 });
    const before = listens().length;
    const { rec, stream } = sessions.open();
    say(stream, utterances[0]!);
    await rec.waitForFinals(1);
    say(stream, utterances[1]!);
    await rec.waitForFinals(2);
    assert.deepEqual(rec.texts(), STT_PHRASES);
    assert.equal(listens().length - before, 2, 'one reconnect');
    assert.deepEqual(rec.errors, []);
  });
});

describe('deepgram STT: refused keys, keep-alive, Clear and Finalize', () => {
  it("a refused key fails the stream once, with the status and Deepgram's message", async () => {
    const { rec } = sessions.open({ apiKey: 'wrong' });
    await rec.until(() => rec.errors.length > 0, 'the error');
    const [error] = rec.errors;
    assert.equal(error?.status, 401);
    assert.equal(error?.retryable, false);
    assert.match(error?.message ?? '', /Invalid credentials/);
  });

  it('an idle stream is kept open with KeepAlive and still transcribes after the pause', async () => {
    fx.script.deepgram.idleTimeoutMs = 400;
    try {
      const before = listens().length;
      const { rec, stream } = sessions.open({ keepAliveMs: 100 });
      await rec.until(() => listens().length === before + 1, 'connected');
      await new Promise((r) => setTimeout(r, 1_000));
      say(stream, utterances[1]!);
      const [final] = await rec.waitForFinals(1);
      assert.equal(final?.text, STT_PHRASES[1]);
      assert.equal(listens().length, before + 1, 'no reconnect');
      const body = listens().at(-1)?.body as DeepgramRecord;
      assert.ok(body.clientMessages.includes('KeepAlive'));
    } finally {
      fx.script.deepgram.idleTimeoutMs = 10_000;
    }
  });

  it('cleared audio gives no final; the next utterance is transcribed alone', async () => {
    const { rec, stream } = sessions.open();
    pushFrames(stream, utterances[0]!);
    stream.clear();
    say(stream, utterances[1]!);
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[1]);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rec.finals().length, 1);
  });

  it('a Finalize left unanswered on two sockets: the utterance ends with what it has', async () => {
    fx.script.deepgram.interimEveryMs = 60_000;
    fx.script.deepgram.unansweredFinalizes = 2;
    const before = listens().length;
    const { rec, stream } = sessions.open({ finalizeTimeoutMs: 300 });
    say(stream, utterances[0]!);
    const [first] = await rec.waitForFinals(1);
    assert.ok(first?.type === 'final' && first.latencyMs >= 1_200, 'after 300 ms, then 900 ms');
    assert.equal(listens().length - before, 2, 'asked again once, on a new socket');
    assert.equal(first?.text, '', 'its words were never sent');
    say(stream, utterances[1]!);
    const finals = await rec.waitForFinals(2);
    assert.equal(finals[1]?.text, STT_PHRASES[1], 'the next utterance is its own');
  });

  it('a Finalize left unanswered ends as soon as results for later audio come', async () => {
    fx.script.deepgram.interimEveryMs = 100;
    fx.script.deepgram.unansweredFinalizes = 1;
    const { rec, stream } = sessions.open({ finalizeTimeoutMs: 10_000 });
    say(stream, utterances[0]!);
    await new Promise((r) => setTimeout(r, 200));
    pushFrames(stream, utterances[1]!);
    const [first] = await rec.waitForFinals(1, 5_000);
    assert.ok(first?.type === 'final' && first.latencyMs < 5_000, 'not the 10 s timeout');
    stream.commit();
    const finals = await rec.waitForFinals(2);
    assert.equal(finals[1]?.text, STT_PHRASES[1]);
  });

  it('a server that goes silent with a final owed is dropped and asked again', async () => {
    fx.script.deepgram.interimEveryMs = 60_000;
    fx.script.deepgram.faults.push({ kind: 'stall', afterChunks: 0 });
    const { rec, stream } = sessions.open({ stallTimeoutMs: 300 });
    say(stream, utterances[0]!);
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[0]);
    assert.ok(final?.type === 'final' && final.latencyMs >= 300, 'after the stall timeout');
  });
  it('a Finalize met by silence: the words go to a new socket, not lost (not the stall wait)', async () => {
    fx.script.deepgram.interimEveryMs = 60_000;
    fx.script.deepgram.faults.push({ kind: 'stall', afterChunks: 0 });
    const { rec, stream } = sessions.open({ stallTimeoutMs: 10_000, finalizeTimeoutMs: 300 });
    say(stream, utterances[0]!);
    const [final] = await rec.waitForFinals(1, 5_000);
    assert.equal(final?.text, STT_PHRASES[0], 'the words, not an empty final');
    assert.ok(final?.type === 'final' && final.latencyMs >= 300 && final.latencyMs < 3_000);
    say(stream, utterances[1]!);
    const finals = await rec.waitForFinals(2, 5_000);
    assert.equal(finals[1]?.text, STT_PHRASES[1], 'the next utterance on the new socket');
  });
});

describe('deepgram STT: keyterms (STT_KEYTERMS)', () => {
  it('nova-3: one keyterm parameter per term, spaces and non-ASCII intact', async () => {
    const before = listens().length;
    const { rec, stream } = sessions.open({ keyterms: KEYTERMS });
    say(stream, utterances[0]!);
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[0], 'the terms do not get in the way');
    const body = listens()[before]?.body as DeepgramRecord;
    assert.deepEqual(body.keyterms, KEYTERMS);
    assert.deepEqual(body.keywords, []);
    assert.equal(body.query.model, 'nova-3');
  });

  it('an older model (nova-2): the same terms as keywords, which it understands', async () => {
    const before = listens().length;
    const { rec } = sessions.open({ model: 'nova-2', keyterms: KEYTERMS });
    await rec.until(() => listens().length > before, 'connected');
    const body = listens()[before]?.body as DeepgramRecord;
    assert.deepEqual(body.keywords, KEYTERMS);
    assert.deepEqual(body.keyterms, []);
  });

  it('no terms: neither parameter', async () => {
    const before = listens().length;
    const { rec } = sessions.open({});
    await rec.until(() => listens().length > before, 'connected');
    const body = listens()[before]?.body as DeepgramRecord;
    assert.deepEqual([body.keyterms, body.keywords], [[], []]);
  });
});
