import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registry } from '../../metrics/registry.js';
import { ScriptedTts } from '../../../test/scripted_tts.js';
import { drain } from '../../../test/streaming_provider.js';
import { concat } from '../pcm.js';
import { CachedTts, TtsCache } from './cache.js';

const signal = () => new AbortController().signal;
const identity = { model: 'm1', voice: 'v1' };

/** A cache of `maxBytes` in front of a scripted voice whose texts last 10 samples a character. */
function setup(maxBytes: number, label = `voice-${Math.random().toString(36).slice(2)}`) {
  const voice = new ScriptedTts({ label, samplesOf: (text) => text.length * 10 });
  const cache = new TtsCache(maxBytes);
  return { voice, cache, tts: new CachedTts(voice, cache, identity) };
}

async function say(tts: CachedTts, text: string) {
  const { items, error } = await drain(tts.synthesize(text, { signal: signal() }));
  return { chunks: items, samples: concat(items), error };
}

async function count(name: string, provider: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.provider === provider)?.value ?? 0;
}

describe('tts cache: hits and misses', () => {
  it('a text said again comes from the cache: one provider request, the same audio', async () => {
    const { voice, cache, tts } = setup(1_000_000);
    const first = await say(tts, 'Hello Ana, welcome.');
    const second = await say(tts, 'Hello Ana, welcome.');
    assert.deepEqual(voice.requests, ['Hello Ana, welcome.']);
    assert.deepEqual(second.samples, first.samples);
    assert.equal(first.samples.length, 190);
    assert.ok(second.chunks.length < first.chunks.length, 'a hit comes in fewer chunks');
    assert.equal(cache.bytes, 380);
    assert.equal(await count('voice_agent_tts_cache_misses_total', voice.label), 1);
    assert.equal(await count('voice_agent_tts_cache_hits_total', voice.label), 1);
  });

  it('the text is the exact key: a different space or case is another text', async () => {
    const { voice, tts } = setup(1_000_000);
    for (const text of ['One moment.', 'One moment. ', 'one moment.', 'One moment.']) {
      await say(tts, text);
    }
    assert.deepEqual(voice.requests, ['One moment.', 'One moment. ', 'one moment.']);
  });

  it('a hit handed on is a copy: changing it leaves the kept audio as it was', async () => {
    const { tts } = setup(1_000_000);
    await say(tts, 'Sorry.');
    const hit = await say(tts, 'Sorry.');
    hit.chunks[0]!.fill(0);
    const again = await say(tts, 'Sorry.');
    assert.ok(again.samples.every((s) => s === ScriptedTts.valueOf('Sorry.')));
  });

  it('voices, models and providers are kept apart; a second wrapper on the same cache shares it', async () => {
    const { voice, cache, tts } = setup(1_000_000);
    await say(tts, 'Hello.');
    const otherVoice = new CachedTts(voice, cache, { ...identity, voice: 'v2' });
    const otherModel = new CachedTts(voice, cache, { ...identity, model: 'm2' });
    const otherProvider = new ScriptedTts({ label: `${voice.label}-b`, samplesOf: () => 50 });
    await say(otherVoice, 'Hello.');
    await say(otherModel, 'Hello.');
    await say(new CachedTts(otherProvider, cache, identity), 'Hello.');
    assert.deepEqual(voice.requests, ['Hello.', 'Hello.', 'Hello.']);
    assert.deepEqual(otherProvider.requests, ['Hello.']);
    // Another room's wrapper of the same voice, same settings: a hit.
    await say(new CachedTts(voice, cache, identity), 'Hello.');
    assert.equal(voice.requests.length, 3);
  });

  it('two identical misses at once: both get all of the audio, one entry is kept', async () => {
    const { voice, cache, tts } = setup(1_000_000);
    const [a, b] = await Promise.all([say(tts, 'Good morning.'), say(tts, 'Good morning.')]);
    assert.equal(voice.requests.length, 2);
    assert.deepEqual(a.samples, b.samples);
    assert.equal(a.samples.length, 130);
    assert.equal(cache.bytes, 260, 'the later replaced the earlier');
    await say(tts, 'Good morning.');
    assert.equal(voice.requests.length, 2);
  });
});

describe('tts cache: the byte budget', () => {
  it('when full, the least recently used text goes first', async () => {
    // Texts of 5 characters: 50 samples, 100 bytes; room for four.
    const { voice, cache, tts } = setup(400);
    for (const text of ['aaaaa', 'bbbbb', 'ccccc', 'ddddd']) await say(tts, text);
    assert.equal(cache.bytes, 400);
    await say(tts, 'aaaaa'); // a hit: now the most recent
    await say(tts, 'eeeee'); // pushes out bbbbb, the least recently used
    assert.equal(cache.bytes, 400);
    voice.requests.length = 0;
    for (const text of ['aaaaa', 'ccccc', 'ddddd', 'eeeee']) await say(tts, text);
    assert.deepEqual(voice.requests, [], 'all four still kept');
    await say(tts, 'bbbbb');
    assert.deepEqual(voice.requests, ['bbbbb'], 'the evicted one is synthesised again');
  });

  it('audio over a quarter of the budget is never kept', async () => {
    const { voice, cache, tts } = setup(400);
    await say(tts, 'aaaaa'); // 100 bytes: exactly a quarter
    await say(tts, 'bbbbbb'); // 120 bytes
    await say(tts, 'bbbbbb');
    assert.deepEqual(voice.requests, ['aaaaa', 'bbbbbb', 'bbbbbb']);
    assert.equal(cache.bytes, 100);
  });
});

describe('tts cache: only finished speech is kept', () => {
  it('a synthesis aborted part-way is not kept; the next request gets all of it', async () => {
    const { voice, cache, tts } = setup(1_000_000);
    const ac = new AbortController();
    const heard: Int16Array[] = [];
    await assert.rejects(async () => {
      for await (const chunk of tts.synthesize('Let me tell you a story.', { signal: ac.signal })) {
        heard.push(chunk);
        if (heard.length === 1) ac.abort(new DOMException('barge-in', 'AbortError'));
      }
    }, /barge-in/);
    assert.equal(cache.bytes, 0);
    const whole = await say(tts, 'Let me tell you a story.');
    assert.equal(whole.samples.length, 240);
    assert.equal(voice.requests.length, 2);
  });

  it('a provider error after the first chunk is passed on, and nothing is kept', async () => {
    const { voice, cache, tts } = setup(1_000_000);
    voice.failAfterChunks = 1;
    const failed = await say(tts, 'The museum opens at nine.');
    assert.match(String(failed.error), /connection dropped/);
    assert.equal(failed.chunks.length, 1);
    assert.equal(cache.bytes, 0);
    await say(tts, 'The museum opens at nine.');
    assert.equal(voice.requests.length, 2, 'asked again, then kept');
    assert.equal(cache.bytes, 500);
  });

  it('a reader that stops early (break) keeps nothing', async () => {
    const { cache, tts } = setup(1_000_000);
    for await (const chunk of tts.synthesize('A long answer.', { signal: signal() })) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.equal(cache.bytes, 0);
  });

  it('an aborted hit stops between pieces, with the abort reason', async () => {
    const voice = new ScriptedTts({ label: 'long', samplesOf: () => 24_000 * 3 });
    const tts = new CachedTts(voice, new TtsCache(1_000_000), identity);
    await say(tts, 'Three seconds.');
    const ac = new AbortController();
    const pieces: Int16Array[] = [];
    await assert.rejects(async () => {
      for await (const chunk of tts.synthesize('Three seconds.', { signal: ac.signal })) {
        pieces.push(chunk);
        ac.abort(new DOMException('stop', 'AbortError'));
      }
    }, /stop/);
    assert.deepEqual(
      pieces.map((p) => p.length),
      [24_000],
    );
  });
});
