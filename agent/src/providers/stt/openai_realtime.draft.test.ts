import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OpenAiFixture, RealtimeRecord } from '@voice-agent/fixtures';
import { speech } from '../../../test/vad_audio.js';
import { OpenAiRealtimeStt } from './openai_realtime.js';
import { pushFrames, realtimeSettings, say, startSttFixture } from '../../../test/stt_session.js';
import { STT_PHRASES, sttSession } from '../../../test/stt_session.js';
import type { Logger } from '../../log.js';
import type { SttStream } from '../types.js';

function draft(stream: SttStream): boolean {
  assert.ok(stream.draft, 'the realtime stream drafts');
  return stream.draft();
}

/** A draft is committed when the person goes quiet; VAD's commit confirms or supersedes it. */
let fx: OpenAiFixture;
let stt: OpenAiRealtimeStt;
const utterances = STT_PHRASES.map((p) => speech(p));
const commits = () => {
  const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
  return body.clientEvents.filter((e) => e === 'input_audio_buffer.commit').length;
};

before(async () => {
  fx = await startSttFixture('sk-rt', { realtime: { finalDelayMs: 50, deltaIntervalMs: 0 } });
  stt = new OpenAiRealtimeStt(realtimeSettings(fx));
});
after(async () => {
  await stt.close();
  await fx.close();
});

describe('openai realtime STT: drafts before the commit', () => {
  it("a draft's words come as an interim, and its commit gives them as the final at once", async () => {
    const { rec, stream } = sttSession(stt);
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
    // Already known: emitted inside commit(), so commit() -> final took no time.
    const final = rec.finals()[0];
    assert.equal(final?.text, STT_PHRASES[0]);
    assert.ok(final?.type === 'final' && final.latencyMs < 20, 'given at the commit');
    assert.equal(commits(), 1, 'the commit asked the server nothing more');

    // The next utterance is its own.
    say(stream, utterances[1]!);
    await rec.waitForFinals(2);
    assert.deepEqual(rec.texts(), STT_PHRASES);
    assert.deepEqual(rec.errors, []);
    await stream.close();
  });

  for (const answered of [true, false]) {
    it(`speech after a draft drops it (${answered ? 'answered' : 'not yet answered'}): the utterance is transcribed whole at its commit`, async () => {
      const { rec, stream } = sttSession(stt);
      say(stream, utterances[0]!);
      await rec.waitForFinals(1); // connected
      const whole = utterances[1]!;
      const cut = Math.round(whole.length * 0.45);
      pushFrames(stream, whole.subarray(0, cut));
      assert.ok(draft(stream));
      // The draft's answer in before the person goes on, or still on its way.
      if (answered) await new Promise((resolve) => setTimeout(resolve, 300));
      pushFrames(stream, whole.subarray(cut));
      stream.commit();
      await rec.waitForFinals(2);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the draft's answer, if late
      assert.deepEqual(
        rec.texts(),
        STT_PHRASES,
        'one final for the second utterance, of all of it',
      );
      assert.equal(commits(), 3, 'the first utterance, the draft and the whole second utterance');
      const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
      const wholeMs = (whole.length / 24_000) * 1000;
      const last = body.finals.at(-1)!;
      assert.ok(
        Math.abs(last.audioMs - wholeMs) < 20,
        `the last commit held ${last.audioMs} ms, the utterance is ${wholeMs} ms`,
      );
      assert.deepEqual(rec.errors, []);
      await stream.close();
    });
  }
});

describe('openai realtime STT: drafts not made, re-sent or dropped', () => {
  it('an utterance longer than the audio kept for resending is not drafted; one re-sent after a draft loses nothing', async () => {
    const warnings: string[] = [];
    const quiet = () => undefined;
    const log = {
      warn: (_: unknown, msg: string) => warnings.push(msg),
      ...{ trace: quiet, debug: quiet, info: quiet, error: quiet, fatal: quiet },
    } as unknown as Logger;
    const short = new OpenAiRealtimeStt({ ...realtimeSettings(fx), maxBufferedMs: 1_000, log });
    const { rec, stream } = sttSession(short);
    say(stream, utterances[0]!);
    await rec.waitForFinals(1); // connected
    const whole = utterances[1]!; // longer than 1 s
    const cut = 24_000 * 0.8; // 800 ms
    pushFrames(stream, whole.subarray(0, cut));
    assert.ok(draft(stream), 'drafted: all of it is kept');
    pushFrames(stream, whole.subarray(cut)); // over 1 s now: the oldest audio is let go
    assert.equal(draft(stream), false, 'not drafted: it could not be sent again whole');
    stream.commit();
    await rec.waitForFinals(2);
    assert.equal(rec.finals()[1]?.text, STT_PHRASES[1]);
    const body = fx.requests.findLast((r) => r.endpoint === 'realtime')?.body as RealtimeRecord;
    const wholeMs = (whole.length / 24_000) * 1000;
    assert.ok(Math.abs(body.finals.at(-1)!.audioMs - wholeMs) < 20, 'the server heard all of it');
    assert.deepEqual(warnings, [], 'nothing dropped');
    await stream.close();
    await short.close();
  });

  it('a draft commit with too little audio is not sent; clear() drops a draft', async () => {
    const { rec, stream } = sttSession(stt);
    say(stream, utterances[0]!);
    await rec.waitForFinals(1); // connected: a draft is sent at once
    pushFrames(stream, utterances[0]!.subarray(0, 1200)); // 50 ms
    assert.equal(draft(stream), false);
    stream.clear();
    pushFrames(stream, utterances[0]!);
    assert.ok(draft(stream));
    stream.clear(); // the person's speech was dropped (e.g. judged noise): nothing of it comes
    say(stream, utterances[1]!);
    await rec.waitForFinals(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(rec.texts(), STT_PHRASES);
    assert.equal(commits(), 3, 'the first commit, the second draft and the last commit');
    assert.deepEqual(rec.errors, []);
    await stream.close();
  });
});
