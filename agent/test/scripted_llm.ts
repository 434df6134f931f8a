/**
 * Fake LLMs that call tools, for tests of what sits on top of an LLM (the fallback wrappers, the
 * reply's tool rounds). Llm.stream's first overload promises strings when no tools are given:
 * the fakes here keep that promise (a call is yielded only when the request offered tools).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ChatMessage,
  Llm,
  LlmEvent,
  LlmStreamOptions,
  ToolCallEvent,
} from '../src/providers/types.js';

/** An Llm from one stream function that may yield tool calls. */
export function llmOf(
  label: string,
  stream: (messages: readonly ChatMessage[], opts: LlmStreamOptions) => AsyncIterable<LlmEvent>,
): Llm {
  return { label, stream: stream as Llm['stream'], close: async () => {} };
}

/** What the scripted model does for one request: its words, then its calls. */
export interface ScriptedTurn {
  text?: string;
  calls?: { name: string; arguments?: unknown }[];
}

/**
 * A model that answers each request by `script(messages, request)`: its text word by word, then
 * its calls (only when tools were offered, and not with toolChoice `none`), `ttftMs` after the
 * request. Records every request.
 */
export function scriptedLlm(
  script: (messages: readonly ChatMessage[], request: number) => ScriptedTurn,
  ttftMs = 5,
) {
  const requests: { messages: ChatMessage[]; opts: LlmStreamOptions }[] = [];
  let ids = 0;
  const llm = llmOf('scripted', async function* (messages, opts) {
    requests.push({ messages: [...messages], opts });
    const turn = script(messages, requests.length - 1);
    await sleep(ttftMs, undefined, { signal: opts.signal }).catch(() => undefined);
    if (opts.signal.aborted) throw opts.signal.reason;
    for (const word of (turn.text ?? '').split(/(?<= )/).filter((w) => w !== '')) {
      yield word;
    }
    if (!opts.tools?.length || opts.toolChoice === 'none') return;
    for (const call of turn.calls ?? []) {
      const event: ToolCallEvent = {
        type: 'tool_call',
        id: `call_${++ids}`,
        name: call.name,
        arguments: JSON.stringify(call.arguments ?? {}),
      };
      yield event;
    }
  });
  return { llm, requests };
}
