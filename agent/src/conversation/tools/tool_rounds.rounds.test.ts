import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { scriptedLlm } from '../../../test/scripted_llm.js';
import { ToolRegistry } from './registry.js';
import type { ToolRound } from './round.js';
import { defineTool } from './tool.js';
import { MAX_TOOL_ROUNDS, withToolRounds } from './tool_rounds.js';
import type { ReplyItem } from './tool_rounds.js';

/** A read-only tool answering "<name>: <x>" after `ms`, recording its signal. */
function echoTool(name: string, ms = 0) {
  const signals: AbortSignal[] = [];
  const tool = defineTool({
    name,
    description: `Echoes x (${name}).`,
    parameters: z.object({ x: z.string() }),
    sideEffects: false,
    run: async ({ x }, { signal }) => {
      signals.push(signal);
      await sleep(ms, undefined, { signal });
      return `${name}: ${x}`;
    },
  });
  return { tool, signals };
}

async function collect(items: AsyncIterable<ReplyItem>) {
  const out: ReplyItem[] = [];
  try {
    for await (const item of items) out.push(item);
    return { out, error: undefined };
  } catch (error) {
    return { out, error };
  }
}

const ASK = [{ role: 'user' as const, content: 'Ana: Look these up.' }];

describe('withToolRounds: a reply’s rounds of tool calls', () => {
  it('runs a round’s calls, then asks again with the words, the calls and their results', async () => {
    const a = echoTool('lookup_a');
    const b = echoTool('lookup_b');
    const registry = new ToolRegistry([a.tool, b.tool], { timeoutMs: 1_000 });
    const llm = scriptedLlm((messages) =>
      messages.at(-1)?.role === 'tool'
        ? { text: 'Both found.' }
        : {
            text: 'Let me look. ',
            calls: [
              { name: 'lookup_a', arguments: { x: '1' } },
              { name: 'lookup_b', arguments: { x: '2' } },
            ],
          },
    );
    const rounds: ToolRound[] = [];
    const { out, error } = await collect(
      withToolRounds(llm.llm, ASK, new AbortController().signal, {
        registry,
        onRound: (r) => rounds.push(r),
      }),
    );
    assert.equal(error, undefined);
    assert.deepEqual(out, ['Let ', 'me ', 'look. ', { type: 'flush' }, 'Both ', 'found.']);
    assert.equal(rounds.length, 1);
    const second = llm.requests[1]!;
    assert.deepEqual(
      second.messages.slice(1).map((m) => [m.role, m.content]),
      [
        ['assistant', 'Let me look. '],
        ['tool', 'lookup_a: 1'],
        ['tool', 'lookup_b: 2'],
      ],
    );
    assert.deepEqual(
      second.opts.tools?.map((t) => t.name),
      ['lookup_a', 'lookup_b'],
    );
  });

  it(`at most ${MAX_TOOL_ROUNDS} rounds: the next request asks for words (toolChoice none)`, async () => {
    const a = echoTool('lookup_a');
    const registry = new ToolRegistry([a.tool], { timeoutMs: 1_000 });
    // A model that would call tools for ever.
    const llm = scriptedLlm(() => ({
      text: 'Still looking. ',
      calls: [{ name: 'lookup_a', arguments: { x: 'again' } }],
    }));
    const rounds: ToolRound[] = [];
    await collect(
      withToolRounds(llm.llm, ASK, new AbortController().signal, {
        registry,
        onRound: (r) => rounds.push(r),
      }),
    );
    assert.equal(rounds.length, MAX_TOOL_ROUNDS);
    assert.equal(llm.requests.length, MAX_TOOL_ROUNDS + 1);
    assert.deepEqual(
      llm.requests.map((r) => r.opts.toolChoice),
      [undefined, undefined, undefined, 'none'],
    );
  });

  it('an unknown tool and bad arguments reach the model as error results; the reply goes on', async () => {
    const registry = new ToolRegistry([echoTool('lookup_a').tool], { timeoutMs: 1_000 });
    const llm = scriptedLlm((messages) =>
      messages.at(-1)?.role === 'tool'
        ? { text: 'Sorry, I could not look that up.' }
        : {
            calls: [
              { name: 'order_pizza', arguments: {} },
              { name: 'lookup_a', arguments: { x: 42 } },
            ],
          },
    );
    const { out, error } = await collect(
      withToolRounds(llm.llm, ASK, new AbortController().signal, {
        registry,
        onRound: () => {},
      }),
    );
    assert.equal(error, undefined);
    assert.equal(
      out.filter((i) => typeof i === 'string').join(''),
      'Sorry, I could not look that up.',
    );
    const results = llm.requests[1]!.messages.filter((m) => m.role === 'tool');
    assert.match(results[0]!.content, /no tool named "order_pizza"/);
    assert.match(results[1]!.content, /invalid arguments for lookup_a: x: /);
    assert.ok(results.every((r) => r.role === 'tool' && r.isError));
  });

  it('aborted mid-round: the tools are cancelled; only the call that finished goes to onRound', async () => {
    const quick = echoTool('lookup_a', 5);
    const slow = echoTool('lookup_b', 5_000);
    const registry = new ToolRegistry([quick.tool, slow.tool], { timeoutMs: 10_000 });
    const llm = scriptedLlm(() => ({
      calls: [
        { name: 'lookup_a', arguments: { x: '1' } },
        { name: 'lookup_b', arguments: { x: '2' } },
      ],
    }));
    const abort = new AbortController();
    const rounds: ToolRound[] = [];
    const done = collect(
      withToolRounds(llm.llm, ASK, abort.signal, { registry, onRound: (r) => rounds.push(r) }),
    );
    await sleep(100);
    abort.abort(new Error('interrupted: speech'));
    const { error } = await done;
    assert.match(String(error), /interrupted: speech/);
    assert.equal(slow.signals[0]?.aborted, true);
    assert.equal(rounds.length, 1, 'recorded once');
    assert.deepEqual(
      rounds[0]!.results.map((r) => r.content),
      ['lookup_a: 1'],
    );
    assert.equal(llm.requests.length, 1, 'no request after an abort');
  });
});
