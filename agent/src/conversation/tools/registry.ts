/**
 * The tools a conversation offers the model, and the one way a call is run. Whatever the model
 * sends, a call ends in a result for it, never in a crash:
 *  1. An unknown tool, arguments that are not JSON, or arguments the schema refuses: an error
 *     result saying so (the model can correct itself in its next request).
 *  2. A tool with side effects waits for `confirmed` (a reply prepared before its turn is
 *     confirmed); if it is false, the tool does not run.
 *  3. A tool that fails, or takes longer than `timeoutMs`: an error result (its signal aborts at
 *     the time limit).
 *  4. Only an abort of the caller's signal rejects (with its reason): the reply is gone, and
 *     nobody is waiting for a result.
 */
import { z } from 'zod';
import type { Logger } from '../../log.js';
import { errorFields } from '../../log.js';
import { abortable, LinkedAbort } from '../../providers/base.js';
import type { ToolCall, ToolResultMessage, ToolSpec } from '../../providers/types.js';
import { abortReason } from '../../util/backoff.js';
import type { Tool } from './tool.js';

/** A result longer than this is cut (a voice reply needs little; a request has a budget). */
export const MAX_RESULT_CHARS = 4_000;

export interface ToolRunOptions {
  signal: AbortSignal;
  /** Tools with side effects run only once it resolves true. Default: at once. */
  confirmed?: Promise<boolean> | undefined;
  /** Told when the tool itself starts (after any wait for confirmation). */
  onStart?: (() => void) | undefined;
}

export class ToolRegistry {
  readonly #tools = new Map<string, Tool>();
  readonly #specs: ToolSpec[];
  readonly #timeoutMs: number;
  readonly #log: Logger | undefined;

  constructor(tools: readonly Tool[], opts: { timeoutMs: number; log?: Logger | undefined }) {
    for (const tool of tools) {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(tool.name)) {
        throw new Error(`tool name "${tool.name}": expected up to 64 letters, digits, _ or -`);
      }
      if (this.#tools.has(tool.name)) throw new Error(`tool "${tool.name}" registered twice`);
      this.#tools.set(tool.name, tool);
    }
    this.#specs = tools.map(specOf);
    this.#timeoutMs = opts.timeoutMs;
    this.#log = opts.log;
  }

  /** The tools' names, in the order given. */
  get names(): string[] {
    return [...this.#tools.keys()];
  }

  /** The tools as the model is told of them (parameters as JSON Schema). */
  specs(): readonly ToolSpec[] {
    return this.#specs;
  }

  get(name: string): Tool | undefined {
    return this.#tools.get(name);
  }

  /** Runs one call (rules 1-4): its result message, an error result included. */
  async run(call: ToolCall, opts: ToolRunOptions): Promise<ToolResultMessage> {
    const { signal } = opts;
    const result = (content: string, isError = false): ToolResultMessage => ({
      role: 'tool',
      toolCallId: call.id,
      name: call.name,
      content: cut(content),
      ...(isError ? { isError: true } : {}),
    });
    const tool = this.#tools.get(call.name);
    if (!tool) {
      const known = this.names.join(', ') || 'none';
      return result(`Error: there is no tool named "${call.name}". Tools: ${known}.`, true);
    }
    const args = parseArguments(call.arguments, tool);
    if (!args.ok) return result(`Error: ${args.error}`, true);
    if (tool.sideEffects && opts.confirmed && !(await untilSettled(opts.confirmed, signal))) {
      if (signal.aborted) throw abortReason(signal);
      return result(`Error: ${tool.name} was not run: the turn was not confirmed.`, true);
    }
    if (signal.aborted) throw abortReason(signal);
    opts.onStart?.();
    const started = performance.now();
    const fields = { tool: tool.name, callId: call.id };
    try {
      const value = await this.#runWithin(tool, args.value, signal);
      const ms = Math.round(performance.now() - started);
      this.#log?.info({ ...fields, ms }, 'tool ran');
      return result(typeof value === 'string' ? value : JSON.stringify(value));
    } catch (err) {
      if (signal.aborted) throw abortReason(signal);
      const ms = Math.round(performance.now() - started);
      this.#log?.warn({ ...fields, ms, err: errorFields(err) }, 'tool failed');
      const message = err instanceof Error ? err.message : String(err);
      return result(`Error: ${tool.name} failed: ${message}`, true);
    }
  }

  /** Closes every tool that holds something. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#tools.values()].map((t) => t.close?.()));
  }

  async #runWithin(tool: Tool, args: unknown, signal: AbortSignal): Promise<string | object> {
    const run = new LinkedAbort(signal);
    const limit = new Error(`${tool.name} took longer than ${this.#timeoutMs} ms and was stopped`);
    const timer = setTimeout(() => run.abort(limit), this.#timeoutMs);
    try {
      // abortable: a tool that ignores its signal is not waited for.
      return await abortable(tool.run(args as never, { signal: run.signal }), run.signal);
    } finally {
      clearTimeout(timer);
      run.abort();
    }
  }
}

/** The tool as the model is told of it: JSON Schema without its `$schema` line. */
function specOf(tool: Tool): ToolSpec {
  const parameters = { ...(z.toJSONSchema(tool.parameters) as Record<string, unknown>) };
  delete parameters.$schema;
  return { name: tool.name, description: tool.description, parameters };
}

function parseArguments(
  json: string,
  tool: Tool,
): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(json.trim() || '{}');
  } catch {
    return { ok: false, error: `the arguments of ${tool.name} are not valid JSON.` };
  }
  const parsed = tool.parameters.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  return { ok: false, error: `invalid arguments for ${tool.name}: ${issues}.` };
}

/** What `promise` resolves to, or false as soon as `signal` aborts. */
function untilSettled(promise: Promise<boolean>, signal: AbortSignal): Promise<boolean> {
  return abortable(promise, signal).catch(() => false);
}

function cut(text: string): string {
  return text.length <= MAX_RESULT_CHARS ? text : `${text.slice(0, MAX_RESULT_CHARS)}...`;
}
