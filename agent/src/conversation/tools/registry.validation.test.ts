import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ToolCall } from '../../providers/types.js';
import { ToolRegistry } from './registry.js';
import { timeTool } from './time.js';
import { defineTool } from './tool.js';

const call = (name: string, args: string, id = 'call_1'): ToolCall => ({
  id,
  name,
  arguments: args,
});
const signal = () => new AbortController().signal;

/** A tool that books a table, recording each run; `ms` per run. */
function bookingTool(ms = 0) {
  const runs: { guests: number; signal: AbortSignal }[] = [];
  const tool = defineTool({
    name: 'book_table',
    description: 'Books a table.',
    parameters: z.object({ guests: z.number().int().min(1).max(12), name: z.string().optional() }),
    sideEffects: true,
    run: async ({ guests }, { signal }) => {
      runs.push({ guests, signal });
      await sleep(ms, undefined, { signal });
      return { booked: true, guests };
    },
  });
  return { tool, runs };
}

const registryOf = (...tools: Parameters<typeof defineTool>[0][]) =>
  new ToolRegistry(tools, { timeoutMs: 200 });

describe('ToolRegistry: what the model sends always ends in a result', () => {
  it('an unknown tool: an error result naming the tools there are', async () => {
    const result = await registryOf(bookingTool().tool).run(call('order_pizza', '{}'), {
      signal: signal(),
    });
    assert.deepEqual(result, {
      role: 'tool',
      toolCallId: 'call_1',
      name: 'order_pizza',
      content: 'Error: there is no tool named "order_pizza". Tools: book_table.',
      isError: true,
    });
  });

  it('arguments that are not JSON, or that the schema refuses: an error result, not run', async () => {
    const { tool, runs } = bookingTool();
    const registry = registryOf(tool);
    const broken = await registry.run(call('book_table', '{"guests": 4'), { signal: signal() });
    assert.equal(broken.content, 'Error: the arguments of book_table are not valid JSON.');
    const refused = await registry.run(call('book_table', '{"guests": 40, "name": 7}'), {
      signal: signal(),
    });
    assert.equal(refused.isError, true);
    assert.match(refused.content, /^Error: invalid arguments for book_table: guests: .*; name: /);
    assert.equal(runs.length, 0);
  });

  it('valid arguments: the tool runs with them, an object result is sent as JSON', async () => {
    const { tool, runs } = bookingTool();
    const result = await registryOf(tool).run(call('book_table', '{"guests":4}'), {
      signal: signal(),
    });
    assert.deepEqual(result, {
      role: 'tool',
      toolCallId: 'call_1',
      name: 'book_table',
      content: '{"booked":true,"guests":4}',
    });
    assert.deepEqual(
      runs.map((r) => r.guests),
      [4],
    );
  });

  it('a tool that throws: an error result with its message', async () => {
    const failing = defineTool({
      name: 'flaky',
      description: 'Fails.',
      parameters: z.object({}),
      sideEffects: false,
      run: async () => {
        throw new Error('the service is down');
      },
    });
    const result = await registryOf(failing).run(call('flaky', ''), { signal: signal() });
    assert.equal(result.content, 'Error: flaky failed: the service is down');
    assert.equal(result.isError, true);
  });

  it('a tool over the time limit is stopped through its signal and reported', async () => {
    const { tool, runs } = bookingTool(5_000);
    const started = performance.now();
    const result = await registryOf(tool).run(call('book_table', '{"guests":2}'), {
      signal: signal(),
    });
    const tookMs = performance.now() - started;
    assert.match(result.content, /took longer than 200 ms and was stopped/);
    assert.ok(tookMs >= 195 && tookMs < 1_000, `${tookMs} ms`);
    assert.equal(runs[0]?.signal.aborted, true);
  });

  it('the caller’s abort rejects, and reaches the tool', async () => {
    const { tool, runs } = bookingTool(5_000);
    const abort = new AbortController();
    const running = registryOf(tool).run(call('book_table', '{"guests":2}'), {
      signal: abort.signal,
    });
    await sleep(20);
    abort.abort(new Error('interrupted: speech'));
    await assert.rejects(running, /interrupted: speech/);
    assert.equal(runs[0]?.signal.aborted, true);
  });

  it('a tool with side effects waits for confirmation; unconfirmed, it never runs', async () => {
    const { tool, runs } = bookingTool();
    const registry = registryOf(tool);
    let confirm: (ok: boolean) => void = () => {};
    const confirmed = new Promise<boolean>((resolve) => (confirm = resolve));
    const running = registry.run(call('book_table', '{"guests":3}'), {
      signal: signal(),
      confirmed,
    });
    await sleep(30);
    assert.equal(runs.length, 0, 'not before the turn is confirmed');
    confirm(true);
    assert.equal((await running).isError, undefined);
    assert.equal(runs.length, 1);
    const refused = await registry.run(call('book_table', '{"guests":3}'), {
      signal: signal(),
      confirmed: Promise.resolve(false),
    });
    assert.equal(refused.isError, true);
    assert.equal(runs.length, 1);
  });

  it('tells the model its tools as JSON Schema, without the $schema line', () => {
    const [spec] = registryOf(bookingTool().tool).specs();
    assert.deepEqual(spec, {
      name: 'book_table',
      description: 'Books a table.',
      parameters: {
        type: 'object',
        properties: {
          guests: { type: 'integer', minimum: 1, maximum: 12 },
          name: { type: 'string' },
        },
        required: ['guests'],
        additionalProperties: false,
      },
    });
  });

  it('refuses two tools of one name, and names the model could not call', () => {
    const { tool } = bookingTool();
    assert.throws(() => registryOf(tool, tool), /registered twice/);
    assert.throws(() => registryOf({ ...tool, name: 'book a table' }), /tool name/);
  });
});

describe('the time tool', () => {
  const now = () => new Date('2025-06-03T12:05:00Z');

  it('the date and time in the configured zone, or in the zone the model names', async () => {
    const registry = new ToolRegistry([timeTool('Europe/Paris', now)], { timeoutMs: 1_000 });
    const local = await registry.run(call('get_current_time', '{}'), { signal: signal() });
    assert.deepEqual(JSON.parse(local.content), {
      timeZone: 'Europe/Paris',
      date: 'Tuesday, 3 June 2025',
      time: '14:05',
      utcOffset: '+02:00',
    });
    const tokyo = await registry.run(call('get_current_time', '{"timezone":"Asia/Tokyo"}'), {
      signal: signal(),
    });
    assert.equal(JSON.parse(tokyo.content).time, '21:05');
    const utc = new ToolRegistry([timeTool('UTC', now)], { timeoutMs: 1_000 });
    const plain = await utc.run(call('get_current_time', ''), { signal: signal() });
    assert.equal(JSON.parse(plain.content).utcOffset, '+00:00');
  });

  it('a zone that does not exist is an error result for the model', async () => {
    const registry = new ToolRegistry([timeTool('UTC', now)], { timeoutMs: 1_000 });
    const result = await registry.run(call('get_current_time', '{"timezone":"Paris"}'), {
      signal: signal(),
    });
    assert.equal(result.isError, true);
    assert.match(result.content, /timezone: expected an IANA time zone/);
  });
});
