import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ConfigError,
  DEV_LIVEKIT_API_KEY,
  DEV_LIVEKIT_API_SECRET,
  DEV_LIVEKIT_URL,
  findDotenv,
  livekitSchema,
  parseConfig,
  readEnv,
  refuseDevKeysInProduction,
} from './config.js';
import type { Env } from './config.js';

const schema = refuseDevKeysInProduction(livekitSchema);
const GOOD_KEY = 'prod_key-1';
const GOOD_SECRET = 'p'.repeat(40);

function configError(env: Env): ConfigError {
  try {
    parseConfig(schema, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

/** The error names `variable` both in its issues and in the message a person reads. */
function assertNames(err: ConfigError, variable: string): void {
  assert.ok(
    err.issues.some((i) => i.variable === variable),
    `issues should name ${variable}: ${JSON.stringify(err.issues)}`,
  );
  assert.match(err.message, new RegExp(`^  ${variable}: \\S`, 'm'));
}

describe('LiveKit config: bad values name their variable', () => {
  const cases: [string, string][] = [
    ['LIVEKIT_URL', 'not a url'],
    ['LIVEKIT_URL', 'ftp://x'],
    ['LIVEKIT_API_KEY', 'dev key'],
    ['LIVEKIT_API_SECRET', 's'.repeat(31)],
    ['NODE_ENV', 'prod'],
  ];
  for (const [variable, value] of cases) {
    it(`${variable}=${JSON.stringify(value)}`, () => {
      const err = configError({ [variable]: value });
      assert.equal(err.name, 'ConfigError');
      assertNames(err, variable);
      assert.deepEqual(
        err.issues.map((i) => i.variable),
        err.issues.map(() => variable),
        'only the bad variable is reported',
      );
    });
  }

  it('a secret of exactly 32 characters is accepted', () => {
    assert.equal(
      parseConfig(schema, { LIVEKIT_API_SECRET: 's'.repeat(32) }).LIVEKIT_API_SECRET,
      's'.repeat(32),
    );
  });
});

describe('LiveKit config: defaults and production', () => {
  it('an empty environment gives the development values', () => {
    assert.deepEqual(parseConfig(schema, {}), {
      NODE_ENV: 'development',
      LIVEKIT_URL: DEV_LIVEKIT_URL,
      LIVEKIT_API_KEY: DEV_LIVEKIT_API_KEY,
      LIVEKIT_API_SECRET: DEV_LIVEKIT_API_SECRET,
      LIVEKIT_ALLOW_DEV_KEYS: false,
    });
  });

  it('NODE_ENV=test also accepts the development credentials', () => {
    assert.equal(parseConfig(schema, { NODE_ENV: 'test' }).LIVEKIT_API_KEY, DEV_LIVEKIT_API_KEY);
  });

  it('NODE_ENV=production refuses the development key, naming it', () => {
    const err = configError({ NODE_ENV: 'production', LIVEKIT_API_SECRET: GOOD_SECRET });
    assertNames(err, 'LIVEKIT_API_KEY');
    assert.deepEqual(
      err.issues.map((i) => i.variable),
      ['LIVEKIT_API_KEY'],
    );
  });

  it('NODE_ENV=production refuses the development secret, naming it', () => {
    const err = configError({ NODE_ENV: 'production', LIVEKIT_API_KEY: GOOD_KEY });
    assertNames(err, 'LIVEKIT_API_SECRET');
    assert.deepEqual(
      err.issues.map((i) => i.variable),
      ['LIVEKIT_API_SECRET'],
    );
  });

  it('NODE_ENV=production with neither set refuses both defaults, naming each', () => {
    const err = configError({ NODE_ENV: 'production' });
    assertNames(err, 'LIVEKIT_API_KEY');
    assertNames(err, 'LIVEKIT_API_SECRET');
  });

  it('NODE_ENV=production with explicitly set dev credentials is refused too', () => {
    const err = configError({
      NODE_ENV: 'production',
      LIVEKIT_API_KEY: DEV_LIVEKIT_API_KEY,
      LIVEKIT_API_SECRET: DEV_LIVEKIT_API_SECRET,
    });
    assert.deepEqual(err.issues.map((i) => i.variable).sort(), [
      'LIVEKIT_API_KEY',
      'LIVEKIT_API_SECRET',
    ]);
  });

  it('LIVEKIT_ALLOW_DEV_KEYS=true lets the development pair through in production', () => {
    const cfg = parseConfig(schema, { NODE_ENV: 'production', LIVEKIT_ALLOW_DEV_KEYS: 'true' });
    assert.equal(cfg.LIVEKIT_API_KEY, DEV_LIVEKIT_API_KEY);
    assert.equal(cfg.LIVEKIT_ALLOW_DEV_KEYS, true);
  });

  it('LIVEKIT_ALLOW_DEV_KEYS=false still refuses, and a malformed value is named', () => {
    assertNames(
      configError({ NODE_ENV: 'production', LIVEKIT_ALLOW_DEV_KEYS: 'false' }),
      'LIVEKIT_API_KEY',
    );
    assertNames(configError({ LIVEKIT_ALLOW_DEV_KEYS: 'sure' }), 'LIVEKIT_ALLOW_DEV_KEYS');
  });

  it('NODE_ENV=production with own credentials is accepted', () => {
    const cfg = parseConfig(schema, {
      NODE_ENV: 'production',
      LIVEKIT_URL: 'wss://lk.example.com',
      LIVEKIT_API_KEY: GOOD_KEY,
      LIVEKIT_API_SECRET: GOOD_SECRET,
    });
    assert.equal(cfg.NODE_ENV, 'production');
    assert.equal(cfg.LIVEKIT_API_KEY, GOOD_KEY);
    assert.equal(cfg.LIVEKIT_API_SECRET, GOOD_SECRET);
  });
});

describe('LiveKit config: URL normalisation', () => {
  const cases: [string, string][] = [
    ['http://127.0.0.1:7880', 'ws://127.0.0.1:7880'],
    ['https://lk.example.com', 'wss://lk.example.com'],
    ['https://lk.example.com/', 'wss://lk.example.com'],
    ['  wss://lk.example.com//  ', 'wss://lk.example.com'],
    ['ws://livekit:7880', 'ws://livekit:7880'],
  ];
  for (const [given, expected] of cases) {
    it(`${JSON.stringify(given)} -> ${expected}`, () => {
      assert.equal(parseConfig(schema, { LIVEKIT_URL: given }).LIVEKIT_URL, expected);
    });
  }
});

describe('readEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'voice-agent-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function dotenv(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('reads variables from the .env file', () => {
    const path = dotenv(
      'a.env',
      'LIVEKIT_URL=wss://from-file.example.com\nLIVEKIT_API_KEY=filekey\n',
    );
    const env = readEnv({}, path);
    assert.equal(env.LIVEKIT_URL, 'wss://from-file.example.com');
    assert.equal(env.LIVEKIT_API_KEY, 'filekey');
  });

  it('the process environment wins over the file', () => {
    const path = dotenv('b.env', 'LIVEKIT_API_KEY=filekey\nLIVEKIT_URL=ws://file:7880\n');
    const env = readEnv({ LIVEKIT_API_KEY: 'envkey' }, path);
    assert.equal(env.LIVEKIT_API_KEY, 'envkey');
    assert.equal(env.LIVEKIT_URL, 'ws://file:7880');
  });

  it('an empty or unset process variable does not override the file', () => {
    const path = dotenv('c.env', 'LIVEKIT_API_KEY=filekey\nLIVEKIT_URL=ws://file:7880\n');
    const env = readEnv({ LIVEKIT_API_KEY: '', LIVEKIT_URL: undefined }, path);
    assert.equal(env.LIVEKIT_API_KEY, 'filekey');
    assert.equal(env.LIVEKIT_URL, 'ws://file:7880');
  });

  it('an empty value in the file counts as unset, so the default applies', () => {
    const path = dotenv('f.env', 'LIVEKIT_URL=\nLIVEKIT_API_KEY=filekey\n');
    const env = readEnv({}, path);
    assert.deepEqual(env, { LIVEKIT_API_KEY: 'filekey' });
    assert.equal(parseConfig(livekitSchema, env).LIVEKIT_URL, DEV_LIVEKIT_URL);
  });

  it('findDotenv finds the nearest .env in the folder or its parents', () => {
    const top = mkdtempSync(join(tmpdir(), 'dotenv-walk-'));
    try {
      mkdirSync(join(top, 'agent', 'src'), { recursive: true });
      writeFileSync(join(top, '.env'), 'A=1\n');
      assert.equal(findDotenv(join(top, 'agent', 'src')), join(top, '.env'));
      writeFileSync(join(top, 'agent', '.env'), 'A=2\n');
      assert.equal(findDotenv(join(top, 'agent', 'src')), join(top, 'agent', '.env'));
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('a missing file means the process environment alone', () => {
    const env = readEnv({ LIVEKIT_API_KEY: 'envkey' }, join(dir, 'does-not-exist.env'));
    assert.deepEqual(env, { LIVEKIT_API_KEY: 'envkey' });
  });

  it('does not mutate the environment it is given', () => {
    const path = dotenv('d.env', 'FROM_FILE=1\n');
    const given: Env = { LIVEKIT_API_KEY: 'envkey' };
    readEnv(given, path);
    assert.deepEqual(given, { LIVEKIT_API_KEY: 'envkey' });
  });

  it('feeds parseConfig: a bad value from the file is reported by name', () => {
    const path = dotenv('e.env', 'LIVEKIT_API_SECRET=short\n');
    assertNames(configError(readEnv({}, path)), 'LIVEKIT_API_SECRET');
  });
});
