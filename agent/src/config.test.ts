import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError, DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_URL } from '@voice-agent/common';
import type { Env } from '@voice-agent/common';
import { agentConfigSchema, loadAgentConfig } from './config.js';

function configError(env: Env): ConfigError {
  try {
    loadAgentConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function namedVariables(err: ConfigError): string[] {
  return [...new Set(err.issues.map((i) => i.variable))].sort();
}

const BAD: [string, string][] = [
  ['AGENT_NAME', 'has space'],
  ['AGENT_MAX_JOBS', '0'],
  ['AGENT_MAX_JOBS', 'abc'],
  ['AGENT_MAX_JOBS', '2.5'],
  ['AGENT_HTTP_PORT', '70000'],
  ['AGENT_SHUTDOWN_TIMEOUT_MS', '12.5'],
  ['AGENT_INPUT_ACTIVE_DBFS', '5'],
  ['LOG_LEVEL', 'verbose'],
  ['AGENT_GREETING', ''],
];

describe('agent config: each bad value names its variable', () => {
  for (const [variable, value] of BAD) {
    it(`${variable}=${JSON.stringify(value)}`, () => {
      const err = configError({ [variable]: value });
      assert.deepEqual(namedVariables(err), [variable]);
      assert.match(err.message, new RegExp(`^  ${variable}: \\S`, 'm'));
    });
  }

  it('several bad values at once give one error naming all of them', () => {
    const err = configError(Object.fromEntries(new Map(BAD)));
    assert.deepEqual(namedVariables(err), [...new Set(BAD.map(([v]) => v))].sort());
    for (const variable of new Set(BAD.map(([v]) => v))) {
      assert.match(err.message, new RegExp(`^  ${variable}: `, 'm'));
    }
  });

  it('bad agent values and bad LiveKit values are reported together', () => {
    const err = configError({ LIVEKIT_URL: 'ftp://x', AGENT_MAX_JOBS: 'abc' });
    assert.deepEqual(namedVariables(err), ['AGENT_MAX_JOBS', 'LIVEKIT_URL']);
  });
});

describe('agent config: defaults and accepted values', () => {
  it('an empty environment gives automatic dispatch and a greeting by name', () => {
    const cfg = loadAgentConfig({});
    assert.equal(cfg.AGENT_NAME, '');
    assert.match(cfg.AGENT_GREETING, /\{name\}/);
    assert.equal(cfg.LIVEKIT_URL, DEV_LIVEKIT_URL);
    assert.equal(cfg.LIVEKIT_API_KEY, DEV_LIVEKIT_API_KEY);
    assert.equal(cfg.LOG_LEVEL, 'info');
    assert.ok(cfg.AGENT_MAX_JOBS >= 1);
    assert.ok(cfg.AGENT_SHUTDOWN_TIMEOUT_MS >= 100);
  });

  it('the exported schema and loadAgentConfig agree', () => {
    assert.deepEqual(agentConfigSchema.parse({}), loadAgentConfig({}));
  });

  it('numbers arrive as strings and are coerced; boundaries are accepted', () => {
    const cfg = loadAgentConfig({
      AGENT_NAME: 'support-agent_v1.2',
      AGENT_MAX_JOBS: '1',
      AGENT_HTTP_PORT: '0',
      AGENT_SHUTDOWN_TIMEOUT_MS: '60000',
      AGENT_INPUT_ACTIVE_DBFS: '-100',
      LOG_LEVEL: 'debug',
    });
    assert.equal(cfg.AGENT_NAME, 'support-agent_v1.2');
    assert.equal(cfg.AGENT_MAX_JOBS, 1);
    assert.equal(cfg.AGENT_HTTP_PORT, 0);
    assert.equal(cfg.AGENT_SHUTDOWN_TIMEOUT_MS, 60_000);
    assert.equal(cfg.AGENT_INPUT_ACTIVE_DBFS, -100);
    assert.equal(cfg.LOG_LEVEL, 'debug');
  });

  it('production still refuses the development credentials', () => {
    const err = configError({ NODE_ENV: 'production' });
    assert.deepEqual(namedVariables(err), ['LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET']);
  });
});

describe('agent entry point', () => {
  it('exits with code 2 and names the variable when the configuration is bad', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    // A temporary cwd holds no .env, so only the environment below reaches the config.
    const cwd = mkdtempSync(join(tmpdir(), 'voice-agent-main-'));
    try {
      const env: Record<string, string> = { AGENT_MAX_JOBS: 'abc' };
      for (const k of ['PATH', 'HOME', 'TMPDIR']) {
        const v = process.env[k];
        if (v !== undefined) env[k] = v;
      }
      const run = spawnSync(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), '--disable-warning=ExperimentalWarning', main],
        { cwd, env, encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(run.error, undefined);
      assert.equal(run.status, 2, `stderr: ${run.stderr}`);
      assert.match(run.stderr, /AGENT_MAX_JOBS: /);
      assert.doesNotMatch(run.stderr, /fatal/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
