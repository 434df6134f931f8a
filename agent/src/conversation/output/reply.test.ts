import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpeakOptions, SpeechReport, SpokenSegment } from '../../audio/speaker.js';
import type { ChatMessage, Llm, SpeechSynthesizer } from '../../providers/types.js';
import { ProviderError } from '../../providers/types.js';
import { runReply } from './reply.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An LLM that streams `reply` word by word, `gapMs` apart, and can fail after `failAfter` words. */
function fakeLlm(reply: string, gapMs = 1, failAfter = Infinity) {
  const seen: { aborted: boolean }[] = [];
  const llm: Llm = {
    label: 'fake',
    async *stream(_messages: readonly ChatMessage[], { signal }) {
      const state = { aborted: false };
      seen.push(state);
      signal.addEventListener('abort', () => (state.aborted = true));
      const words = reply.split(/(?<= )/);
      for (let i = 0; i < words.length; i++) {
        if (i >= failAfter) {
          throw new ProviderError({
            provider: 'fake',
            kind: 'llm',
            message: 'dropped',
            retryable: true,
          });
        }
        await sleep(gapMs);
        signal.throwIfAborted();
        yield words[i]!;
      }
    },
    close: async () => undefined,
  };
  return { llm, seen };
}

/** A TTS whose audio for a text is 10 samples per character, in 3 chunks, `delayMs` apart. */
function fakeTts(delayMs = 2) {
  const events: string[] = [];
  const tts: SpeechSynthesizer = {
    label: 'fake',
    async *synthesize(text, { signal }) {
      events.push(`start ${text}`);
      const all = new Int16Array(text.length * 10).fill(1000);
      const third = Math.ceil(all.length / 3);
      for (let i = 0; i < all.length; i += third) {
        await sleep(delayMs);
        signal.throwIfAborted();
        yield all.subarray(i, i + third);
      }
      events.push(`end ${text}`);
    },
    close: async () => undefined,
  };
  return { tts, events };
}

/** Consumes segments like the Speaker, logging when each segment's audio is fully consumed. */
function fakeOutput(events: string[], abortAfterSamples = Infinity, abort?: AbortController) {
  return {
    async speak(segments: AsyncIterable<SpokenSegment>, opts: SpeakOptions): Promise<SpeechReport> {
      let samples = 0;
      const texts: string[] = [];
      let first: number | undefined;
      for await (const seg of segments) {
        texts.push(seg.text);
        for await (const chunk of seg.audio) {
          if (first === undefined) {
            first = performance.now();
            opts.onFirstAudio?.();
          }
          samples += chunk.length;
          await sleep(3); // playout takes time
          if (samples >= abortAfterSamples) abort?.abort();
          if (opts.signal.aborted) break;
        }
        events.push(`played ${seg.text}`);
        if (opts.signal.aborted) break;
      }
      return {
        playedText: texts.join(' '),
        fullText: texts.join(' '),
        playedMs: samples / 24,
        interrupted: opts.signal.aborted,
        firstAudioAt: first,
      };
    },
  };
}

/** Runs a reply to its end (nothing aborts it) from `llm` and `tts`, logging to `events`. */
function runToEnd(llm: Llm, tts: SpeechSynthesizer, events: string[]) {
  return runReply([], {
    llm,
    tts,
    output: fakeOutput(events),
    signal: new AbortController().signal,
  });
}

describe('runReply', () => {
  it('speaks the whole reply in its first words, then sentence chunks, in order', async () => {
    const { llm } = fakeLlm('Sure, the museum opens at nine. It closes at six. Enjoy it.');
    const { tts, events } = fakeTts();
    const result = await runToEnd(llm, tts, events);
    assert.equal(result.error, undefined);
    assert.deepEqual(
      events.filter((e) => e.startsWith('played')),
      [
        'played Sure, the museum opens',
        'played at nine.',
        'played It closes at six.',
        'played Enjoy it.',
      ],
    );
    const t = result.timings;
    assert.ok(t.llmFirstTokenAt! >= t.llmRequestAt);
    assert.ok(t.ttsRequestAt! >= t.llmFirstTokenAt!);
    assert.ok(t.ttsFirstByteAt! >= t.ttsRequestAt!);
    assert.ok(t.firstAudioAt! >= t.ttsFirstByteAt!);
  });

  it('tells onQueued each text as its TTS is asked for, before it plays', async () => {
    const { llm } = fakeLlm('One. Two. Three.', 0);
    const { tts, events } = fakeTts(5);
    await runReply([], {
      llm,
      tts,
      output: fakeOutput(events),
      signal: new AbortController().signal,
      onQueued: (text) => events.push(`queued ${text}`),
    });
    const at = (e: string) => events.indexOf(e);
    assert.deepEqual(
      events.filter((e) => e.startsWith('queued')),
      ['queued One.', 'queued Two.', 'queued Three.'],
    );
    assert.ok(at('queued Two.') < at('played One.'), events.join(' | '));
  });

  it("starts the next chunk's TTS while the current one plays, one ahead at most", async () => {
    const { llm } = fakeLlm('One. Two. Three. Four.', 0);
    const { tts, events } = fakeTts(5);
    await runToEnd(llm, tts, events);
    const at = (e: string) => events.indexOf(e);
    assert.ok(at('start Two.') < at('played One.'), events.join(' | '));
    assert.ok(at('start Three.') > at('end One.'), `only one ahead: ${events.join(' | ')}`);
  });

  it('an abort stops the LLM request, TTS and playout, and reports an interrupted reply', async () => {
    const abort = new AbortController();
    const { llm, seen } = fakeLlm('A long story begins here. '.repeat(20), 2);
    const { tts, events } = fakeTts();
    const result = await runReply([], {
      llm,
      tts,
      output: fakeOutput(events, 200, abort),
      signal: abort.signal,
    });
    assert.equal(result.interrupted, true);
    assert.equal(seen[0]!.aborted, true, 'the LLM request saw the abort');
    assert.equal(result.error, undefined, 'an abort is not an error');
    const startsAfter = events.length;
    await sleep(50);
    assert.equal(events.length, startsAfter, 'nothing runs on after the abort');
  });

  it('an LLM failure mid-reply ends it after what was already said, with the error', async () => {
    const { llm } = fakeLlm('First sentence here. Second one never finishes because', 1, 5);
    const { tts, events } = fakeTts();
    const result = await runToEnd(llm, tts, events);
    assert.ok(result.error instanceof ProviderError);
    assert.deepEqual(
      events.filter((e) => e.startsWith('played')),
      ['played First sentence here.'],
    );
  });
});

describe('runReply: the filler when the first words are late', () => {
  const clip = (): SpokenSegment => ({
    text: 'One moment.',
    audio: (async function* () {
      yield new Int16Array(240).fill(500);
    })(),
  });

  function withFiller(llmGapMs: number, fillerInMs: number | undefined) {
    const { llm } = fakeLlm('The museum opens at nine.', llmGapMs);
    const { tts, events } = fakeTts();
    let said = 0;
    const started = performance.now();
    const result = runReply([], {
      llm,
      tts,
      output: fakeOutput(events),
      signal: new AbortController().signal,
      filler: {
        at: () => (fillerInMs === undefined ? undefined : started + fillerInMs),
        segment: clip,
        onSaid: () => said++,
      },
    });
    return { result, events, said: () => said };
  }

  it('a reply slower than the filler time: the filler first, then the whole reply', async () => {
    const run = withFiller(150, 50);
    const result = await run.result;
    assert.equal(run.said(), 1);
    assert.deepEqual(
      run.events.filter((e) => e.startsWith('played')),
      ['played One moment.', 'played The museum opens', 'played at nine.'],
    );
    assert.match(result.playedText, /^One moment\. The museum opens/);
    const t = result.timings;
    assert.ok(t.fillerAt !== undefined && t.firstAudioAt !== undefined);
    assert.ok(t.firstAudioAt > t.fillerAt, 'the reply’s own first audio comes after the filler');
  });

  it('a reply in time: no filler', async () => {
    const run = withFiller(1, 300);
    const { timings } = await run.result;
    assert.equal(timings.fillerAt, undefined);
    assert.ok(timings.firstAudioAt !== undefined);
    assert.equal(run.said(), 0);
    assert.ok(!run.events.includes('played One moment.'));
  });

  it('no filler time (a turn without a known end): no filler, however slow', async () => {
    const run = withFiller(100, undefined);
    await run.result;
    assert.equal(run.said(), 0);
  });
});
