import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET, type Env } from '@voice-agent/common';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import {
  clientAddress,
  handleTokenRequest,
  tokenLimiter,
  type TokenResponse,
  type TokenRouteLogger,
} from './token';

/** A development environment that ignores the process environment and any `.env` file. */
const DEV_ENV: Env = {
  NODE_ENV: 'development',
  TOKEN_TTL_SECONDS: '600',
  // The limit has tests of its own (their own limiters), below.
  TOKEN_RATE_LIMIT_PER_MINUTE: '0',
};

function post(body: string, headers: Record<string, string> = {}): Request {
  return new Request('http://127.0.0.1/api/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

function silentLog(): TokenRouteLogger & { lines: { fields: unknown; message: string }[] } {
  const lines: { fields: unknown; message: string }[] = [];
  return { lines, error: (fields, message) => void lines.push({ fields, message }) };
}

async function expectBadRequest(req: Request): Promise<{ error: string; issues?: unknown[] }> {
  const res = await handleTokenRequest(req, { env: DEV_ENV, log: silentLog() });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as { error: string; issues?: unknown[] };
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  return body;
}

async function issuedToken(env: Env = DEV_ENV): Promise<TokenResponse> {
  const res = await handleTokenRequest(post(JSON.stringify({ name: '  Ana  ', room: 'lobby' })), {
    env,
    log: silentLog(),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return (await res.json()) as TokenResponse;
}

describe('token route: refused requests', () => {
  it('malformed JSON is a 400 naming JSON', async () => {
    const body = await expectBadRequest(post('{"name": "Ana", "room":'));
    assert.equal(body.error, 'request body is not valid JSON');
  });

  it('a missing name is a 400 with an issue at "name"', async () => {
    const body = await expectBadRequest(post(JSON.stringify({ room: 'lobby' })));
    assert.equal(body.error, 'invalid request body');
    assert.deepEqual(
      (body.issues as { path: string }[]).map((i) => i.path),
      ['name'],
    );
  });

  it('an empty name (blank after trimming) is a 400', async () => {
    const body = await expectBadRequest(post(JSON.stringify({ name: '   ', room: 'lobby' })));
    assert.deepEqual(body.issues, [{ path: 'name', message: 'name must not be empty' }]);
  });

  it('a 65-character name is a 400, a 64-character one is accepted', async () => {
    const body = await expectBadRequest(post(JSON.stringify({ name: 'a'.repeat(65), room: 'r' })));
    assert.deepEqual(body.issues, [
      { path: 'name', message: 'name must be at most 64 characters' },
    ]);
    const ok = await handleTokenRequest(post(JSON.stringify({ name: 'a'.repeat(64), room: 'r' })), {
      env: DEV_ENV,
    });
    assert.equal(ok.status, 200);
  });

  for (const [label, name] of [
    ['a bell (\\u0007)', 'Ana\u0007'],
    ['a newline', 'Ana\nBen'],
    ['a trailing newline', 'Ana\n'],
    ['a C1 control (\\u0085)', 'Ana\u0085'],
  ] as const) {
    it(`a name with ${label} is a 400`, async () => {
      const body = await expectBadRequest(post(JSON.stringify({ name, room: 'lobby' })));
      assert.deepEqual(body.issues, [
        { path: 'name', message: 'name must not contain control characters' },
      ]);
    });
  }

  for (const room of ['my room', 'a/b', '', 'x'.repeat(65), 'café']) {
    it(`room ${JSON.stringify(room)} is a 400`, async () => {
      const body = await expectBadRequest(post(JSON.stringify({ name: 'Ana', room })));
      assert.deepEqual(
        (body.issues as { path: string }[]).map((i) => i.path),
        ['room'],
      );
    });
  }

  it('an unknown field is a 400', async () => {
    const body = await expectBadRequest(
      post(JSON.stringify({ name: 'Ana', room: 'lobby', roomAdmin: true })),
    );
    assert.equal(body.error, 'invalid request body');
    assert.equal(body.issues?.length, 1);
  });

  it('a JSON array or string body is a 400', async () => {
    await expectBadRequest(post('[]'));
    await expectBadRequest(post('"Ana"'));
  });

  it('a form-encoded body is a 400 naming the content type', async () => {
    const body = await expectBadRequest(
      post('name=Ana&room=lobby', { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    assert.equal(body.error, 'expected Content-Type: application/json');
  });

  it('a body over 4 KiB is a 400, with or without a Content-Length', async () => {
    const big = JSON.stringify({ name: 'Ana', room: 'lobby', pad: 'x'.repeat(4100) });
    const declared = await expectBadRequest(post(big, { 'content-length': String(big.length) }));
    assert.equal(declared.error, 'request body must be at most 4096 bytes');
    const chunks = [
      new TextEncoder().encode(big.slice(0, 3000)),
      new TextEncoder().encode(big.slice(3000)),
    ];
    const streamed = new Request('http://127.0.0.1/api/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const body = await expectBadRequest(streamed);
    assert.equal(body.error, 'request body must be at most 4096 bytes');
  });

  it('GET is a 405 JSON answer with no-store', async () => {
    const res = await handleTokenRequest(new Request('http://127.0.0.1/api/token'), {
      env: DEV_ENV,
    });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { error: 'method not allowed; use POST' });
  });
});

describe('token route: issued tokens', () => {
  it('a valid request gets a token with exactly the participant grants and the TTL', async () => {
    const res = await issuedToken();
    assert.equal(res.serverUrl, 'ws://127.0.0.1:7880');
    assert.equal(res.room, 'lobby');
    assert.equal(res.name, 'Ana');
    assert.match(res.identity, /^user-[0-9a-z]{10}$/);

    const claims = await new TokenVerifier(DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET).verify(
      res.token,
    );
    assert.deepStrictEqual(claims.video, {
      roomJoin: true,
      room: 'lobby',
      canPublish: true,
      canPublishSources: ['microphone'],
      canSubscribe: true,
      canPublishData: true,
    });
    assert.equal(claims.sub, res.identity);
    assert.equal(claims.name, 'Ana');
    assert.equal(claims.iss, DEV_LIVEKIT_API_KEY);
    // livekit-server-sdk stamps nbf (not iat) with the signing time.
    const { exp, nbf } = claims as { exp?: number; nbf?: number };
    assert.equal(typeof exp, 'number');
    assert.equal(Number(exp) - Number(nbf), 600);
  });

  it('TOKEN_TTL_SECONDS sets the lifetime, LIVEKIT_PUBLIC_URL the server URL', async () => {
    const res = await issuedToken({
      ...DEV_ENV,
      TOKEN_TTL_SECONDS: '120',
      LIVEKIT_URL: 'ws://livekit:7880',
      LIVEKIT_PUBLIC_URL: 'https://rtc.example.com/',
    });
    assert.equal(res.serverUrl, 'wss://rtc.example.com');
    const claims = (await new TokenVerifier(DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET).verify(
      res.token,
    )) as { exp: number; nbf: number };
    assert.equal(claims.exp - claims.nbf, 120);
  });

  it('two joins with the same name get different identities', async () => {
    const [a, b] = await Promise.all([issuedToken(), issuedToken()]);
    assert.ok(a.identity.startsWith('user-'));
    assert.ok(b.identity.startsWith('user-'));
    assert.notEqual(a.identity, b.identity);
  });

  it('the token does not verify with another secret', async () => {
    const res = await issuedToken();
    await assert.rejects(new TokenVerifier(DEV_LIVEKIT_API_KEY, 'x'.repeat(40)).verify(res.token));
  });
});

describe('token route: rejoining as the same person', () => {
  async function join(body: Record<string, unknown>, env: Env = DEV_ENV) {
    const res = await handleTokenRequest(post(JSON.stringify(body)), { env, log: silentLog() });
    assert.equal(res.status, 200);
    return (await res.json()) as TokenResponse;
  }
  const first = () => join({ name: 'Ana', room: 'lobby' });

  it("a join's rejoin ticket gets the same identity next time, in any room, with a new ticket", async () => {
    const a = await first();
    assert.equal(a.rejoined, false);
    assert.ok(a.rejoin, 'a ticket comes with the token');
    const b = await join({ name: 'Ana', room: 'kitchen', rejoin: a.rejoin });
    assert.equal(b.rejoined, true);
    assert.equal(b.identity, a.identity);
    const claims = await new TokenVerifier(DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET).verify(
      b.token,
    );
    assert.equal(claims.sub, a.identity, 'the join token is for that identity');
    assert.equal(claims.video?.room, 'kitchen');
    assert.ok(b.rejoin);
  });

  it('the ticket is no join token: it carries no grant', async () => {
    const a = await first();
    const claims = await new TokenVerifier(DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET).verify(
      a.rejoin!,
    );
    assert.equal(claims.video, undefined);
    assert.equal(claims.sub, a.identity);
  });

  it('a tampered, foreign, expired or wrong-kind ticket gets a new identity, not an error', async () => {
    const a = await first();
    const [header, payload, signature] = a.rejoin!.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { sub: string };
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'user-aaaaaaaaaa' })).toString(
      'base64url',
    );
    const other = new AccessToken(DEV_LIVEKIT_API_KEY, 'another-secret-of-32-characters-x', {
      identity: a.identity,
      metadata: 'voice-agent:rejoin',
    });
    const expired = new AccessToken(DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET, {
      identity: a.identity,
      metadata: 'voice-agent:rejoin',
      ttl: -10,
    });
    const chosen = new AccessToken(DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_API_SECRET, {
      identity: 'agent-AJ_x',
      metadata: 'voice-agent:rejoin',
    });
    const tickets = {
      forged: `${header}.${forged}.${signature}`,
      'signed with another secret': await other.toJwt(),
      expired: await expired.toJwt(),
      'a join token': a.token,
      'an identity the route never issues': await chosen.toJwt(),
      garbage: 'not a ticket \u0000',
    };
    for (const [kind, rejoin] of Object.entries(tickets)) {
      const b = await join({ name: 'Ana', room: 'lobby', rejoin });
      assert.equal(b.rejoined, false, kind);
      assert.notEqual(b.identity, a.identity, kind);
      assert.match(b.identity, /^user-[0-9a-z]{10}$/, kind);
    }
  });

  it('a ticket over 2048 characters is a 400', async () => {
    const body = await expectBadRequest(
      post(JSON.stringify({ name: 'Ana', room: 'lobby', rejoin: 'x'.repeat(2049) })),
    );
    assert.deepEqual(
      (body.issues as { path: string }[]).map((i) => i.path),
      ['rejoin'],
    );
  });

  it('TOKEN_REJOIN_SECONDS=0: no ticket, and one sent is ignored', async () => {
    const a = await first();
    const off = { ...DEV_ENV, TOKEN_REJOIN_SECONDS: '0' };
    const b = await join({ name: 'Ana', room: 'lobby', rejoin: a.rejoin }, off);
    assert.equal(b.rejoin, undefined);
    assert.equal(b.rejoined, false);
    assert.notEqual(b.identity, a.identity);
  });
});

describe('token route: misconfigured server', () => {
  it('production with the development keys is a 500 naming LIVEKIT_API_KEY, without the secret', async () => {
    const log = silentLog();
    const res = await handleTokenRequest(post(JSON.stringify({ name: 'Ana', room: 'lobby' })), {
      env: { NODE_ENV: 'production' },
      log,
    });
    assert.equal(res.status, 500);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), {
      error: 'server misconfigured',
      variables: ['LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'],
    });
    assert.equal(log.lines.length, 1);
    const logged = JSON.stringify(log.lines[0]);
    assert.match(logged, /LIVEKIT_API_KEY: the development key is for local use only/);
    assert.ok(!logged.includes(DEV_LIVEKIT_API_SECRET));
    assert.ok(!text.includes(DEV_LIVEKIT_API_SECRET));
  });

  it('a bad TOKEN_TTL_SECONDS is a 500 naming it', async () => {
    const log = silentLog();
    const res = await handleTokenRequest(post(JSON.stringify({ name: 'Ana', room: 'lobby' })), {
      env: { ...DEV_ENV, TOKEN_TTL_SECONDS: '5' },
      log,
    });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {
      error: 'server misconfigured',
      variables: ['TOKEN_TTL_SECONDS'],
    });
  });
});

describe('token route: bad input in bulk, and the per-address limit', () => {
  const from = (address: string, body: string) => post(body, { 'x-forwarded-for': address });
  const MIXED = [
    JSON.stringify({ name: 'Ana', room: 'lobby' }),
    '{"name": "Ana", "room": ',
    JSON.stringify({ name: 'Ana' }),
    JSON.stringify({ name: 'x'.repeat(5_000), room: 'lobby' }),
    JSON.stringify({ name: 'Zoë 🎧 שלום', room: 'lobby' }),
    JSON.stringify({ name: 'Ana\u0000', room: 'lobby' }),
    JSON.stringify({ name: 'Ana', room: '../admin' }),
    JSON.stringify({ name: 'Ana', room: 'a/b' }),
    '\u0000\u0001 binary',
    'null',
  ];

  it('1,000 requests in a burst from one address: JSON 2xx or 4xx only; 20 pass the limit', async () => {
    const limiter = tokenLimiter(20);
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) =>
        handleTokenRequest(from('203.0.113.7', MIXED[i % MIXED.length]!), {
          env: DEV_ENV,
          log: silentLog(),
          limiter,
        }),
      ),
    );
    const byStatus = new Map<number, number>();
    for (const res of answers) {
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await res.json()) as { error?: string; token?: string };
      assert.ok(body.error || body.token, 'an error or a token');
    }
    assert.ok(
      [...byStatus.keys()].every((s) => s === 200 || (s >= 400 && s < 500)),
      JSON.stringify([...byStatus]),
    );
    assert.equal(byStatus.get(429), 980, JSON.stringify([...byStatus]));
    const limited = answers.find((r) => r.status === 429)!;
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // The 20 that passed: 2 valid bodies of the first 20 (the Unicode name is valid too), 16 refused.
    assert.equal(byStatus.get(200), 4);
  });

  it("another address is not limited by the first one's burst", async () => {
    const limiter = tokenLimiter(3);
    const ask = (address: string) =>
      handleTokenRequest(from(address, MIXED[0]!), { env: DEV_ENV, log: silentLog(), limiter });
    for (let i = 0; i < 3; i++) assert.equal((await ask('198.51.100.1')).status, 200);
    assert.equal((await ask('198.51.100.1')).status, 429);
    assert.equal((await ask('198.51.100.2')).status, 200);
  });

  it('the address is the last X-Forwarded-For entry (the nearest proxy adds it), else X-Real-IP', () => {
    const h = (headers: Record<string, string>) => clientAddress(new Headers(headers));
    assert.equal(h({ 'x-forwarded-for': 'spoofed, 192.0.2.10' }), '192.0.2.10');
    assert.equal(h({ 'x-real-ip': '192.0.2.11' }), '192.0.2.11');
    assert.equal(h({}), 'unknown');
  });
});
