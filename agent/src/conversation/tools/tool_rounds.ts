/**
 * A reply that may call tools: the model's words as they stream, and between its requests the
 * tools it called. The rules, in the order of the code:
 *  1. Every request offers the registry's tools; the one after MAX_TOOL_ROUNDS rounds says
 *     `toolChoice: none`, so the model answers in words (calls it makes anyway are ignored).
 *  2. A response's words stream on at once; when it ends with calls, a `flush` cue lets the
 *     words so far be spoken while the tools run.
 *  3. A round's calls run together, each through the registry (errors become results; tools
 *     with side effects wait for `confirmed`). A tool still running `filler.afterMs` after the
 *     first one started gets one `filler` cue per reply.
 *  4. A complete round goes to `onRound`, and into the next request (the calls with the words
 *     said before them, then the results).
 *  5. A round cut short (the reply's signal aborted, or the reply stopped reading) cancels its
 *     tools through their signal, and gives `onRound` only the calls that finished, each with
 *     its result: a call is never recorded without its result, and no round twice.
 */
import type { SpokenSegment } from '../../audio/speaker.js';
import type { Logger } from '../../log.js';
import { LinkedAbort } from '../../providers/base.js';
import type { ChatMessage, Llm, ToolCall, ToolResultMessage } from '../../providers/types.js';
import { sleep } from '../../util/backoff.js';
import type { ToolRegistry } from './registry.js';
import { roundMessages } from './round.js';
import type { ToolRound } from './round.js';

/** Rounds of tool calls one reply may make before it must answer in words. */
export const MAX_TOOL_ROUNDS = 3;

/** What the reply should do besides speaking words. */
export type ReplyCue = { type: 'flush' } | { type: 'filler' };
export type ReplyItem = string | ReplyCue;

export interface ReplyTools {
  registry: ToolRegistry;
  /** Tools with side effects run only once it resolves true (a reply prepared for a draft). */
  confirmed?: Promise<boolean> | undefined;
  /** Each round, once (rule 4), or what finished of it (rule 5). */
  onRound: (round: ToolRound) => void;
  /** Rule 3: the filler's delay, and the clip runReply says for the cue. */
  filler?: {
    afterMs: number;
    segment: () => SpokenSegment | undefined;
    onSaid?: () => void;
  };
  log?: Logger | undefined;
}

/** The reply's words and cues, running its tool rounds in between (rules 1-5). */
export async function* withToolRounds(
  llm: Pick<Llm, 'stream'>,
  messages: readonly ChatMessage[],
  signal: AbortSignal,
  tools: ReplyTools,
): AsyncGenerator<ReplyItem, void, undefined> {
  let request = [...messages];
  const filler = { due: (tools.filler?.afterMs ?? 0) > 0 };
  for (let round = 0; ; round++) {
    const last = round >= MAX_TOOL_ROUNDS;
    const calls: ToolCall[] = [];
    let said = '';
    const offered = {
      signal,
      tools: tools.registry.specs(),
      ...(last ? { toolChoice: 'none' as const } : {}),
    };
    for await (const item of llm.stream(request, offered)) {
      if (typeof item === 'string') {
        said += item;
        yield item;
      } else {
        calls.push({ id: item.id, name: item.name, arguments: item.arguments });
      }
    }
    if (calls.length === 0) return;
    if (last) {
      tools.log?.warn({ calls: calls.length, rounds: round }, 'tool calls past the last round');
      return;
    }
    yield { type: 'flush' };
    const results = yield* runRound(calls, signal, tools, filler);
    const done: ToolRound = { calls, results };
    tools.onRound(done);
    request = [...request, ...roundMessages(done, said)];
  }
}

/** One round's calls, run together (rules 3 and 5); resolves with their results in call order. */
async function* runRound(
  calls: readonly ToolCall[],
  signal: AbortSignal,
  tools: ReplyTools,
  filler: { due: boolean },
): AsyncGenerator<ReplyCue, ToolResultMessage[], undefined> {
  const round = new LinkedAbort(signal);
  const finished: ToolResultMessage[] = [];
  let started: () => void = () => {};
  const firstStart = new Promise<void>((resolve) => (started = resolve));
  const running = Promise.all(
    calls.map(async (call) => {
      const result = await tools.registry.run(call, {
        signal: round.signal,
        confirmed: tools.confirmed,
        onStart: started,
      });
      finished.push(result);
      return result;
    }),
  );
  running.catch(() => undefined); // awaited below, or abandoned with the round
  let complete = false;
  try {
    if (filler.due) {
      const afterMs = tools.filler?.afterMs ?? 0;
      const late = firstStart
        .then(() => sleep(afterMs, round.signal))
        .then(() => true as const)
        .catch(() => false as const);
      if (await Promise.race([running.then(() => false as const), late])) {
        filler.due = false;
        yield { type: 'filler' };
      }
    }
    const results = await running;
    complete = true;
    return results;
  } finally {
    round.abort(); // rule 5: nothing of an abandoned round keeps running (and stops the timer)
    if (!complete && finished.length > 0) tools.onRound({ calls, results: finished });
  }
}
