import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { speech } from '../../../test/vad_audio.js';
import {
  pushFrames,
  say,
  startSttFixture,
  STT_PHRASES,
  sttSession,
} from '../../../test/stt_session.js';
import { until } from '../../../test/until.js';
import { DeepgramStt } from '../stt/deepgram.js';
import { OpenAiRealtimeStt } from '../stt/openai_realtime.js';
import { FallbackStt } from './stt.js';

/**
 * Deepgram first, OpenAI realtime next, each on a fixture of its own: a fault on the first
 * never touches the second.
 */
let deepgram: OpenAiFixture;
let realtime: OpenAiFixture;
const [WHAT_TIME, LIGHTS] = STT_PHRASES.map((p) => speech(p)) as [Int16Array, Int16Array];
const chains: FallbackStt[] = [];
const listens = () => deepgram.requests.filter((r) => r.endpoint === 'deepgram');
const realtimes = () => realtime.requests.filter((r) => r.endpoint === 'realtime');

function chain(over: { finalBudgetMs?: number; recheckMs?: number } = {}) {
  const fast = { attempts: 2, baseDelayMs: 5, random: () => 0 };
  const stt = new FallbackStt(
    [
      new DeepgramStt({
        baseURL: deepgram.deepgramBaseUrl,
        apiKey: 'dg',
        model: 'nova-3',
        retry: fast,
      }),
      new OpenAiRealtimeStt({
        baseURL: realtime.baseUrl,
        apiKey: 'sk-rt',
        model: 'gpt-4o-transcribe',
        retry: fast,
      }),
    ],
    { finalBudgetMs: over.finalBudgetMs ?? 5_000, recheckMs: over.recheckMs ?? 60_000 },
  );
  chains.push(stt);
  return stt;
}

before(async () => {
  [deepgram, realtime] = await Promise.all([startSttFixture('dg'), startSttFixture('sk-rt')]);
});
beforeEach(() => {
  Object.assign(deepgram.script.deepgram, { finalDelayMs: 0, interimEveryMs: 250, faults: [] });
  Object.assign(realtime.script.realtime, { finalDelayMs: 0, faults: [] });
  deepgram.requests.length = 0;
  realtime.requests.length = 0;
});
after(async () => {
  await Promise.all(chains.map((c) => c.close()));
  await Promise.all([deepgram.close(), realtime.close()]);
});

describe('fallback STT chain (Deepgram, then OpenAI realtime)', () => {
  it('Deepgram refusing every connection: the utterance is transcribed by the next', async () => {
    deepgram.script.deepgram.faults = [503, 503, 503, 503].map((status) => ({
      kind: 'status',
      status,
    }));
    const { rec, stream } = sttSession(chain());
    say(stream, WHAT_TIME);
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[0]);
    assert.equal(rec.errors.length, 0, 'no error reached the conversation');
    assert.equal(realtimes().length, 1);
    await stream.close();
  });

  it('a socket dropped for good mid-utterance: the audio since its start goes to the next', async () => {
    // The first connection drops at its first interim; the reconnects are refused.
    deepgram.script.deepgram.faults = [
      { kind: 'drop', afterChunks: 0 },
      ...[503, 503, 503].map((status) => ({ kind: 'status' as const, status })),
    ];
    const { rec, stream } = sttSession(chain());
    const half = Math.floor(LIGHTS.length / 2);
    pushFrames(stream, LIGHTS.subarray(0, half));
    await until(() => listens().length >= 2, 'Deepgram reconnecting', 5_000);
    pushFrames(stream, LIGHTS.subarray(half));
    stream.commit();
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[1], 'the whole utterance, not its second half');
    assert.ok(final!.latencyMs >= 0);
    await stream.close();
  });

  it('a final later than the budget: the next provider answers, within the budget and its own time', async () => {
    deepgram.script.deepgram.finalDelayMs = 3_000;
    const { rec, stream } = sttSession(chain({ finalBudgetMs: 300 }));
    say(stream, WHAT_TIME);
    const [final] = await rec.waitForFinals(1);
    assert.equal(final?.text, STT_PHRASES[0]);
    assert.ok(final!.latencyMs < 2_000, `final after ${final!.latencyMs.toFixed(0)} ms`);
    await stream.close();
  });

  it('a recovered Deepgram takes the stream back at the next utterance, not in the middle', async () => {
    deepgram.script.deepgram.faults = [503, 503].map((status) => ({ kind: 'status', status }));
    const stt = chain({ recheckMs: 20 });
    const { rec, stream } = sttSession(stt);
    say(stream, WHAT_TIME);
    await rec.waitForFinals(1);
    assert.equal(realtimes().length, 1, 'the first utterance went to the next provider');
    await until(() => !stt.chain.isDown(stt.chain.providers[0]!), 'Deepgram recovered', 3_000);
    say(stream, LIGHTS);
    const finals = await rec.waitForFinals(2);
    assert.deepEqual(
      finals.map((f) => f.text),
      STT_PHRASES,
    );
    const lastListen = listens().at(-1)?.body as { audioMs: number } | undefined;
    assert.ok((lastListen?.audioMs ?? 0) > 500, 'Deepgram heard the second utterance');
    await stream.close();
  });
});
