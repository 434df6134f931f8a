// `.env.example` against the configuration schemas: every variable the agent and the web app read
// is listed once, nothing else is, and every default it shows is the schema's default.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { agentConfigSchema } from '@voice-agent/agent/config';
import { webConfigSchema } from '@voice-agent/web/config';
import { REPO_ROOT } from '../src/paths.js';

const listed = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8')
  .split('\n')
  .map((line) => /^# ([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
  .filter((m) => m !== null)
  .map((m) => ({ name: m[1]!, value: m[2]! }));

const agentDefaults = agentConfigSchema.parse({}) as Record<string, unknown>;
const webDefaults = webConfigSchema.in.parse({}) as Record<string, unknown>;
const schemaKeys = new Set([
  ...Object.keys(agentConfigSchema.shape),
  ...Object.keys(webConfigSchema.in.shape),
]);

describe('.env.example', () => {
  it('lists every variable of the agent and the web app once, and nothing else', () => {
    const names = listed.map((v) => v.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
      'listed twice',
    );
    assert.deepEqual([...schemaKeys].filter((k) => !names.includes(k)).sort(), [], 'missing');
    assert.deepEqual(names.filter((n) => !schemaKeys.has(n)).sort(), [], 'not read by the code');
  });

  it('shows each default as the schema has it (empty: unset, or too long to show)', () => {
    for (const { name, value } of listed) {
      const fallback = name in agentDefaults ? agentDefaults[name] : webDefaults[name];
      if (value === '') {
        assert.ok(
          String(fallback ?? '') === '' || String(fallback).length > 100,
          `${name}: shown empty, but its default is ${JSON.stringify(fallback)}`,
        );
        continue;
      }
      assert.equal(value, String(fallback), name);
    }
  });
});
