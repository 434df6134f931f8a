import type { ChatMessage, Llm } from '../../providers/types.js';
import type { Summarize } from './context.js';

/**
 * The summary request's instructions. The turns come tagged with their speakers ("Ana: ..."),
 * and the summary has to keep them: in a group, who asked for what matters to the answers.
 */
export const SUMMARY_INSTRUCTIONS =
  'You keep the running summary of a spoken conversation between people and an assistant. ' +
  'You get the summary so far and the turns that followed it. Write the new summary: every ' +
  'fact, name, number, date, preference, decision and open question that may matter later, ' +
  'each with the name of the person it came from, as the turns name them ("Ana: ..."). ' +
  'Leave out greetings and small talk. Plain sentences, no lists, no preamble.';

/** Marks a summary request (the fixture and the logs tell it from a reply by this). */
export const SUMMARY_REQUEST_HEADER = 'Summary so far:';

/**
 * Folds turns into the summary with one streamed request to `llm` (the room's own model, fallback
 * chain included). Runs beside the replies, never in their way.
 */
export function summarizeWith(llm: Llm): Summarize {
  return async (previous, turns, { maxTokens, signal }) => {
    const words = Math.max(40, Math.floor(maxTokens * 0.6));
    const messages: ChatMessage[] = [
      { role: 'system', content: `${SUMMARY_INSTRUCTIONS} At most ${words} words.` },
      { role: 'user', content: summaryRequest(previous, turns) },
    ];
    let text = '';
    for await (const delta of llm.stream(messages, { signal })) text += delta;
    return text;
  };
}

/** A tool result longer than this is cut in a summary request (the gist is enough). */
const TOOL_RESULT_CHARS = 300;

/**
 * The user message of a summary request: the summary so far, then the turns, one per line; a
 * tool call and its result are lines too ("Assistant used web_search ...", "Result of ...").
 */
export function summaryRequest(previous: string, turns: readonly ChatMessage[]): string {
  const lines = turns.flatMap((t) => {
    if (t.role === 'tool') {
      const result =
        t.content.length > TOOL_RESULT_CHARS
          ? `${t.content.slice(0, TOOL_RESULT_CHARS)}...`
          : t.content;
      return [`Result of ${t.name}: ${result}`];
    }
    if (t.role !== 'assistant') return [t.content];
    const calls = (t.toolCalls ?? []).map((c) => `Assistant used ${c.name} ${c.arguments}`);
    return [...calls, ...(t.content ? [`Assistant: ${t.content}`] : [])];
  });
  return `${SUMMARY_REQUEST_HEADER}\n${previous || '(none yet)'}\n\nTurns since:\n${lines.join('\n')}`;
}
