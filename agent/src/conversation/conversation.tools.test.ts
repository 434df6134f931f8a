import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { setup, tts } from '../../test/fake_conversation.js';
import { scriptedLlm } from '../../test/scripted_llm.js';
import { until } from '../../test/until.js';
import type { ChatMessage } from '../providers/types.js';
import type { UserTurn } from './conversation.js';
import { FillerClip } from './output/filler.js';
import { ToolRegistry } from './tools/registry.js';
import { defineTool } from './tools/tool.js';

const turn = (text: string): UserTurn => ({
  identity: 'ana',
  name: 'Ana',
  text,
  speechEndAt: performance.now(),
  endedAt: performance.now(),
  sttFinalMs: 100,
});

/** A tool that records each run: when it started and ended, its arguments and its signal. */
function recordedTool(name: string, sideEffects: boolean, ms: number) {
  const runs: { args: { note: string }; startedAt: number; signal: AbortSignal; done: boolean }[] =
    [];
  const tool = defineTool({
    name,
    description: `${name} (a test tool).`,
    parameters: z.object({ note: z.string() }),
    sideEffects,
    run: async (args, { signal }) => {
      const run = { args, startedAt: performance.now(), signal, done: false };
      runs.push(run);
      await sleep(ms, undefined, { signal });
      run.done = true;
      return `${name} done`;
    },
  });
  return { tool, runs };
}

/**
 * A model that calls `tool` for a user's turn (its note: the turn's text), saying `before`
 * first, and answers "Done: <result>." once the result is in.
 */
function callingLlm(tool: string, before = '') {
  return scriptedLlm((messages) => {
    const last = messages.at(-1)!;
    if (last.role === 'tool') return { text: `Done: ${last.content}.` };
    return { text: before, calls: [{ name: tool, arguments: { note: last.content } }] };
  });
}

function withTools(
  llm: ReturnType<typeof callingLlm>,
  tool: ReturnType<typeof recordedTool>,
  filler?: { clip: FillerClip; afterMs: number },
) {
  const registry = new ToolRegistry([tool.tool], { timeoutMs: 5_000 });
  return setup({
    llm: llm.llm,
    options: {
      tools: { registry, fillerAfterMs: filler?.afterMs ?? 0, filler: filler?.clip },
    },
  });
}

/** The tool messages of a context: calls (by id) and results (by the call they answer). */
function toolMessages(messages: readonly ChatMessage[]) {
  return {
    calls: messages.flatMap((m) =>
      m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.id) : [],
    ),
    results: messages.flatMap((m) => (m.role === 'tool' ? [m.toolCallId] : [])),
  };
}

describe('Conversation: tools, and replies that are interrupted or prepared', () => {
  it('interrupted mid-tool: the tool is cancelled through the reply’s signal, no orphan call', async () => {
    const tool = recordedTool('book_table', true, 5_000);
    const llm = callingLlm('book_table', 'Let me book that. ');
    const { conversation, speaker, context } = withTools(llm, tool);
    conversation.userTurn(turn('Book a table for four.'));
    await until(() => tool.runs.length === 1 && speaker.heard.length === 1, 'the tool running');
    assert.equal(tool.runs[0]?.signal.aborted, false);
    assert.equal(conversation.interrupt('speech', 'ana'), true);
    await until(() => !conversation.speaking, 'the floor free');
    assert.equal(tool.runs[0]?.signal.aborted, true, 'cancelled through the signal');
    assert.equal(tool.runs[0]?.done, false);
    const messages = context.messages();
    assert.deepEqual(toolMessages(messages), { calls: [], results: [] });
    assert.deepEqual(
      messages.slice(1).map((m) => [m.role, m.content]),
      [
        ['user', 'Ana: Book a table for four.'],
        ['assistant', 'Let me book that.'],
      ],
    );
    // The next turn's request carries no half of the cancelled call either.
    conversation.userTurn(turn('Actually, make it five.'));
    await until(() => llm.requests.length === 2, 'the next request');
    assert.deepEqual(toolMessages(llm.requests[1]!.messages), { calls: [], results: [] });
  });

  it('a draft superseded by other words: its side-effect tool never ran', async () => {
    const tool = recordedTool('book_table', true, 10);
    const llm = callingLlm('book_table');
    const { conversation, speaker, context } = withTools(llm, tool);
    conversation.draftTurn('ana', 'Ana', 'Book a table for four');
    await until(() => llm.requests.length === 1, 'the prepared request');
    await sleep(60); // the model has called the tool: it waits for the turn
    assert.equal(tool.runs.length, 0, 'a side effect waits for its turn to be confirmed');
    conversation.speechStarted();
    conversation.userTurn(turn('Book a table for four on Friday.'));
    await until(() => speaker.heard.length >= 1, 'the answer to the longer turn');
    await until(() => !conversation.speaking, 'the reply over');
    assert.deepEqual(
      tool.runs.map((r) => r.args.note),
      ['Ana: Book a table for four on Friday.'],
      'only the confirmed turn’s call ran',
    );
    const { calls, results } = toolMessages(context.messages());
    assert.equal(calls.length, 1);
    assert.deepEqual(results, calls);
  });

  it('a draft with a side-effect tool, confirmed: the tool runs after confirmation, once', async () => {
    const tool = recordedTool('book_table', true, 10);
    const llm = callingLlm('book_table');
    const { conversation, speaker, context } = withTools(llm, tool);
    conversation.draftTurn('ana', 'Ana', 'Book a table for four.');
    await until(() => llm.requests.length === 1, 'the prepared request');
    await sleep(60);
    assert.equal(tool.runs.length, 0, 'not before the turn is confirmed');
    const confirmedAt = performance.now();
    conversation.userTurn(turn('Book a table for four.'));
    await until(() => speaker.heard.length >= 1, 'the answer');
    await until(() => !conversation.speaking, 'the reply over');
    assert.equal(tool.runs.length, 1);
    assert.ok(tool.runs[0]!.startedAt >= confirmedAt, 'it ran after the confirmation');
    assert.equal(llm.requests.length, 2, 'the prepared request, then the one with the result');
    assert.deepEqual(speaker.heard, ['Done: book_table done.']);
    const { calls, results } = toolMessages(context.messages());
    assert.equal(calls.length, 1, 'recorded once');
    assert.deepEqual(results, calls, 'with its result');
  });

  it('a read-only tool in a draft runs at once; it is recorded once, when the turn is confirmed', async () => {
    const tool = recordedTool('opening_hours', false, 10);
    const llm = callingLlm('opening_hours');
    const { conversation, speaker, context } = withTools(llm, tool);
    conversation.draftTurn('ana', 'Ana', 'When does it open?');
    await until(() => tool.runs.length === 1 && tool.runs[0]!.done, 'the speculative run');
    await until(() => llm.requests.length === 2, 'the answer prepared');
    assert.deepEqual(speaker.heard, [], 'nothing heard before the turn is confirmed');
    assert.deepEqual(toolMessages(context.messages()), { calls: [], results: [] });
    conversation.userTurn(turn('When does it open?'));
    await until(() => speaker.heard.length >= 1, 'the answer');
    await until(() => !conversation.speaking, 'the reply over');
    assert.equal(tool.runs.length, 1, 'not run again');
    const { calls, results } = toolMessages(context.messages());
    assert.equal(calls.length, 1, 'recorded once');
    assert.deepEqual(results, calls);
  });

  it('a read-only tool in a draft that is dropped: it ran, but nothing of it is recorded', async () => {
    const tool = recordedTool('opening_hours', false, 10);
    const llm = callingLlm('opening_hours');
    const { conversation, context } = withTools(llm, tool);
    conversation.draftTurn('ana', 'Ana', 'When does it');
    await until(() => tool.runs[0]?.done === true, 'the speculative run');
    conversation.forget('ana');
    await until(() => !conversation.speaking, 'the draft gone');
    assert.deepEqual(toolMessages(context.messages()), { calls: [], results: [] });
  });

  it('a slow tool gets the filler; a quick one does not', async () => {
    const clip = new FillerClip('One moment.', [tts]);
    await clip.prepare();
    const slow = recordedTool('search', false, 300);
    const slowReply = withTools(callingLlm('search'), slow, { clip, afterMs: 80 });
    slowReply.conversation.userTurn(turn('Who won the match?'));
    await until(() => slowReply.speaker.heard.length >= 2, 'the filler and the answer');
    assert.deepEqual(slowReply.speaker.heard, ['One moment.', 'Done: search done.']);

    const quick = recordedTool('search', false, 5);
    const quickReply = withTools(callingLlm('search'), quick, { clip, afterMs: 80 });
    quickReply.conversation.userTurn(turn('Who won the match?'));
    await until(() => quickReply.speaker.heard.length >= 1, 'the answer');
    await sleep(150);
    assert.deepEqual(quickReply.speaker.heard, ['Done: search done.']);
  });
});
