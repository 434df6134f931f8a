/**
 * One round of a reply's tool use: the calls the model made in one response and their results.
 * A round is the unit the history keeps: a call goes in only with its result, never alone.
 */
import type { ChatMessage, ToolCall, ToolResultMessage } from '../../providers/types.js';

export interface ToolRound {
  calls: readonly ToolCall[];
  results: readonly ToolResultMessage[];
}

/**
 * The round as messages: the assistant's calls (with the words it said before them, for the
 * request that continues the reply), then one result per call. Calls without a result, and
 * results of no call, are left out; a round with no pair left is no messages at all.
 */
export function roundMessages(round: ToolRound, said = ''): ChatMessage[] {
  const results = round.calls.flatMap((call) => {
    const result = round.results.find((r) => r.toolCallId === call.id);
    return result ? [{ call, result }] : [];
  });
  if (results.length === 0) return [];
  return [
    { role: 'assistant', content: said, toolCalls: results.map((r) => r.call) },
    ...results.map((r) => r.result),
  ];
}
