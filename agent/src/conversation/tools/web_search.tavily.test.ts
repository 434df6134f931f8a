import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startOpenAiFixture, tavilyResults } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { TavilySearch } from '../../providers/search/tavily.js';
import { ProviderError } from '../../providers/types.js';
import { builtInTools } from './builtins.js';
import { ToolRegistry } from './registry.js';
import { webSearchTool } from './web_search.js';

const KEY = 'tvly-test';
const signal = () => new AbortController().signal;
const search = { id: 'call_1', name: 'web_search', arguments: '{"query":"Louvre opening hours"}' };

describe('web search through Tavily, against its fixture', () => {
  let fx: OpenAiFixture;
  const closers: { close(): unknown }[] = [];
  const tavily = (apiKey = KEY) => {
    const client = new TavilySearch({
      baseURL: fx.tavilyBaseUrl,
      apiKey,
      retry: { baseDelayMs: 5, random: () => 0 },
    });
    closers.push(client);
    return client;
  };
  const searches = () => fx.requests.filter((r) => r.endpoint === 'search');

  before(async () => {
    fx = await startOpenAiFixture({ phrases: [] });
  });
  beforeEach(() => {
    fx.requests.length = 0;
    Object.assign(fx.script.tavily, { apiKey: KEY, latencyMs: 0, faults: [] });
  });
  after(async () => {
    for (const c of closers) c.close();
    await fx.close();
  });

  it('the tool asks with the key, the query, 3 results and an answer, and gives the model them', async () => {
    const registry = new ToolRegistry([webSearchTool(tavily())], { timeoutMs: 2_000 });
    const result = await registry.run(search, { signal: signal() });
    assert.equal(result.isError, undefined);
    const sent = searches()[0];
    assert.equal(sent?.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(sent?.body, {
      query: 'Louvre opening hours',
      max_results: 3,
      include_answer: true,
    });
    const expected = tavilyResults('Louvre opening hours');
    assert.deepEqual(JSON.parse(result.content), {
      answer: 'Here is what the web says about Louvre opening hours.',
      results: expected.map(({ title, url, content }) => ({ title, url, content })),
    });
  });

  it('a bad key: a non-retryable ProviderError 401, sent once; the model gets an error result', async () => {
    await assert.rejects(
      tavily('tvly-wrong').search({ query: 'x', maxResults: 3, includeAnswer: false }, signal()),
      (err: unknown) =>
        err instanceof ProviderError &&
        err.status === 401 &&
        !err.retryable &&
        err.kind === 'tool' &&
        /invalid API key/.test(err.message),
    );
    assert.equal(searches().length, 1);
    const registry = new ToolRegistry([webSearchTool(tavily('tvly-wrong'))], { timeoutMs: 2_000 });
    const result = await registry.run(search, { signal: signal() });
    assert.equal(result.isError, true);
    assert.match(result.content, /^Error: web_search failed: tavily: HTTP 401/);
  });

  it('a 429: retried after its retry-after, then the results', async () => {
    fx.script.tavily.faults.push({ kind: 'status', status: 429, retryAfterS: 0.3 });
    const found = await tavily().search(
      { query: 'x', maxResults: 2, includeAnswer: false },
      signal(),
    );
    assert.equal(found.results.length, 2);
    const [first, second] = searches();
    assert.ok(first && second, 'two requests');
    assert.ok(second.at - first.at >= 299, `retried after ${second.at - first.at} ms`);
  });

  it('429 on every attempt: a retryable ProviderError carrying retry-after', async () => {
    fx.script.tavily.faults.push(
      ...[1, 2, 3].map(() => ({ kind: 'status' as const, status: 429, retryAfterS: 0.05 })),
    );
    await assert.rejects(
      tavily().search({ query: 'x', maxResults: 2, includeAnswer: false }, signal()),
      (err: unknown) =>
        err instanceof ProviderError &&
        err.status === 429 &&
        err.retryable &&
        err.retryAfterMs === 50,
    );
    assert.equal(searches().length, 3);
  });

  it('search is among the built-in tools only with a key', async () => {
    const settings = {
      enabled: ['time', 'search'] as const,
      timeZone: 'UTC',
      timeoutMs: 1_000,
    };
    const without = builtInTools({ ...settings, tavily: { apiKey: undefined, baseURL: 'x' } });
    assert.deepEqual(without.names, ['get_current_time']);
    const withKey = builtInTools({
      ...settings,
      tavily: { apiKey: KEY, baseURL: fx.tavilyBaseUrl },
    });
    closers.push(withKey);
    assert.deepEqual(withKey.names, ['get_current_time', 'web_search']);
    assert.deepEqual(
      builtInTools({ ...settings, enabled: [], tavily: { apiKey: KEY, baseURL: 'x' } }).names,
      [],
    );
  });
});
