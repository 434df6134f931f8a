import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEV_LIVEKIT_API_KEY, type Env } from '@voice-agent/common';
import { loadWebConfig } from './config';

const GOOD_SECRET = 's'.repeat(40);

function configError(env: Env): ConfigError {
  try {
    loadWebConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('web config', () => {
  it('an empty environment gives the development defaults', () => {
    const cfg = loadWebConfig({});
    assert.equal(cfg.NODE_ENV, 'development');
    assert.equal(cfg.LIVEKIT_URL, 'ws://127.0.0.1:7880');
    assert.equal(cfg.LIVEKIT_PUBLIC_URL, 'ws://127.0.0.1:7880');
    assert.equal(cfg.LIVEKIT_API_KEY, DEV_LIVEKIT_API_KEY);
    assert.equal(cfg.TOKEN_TTL_SECONDS, 600);
  });

  it('LIVEKIT_PUBLIC_URL defaults to LIVEKIT_URL and is normalised like it', () => {
    assert.equal(
      loadWebConfig({ LIVEKIT_URL: 'wss://lk.example.com/' }).LIVEKIT_PUBLIC_URL,
      'wss://lk.example.com',
    );
    const cfg = loadWebConfig({
      LIVEKIT_URL: 'ws://livekit:7880',
      LIVEKIT_PUBLIC_URL: 'http://localhost:7880',
    });
    assert.equal(cfg.LIVEKIT_URL, 'ws://livekit:7880');
    assert.equal(cfg.LIVEKIT_PUBLIC_URL, 'ws://localhost:7880');
  });

  it('TOKEN_TTL_SECONDS accepts the bounds 60 and 3600', () => {
    assert.equal(loadWebConfig({ TOKEN_TTL_SECONDS: '60' }).TOKEN_TTL_SECONDS, 60);
    assert.equal(loadWebConfig({ TOKEN_TTL_SECONDS: ' 3600 ' }).TOKEN_TTL_SECONDS, 3600);
  });

  it('production with own keys is accepted', () => {
    const cfg = loadWebConfig({
      NODE_ENV: 'production',
      LIVEKIT_API_KEY: 'prodkey',
      LIVEKIT_API_SECRET: GOOD_SECRET,
    });
    assert.equal(cfg.LIVEKIT_API_KEY, 'prodkey');
  });

  const bad: [string, Env, string, RegExp][] = [
    ['LIVEKIT_URL is not a URL', { LIVEKIT_URL: 'not a url' }, 'LIVEKIT_URL', /expected a URL/],
    [
      'LIVEKIT_PUBLIC_URL is not a URL',
      { LIVEKIT_PUBLIC_URL: 'ftp://x' },
      'LIVEKIT_PUBLIC_URL',
      /expected a URL/,
    ],
    [
      'TOKEN_TTL_SECONDS is not a number',
      { TOKEN_TTL_SECONDS: 'abc' },
      'TOKEN_TTL_SECONDS',
      /whole number of seconds/,
    ],
    [
      'TOKEN_TTL_SECONDS is too short',
      { TOKEN_TTL_SECONDS: '5' },
      'TOKEN_TTL_SECONDS',
      /at least 60/,
    ],
    [
      'TOKEN_TTL_SECONDS is too long',
      { TOKEN_TTL_SECONDS: '3601' },
      'TOKEN_TTL_SECONDS',
      /at most 3600/,
    ],
    [
      'TOKEN_TTL_SECONDS is fractional',
      { TOKEN_TTL_SECONDS: '60.5' },
      'TOKEN_TTL_SECONDS',
      /whole number/,
    ],
    [
      'LIVEKIT_API_SECRET is short',
      { LIVEKIT_API_SECRET: 'short' },
      'LIVEKIT_API_SECRET',
      /at least 32 characters/,
    ],
    [
      'production uses the development key',
      { NODE_ENV: 'production', LIVEKIT_API_SECRET: GOOD_SECRET },
      'LIVEKIT_API_KEY',
      /development key/,
    ],
  ];
  for (const [scenario, env, variable, expected] of bad) {
    it(`${scenario}: the error names ${variable}`, () => {
      const err = configError(env);
      assert.deepEqual(
        err.issues.map((i) => i.variable),
        [variable],
      );
      assert.match(err.message, new RegExp(`${variable}: `));
      assert.match(err.issues[0]?.message ?? '', expected);
    });
  }

  it('the error for a short secret does not contain the secret', () => {
    const err = configError({ LIVEKIT_API_SECRET: 'hunter2-short' });
    assert.ok(!err.message.includes('hunter2-short'));
  });
});
