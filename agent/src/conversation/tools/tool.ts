/**
 * A tool the model may call: a name and a description it reads, its parameters as a zod object
 * schema (sent to it as JSON Schema, and checked against what it sends back), whether running it
 * changes anything outside the conversation, and the run itself.
 */
import type { z } from 'zod';

export interface ToolRunContext {
  /** The reply's signal (and the tool's time limit): a tool stops promptly when it aborts. */
  signal: AbortSignal;
}

export interface Tool<P extends z.ZodObject = z.ZodObject> {
  /** What the model calls it: letters, digits, `_` and `-`, at most 64. */
  readonly name: string;
  /** When and how to use it, for the model. */
  readonly description: string;
  readonly parameters: P;
  /**
   * True when running it acts on the world (books, sends, buys): a reply prepared before its
   * turn is confirmed runs it only once the turn is confirmed. False for tools that only read.
   */
  readonly sideEffects: boolean;
  /** Runs with arguments the schema accepted; an object result is sent to the model as JSON. */
  run(args: z.infer<P>, ctx: ToolRunContext): Promise<string | object>;
  /** Releases what the tool holds (connections). */
  close?(): Promise<void>;
}

/** A tool, with its arguments' type inferred from its schema. */
export function defineTool<P extends z.ZodObject>(tool: Tool<P>): Tool<P> {
  return tool;
}
