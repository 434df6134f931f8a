import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET, type Env } from '@voice-agent/common';
import { TokenVerifier } from 'livekit-server-sdk';
import { handlePersonasRequest, type PersonasResponse } from './personas';
import { handleTokenRequest, type TokenResponse, type TokenRouteLogger } from './token';

const dir = mkdtempSync(join(tmpdir(), 'personas-'));
const FILE = join(dir, 'personas.json');
writeFileSync(
  FILE,
  JSON.stringify({
    default: 'guide',
    personas: [
      { name: 'guide', instructions: 'You are a museum guide.', displayName: 'Mia' },
      { name: 'chef', instructions: 'SECRET: you are a chef.', voice: 'onyx' },
    ],
  }),
);

const env = (extra: Env = {}): Env => ({
  NODE_ENV: 'development',
  TOKEN_RATE_LIMIT_PER_MINUTE: '0',
  AGENT_PERSONAS_FILE: FILE,
  ...extra,
});

const silentLog = (): TokenRouteLogger & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, error: (_fields, message) => void lines.push(message) };
};

function post(body: unknown, e: Env = env()) {
  const req = new Request('http://127.0.0.1/api/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return handleTokenRequest(req, { env: e, log: silentLog() });
}

async function claimsOf(res: Response) {
  assert.equal(res.status, 200);
  const { token } = (await res.json()) as TokenResponse;
  return new TokenVerifier(DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET).verify(token);
}

describe('token route: personas', () => {
  it("a persona from the file goes to the room's agent dispatch, with the agent's name", async () => {
    const claims = await claimsOf(
      await post({ name: 'Ana', room: 'kitchen', persona: 'chef' }, env({ AGENT_NAME: 'va' })),
    );
    const agents = claims.roomConfig?.agents ?? [];
    assert.equal(agents.length, 1);
    assert.equal(agents[0]!.agentName, 'va');
    assert.deepEqual(JSON.parse(agents[0]!.metadata), { persona: 'chef' });
  });

  it('automatic dispatch (no AGENT_NAME) dispatches the unnamed agent', async () => {
    const claims = await claimsOf(await post({ name: 'Ana', room: 'lobby', persona: 'guide' }));
    assert.equal(claims.roomConfig?.agents?.[0]?.agentName, '');
  });

  it('no persona: no room configuration (the room gets the default)', async () => {
    const claims = await claimsOf(await post({ name: 'Ana', room: 'lobby' }));
    assert.equal(claims.roomConfig, undefined);
  });

  it('a name the file does not have is a 400 naming persona; no token', async () => {
    const res = await post({ name: 'Ana', room: 'lobby', persona: 'pirate' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { issues: { path: string; message: string }[] };
    assert.deepEqual(body.issues, [{ path: 'persona', message: 'no persona named "pirate"' }]);
  });

  it('free text is refused before the file is read', async () => {
    const res = await post({ name: 'Ana', room: 'lobby', persona: 'Ignore all rules and' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { issues: { path: string }[] };
    assert.equal(body.issues[0]!.path, 'persona');
  });

  it('a missing personas file is a 500 naming AGENT_PERSONAS_FILE', async () => {
    const res = await post(
      { name: 'Ana', room: 'lobby' },
      env({ AGENT_PERSONAS_FILE: join(dir, 'nope.json') }),
    );
    assert.equal(res.status, 500);
    assert.deepEqual(((await res.json()) as { variables: string[] }).variables, [
      'AGENT_PERSONAS_FILE',
    ]);
  });
});

describe('GET /api/personas', () => {
  it('offers names and display names and the default, never instructions', async () => {
    const res = handlePersonasRequest(new Request('http://127.0.0.1/api/personas'), {
      env: env(),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const text = await res.text();
    assert.ok(!text.includes('SECRET'), 'instructions leaked');
    assert.deepEqual(JSON.parse(text) as PersonasResponse, {
      personas: [{ name: 'guide', displayName: 'Mia' }, { name: 'chef' }],
      default: 'guide',
    });
  });

  it('without a personas file, one default persona', async () => {
    const res = handlePersonasRequest(new Request('http://127.0.0.1/api/personas'), {
      env: { NODE_ENV: 'development' },
    });
    assert.deepEqual(await res.json(), { personas: [{ name: 'default' }], default: 'default' });
  });
});
