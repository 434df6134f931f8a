/**
 * What both LLM providers share about function calling: a context sent without tools loses its
 * tool messages (an API refuses tool blocks it was not told of), and a call's arguments are
 * assembled from the fragments the model streams.
 */
import type { ChatMessage, ToolCallEvent } from '../types.js';

/**
 * `messages` for a request that offers no tools: `tool` results and the calls they answer are
 * left out (an assistant message that made calls keeps its words, if it had any).
 */
export function withoutToolMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  return messages.flatMap((m): ChatMessage[] => {
    if (m.role === 'tool') return [];
    if (m.role !== 'assistant' || !m.toolCalls) return [m];
    return m.content.trim() === '' ? [] : [{ role: 'assistant', content: m.content }];
  });
}

/** A call's arguments as an object (Anthropic's `input`); `{}` for JSON that is not one. */
export function argumentsObject(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json || '{}');
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // not JSON: the tool registry tells the model so when it runs the call
  }
  return {};
}

/**
 * Tool calls streamed in pieces, by position: the first piece of each names it (its id and
 * name), the rest append to its arguments. `take()` gives the complete calls in order, once.
 */
export class ToolCallAssembler {
  readonly #calls = new Map<number, { id: string; name: string; arguments: string }>();

  /** A piece of the call at `index`. */
  add(
    index: number,
    piece: { id?: string | undefined; name?: string | undefined; arguments?: string | undefined },
  ): void {
    const call = this.#calls.get(index) ?? { id: '', name: '', arguments: '' };
    if (piece.id) call.id = piece.id;
    if (piece.name && !call.name) call.name = piece.name;
    if (piece.arguments) call.arguments += piece.arguments;
    this.#calls.set(index, call);
  }

  /** Whether the call at `index` has begun. */
  has(index: number): boolean {
    return this.#calls.has(index);
  }

  /** The call at `index` alone, complete (Anthropic ends each block on its own). */
  takeOne(index: number): ToolCallEvent | undefined {
    const call = this.#calls.get(index);
    if (!call) return undefined;
    this.#calls.delete(index);
    return complete(call, index);
  }

  /** Every call begun, complete, in order of position; none are given twice. */
  take(): ToolCallEvent[] {
    const calls = [...this.#calls.entries()].sort(([a], [b]) => a - b);
    this.#calls.clear();
    return calls.map(([index, call]) => complete(call, index));
  }
}

/** A call as the stream yields it; servers that send no id get one by position. */
function complete(
  call: { id: string; name: string; arguments: string },
  index: number,
): ToolCallEvent {
  return {
    type: 'tool_call',
    id: call.id || `call_${index}`,
    name: call.name,
    arguments: call.arguments || '{}',
  };
}
