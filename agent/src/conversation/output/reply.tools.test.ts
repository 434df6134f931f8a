import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { tts } from '../../../test/fake_conversation.js';
import { scriptedLlm } from '../../../test/scripted_llm.js';
import type { SpeakOptions, SpeechReport, SpokenSegment } from '../../audio/speaker.js';
import { ToolRegistry } from '../tools/registry.js';
import { defineTool } from '../tools/tool.js';
import { runReply } from './reply.js';

/** An output that takes each segment's audio at once and records when it took which. */
function recordingOutput() {
  const taken: { text: string; at: number }[] = [];
  return {
    taken,
    async speak(segments: AsyncIterable<SpokenSegment>, opts: SpeakOptions): Promise<SpeechReport> {
      let first: number | undefined;
      for await (const segment of segments) {
        for await (const chunk of segment.audio) {
          void chunk;
          if (first === undefined) {
            first = performance.now();
            opts.onFirstAudio?.();
          }
        }
        taken.push({ text: segment.text, at: performance.now() });
      }
      const text = taken.map((t) => t.text).join(' ');
      return {
        playedText: text,
        fullText: text,
        playedMs: 0,
        interrupted: false,
        firstAudioAt: first,
      };
    },
  };
}

/** When the slow tool last started (performance.now()). */
let toolStartedAt = NaN;
const slowTool = defineTool({
  name: 'slow_lookup',
  description: 'Takes a while.',
  parameters: z.object({}),
  sideEffects: false,
  run: async (_args, { signal }) => {
    toolStartedAt = performance.now();
    await sleep(150, undefined, { signal });
    return 'found';
  },
});

describe('runReply with tools', () => {
  it('words before a call are spoken while it runs; a slow tool’s filler is not the reply’s first audio', async () => {
    const llm = scriptedLlm((messages) =>
      messages.at(-1)?.role === 'tool'
        ? { text: 'It is found.' }
        : { text: 'Let me see.', calls: [{ name: 'slow_lookup' }] },
    );
    const output = recordingOutput();
    const fillerClip: SpokenSegment = {
      text: 'One moment.',
      audio: (async function* () {
        yield new Int16Array(10);
      })(),
    };
    const result = await runReply([{ role: 'user', content: 'Ana: Look it up.' }], {
      llm: llm.llm,
      tts,
      output,
      signal: new AbortController().signal,
      tools: {
        registry: new ToolRegistry([slowTool], { timeoutMs: 1_000 }),
        onRound: () => {},
        filler: { afterMs: 40, segment: () => fillerClip },
      },
    });
    assert.equal(result.error, undefined);
    assert.deepEqual(
      output.taken.map((t) => t.text),
      ['Let me see.', 'One moment.', 'It is found.'],
    );
    const [said, filler, answer] = output.taken;
    // Measured from the tool's start: when the output took "Let me see." depends on the load.
    assert.ok(filler!.at - toolStartedAt >= 35, 'the filler came once the tool was slow');
    assert.ok(answer!.at - toolStartedAt >= 145, 'the answer after the tool');
    assert.ok(said!.at <= filler!.at);
    assert.equal(result.timings.fillerAt, undefined, 'the reply’s words came first');
    assert.ok(result.timings.firstAudioAt! <= said!.at);
  });

  it('a filler before any words: timed as the filler, the reply’s first audio is its words', async () => {
    const llm = scriptedLlm((messages) =>
      messages.at(-1)?.role === 'tool'
        ? { text: 'It is found.' }
        : { calls: [{ name: 'slow_lookup' }] },
    );
    const output = recordingOutput();
    const clip = (): SpokenSegment => ({
      text: 'One moment.',
      audio: (async function* () {
        yield new Int16Array(10);
      })(),
    });
    const result = await runReply([{ role: 'user', content: 'Ana: Look it up.' }], {
      llm: llm.llm,
      tts,
      output,
      signal: new AbortController().signal,
      tools: {
        registry: new ToolRegistry([slowTool], { timeoutMs: 1_000 }),
        onRound: () => {},
        filler: { afterMs: 40, segment: clip },
      },
    });
    assert.deepEqual(
      output.taken.map((t) => t.text),
      ['One moment.', 'It is found.'],
    );
    const { fillerAt, firstAudioAt } = result.timings;
    assert.ok(fillerAt !== undefined && firstAudioAt !== undefined);
    assert.ok(
      firstAudioAt - fillerAt >= 100,
      `words ${firstAudioAt - fillerAt} ms after the filler`,
    );
  });
});
