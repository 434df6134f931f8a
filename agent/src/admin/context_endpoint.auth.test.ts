import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';
import { ChatContext } from '../conversation/memory/context.js';
import { createLogger } from '../log.js';
import { contextEndpoint } from './context_endpoint.js';
import { RoomContexts, rpcContextUpdate, UpdateRefused } from './context_update.js';

const KEYS = { apiKey: 'devkey', apiSecret: 'voice-agent-dev-secret-for-local-use-only-0123' };

async function token(
  grant: VideoGrant,
  opts: { identity?: string; ttl?: number | string; secret?: string } = {},
): Promise<string> {
  const t = new AccessToken(KEYS.apiKey, opts.secret ?? KEYS.apiSecret, {
    identity: opts.identity ?? 'operator',
    ttl: opts.ttl ?? '5m',
  });
  t.addGrant(grant);
  return t.toJwt();
}

const ADMIN_LOBBY: VideoGrant = { roomAdmin: true, room: 'lobby' };

describe('POST /rooms/<room>/context', () => {
  let server: Server;
  let base: string;
  const context = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
  const contexts = new RoomContexts();
  contexts.add('lobby', context);
  const system = () => context.messages()[0]!.content;

  before(async () => {
    const handle = contextEndpoint({ contexts, ...KEYS, log: createLogger('silent') });
    server = createServer((req, res) => {
      if (!handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function post(room: string, body: unknown, bearer?: string) {
    const res = await fetch(`${base}/rooms/${room}/context`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: string } };
  }

  const refusals: [
    string,
    () => Promise<{ status: number; body: { error?: string } }>,
    number,
    RegExp,
  ][] = [
    ['no token', () => post('lobby', { facts: ['x'] }), 401, /expected a bearer token/],
    [
      'an expired token',
      async () => post('lobby', { facts: ['x'] }, await token(ADMIN_LOBBY, { ttl: -60 })),
      401,
      /expired/,
    ],
    [
      'a token signed with another secret',
      async () =>
        post('lobby', { facts: ['x'] }, await token(ADMIN_LOBBY, { secret: 'x'.repeat(40) })),
      401,
      /not one of this deployment/,
    ],
    ['a token that is not a JWT', () => post('lobby', { facts: ['x'] }, 'abc.def'), 401, /not one/],
    [
      'a token without room admin',
      async () => post('lobby', { facts: ['x'] }, await token({ roomJoin: true, room: 'lobby' })),
      403,
      /no room-admin grant/,
    ],
    [
      'room admin of another room',
      async () =>
        post('lobby', { facts: ['x'] }, await token({ roomAdmin: true, room: 'kitchen' })),
      403,
      /another room/,
    ],
    [
      'a room this agent is not in',
      async () =>
        post('kitchen', { facts: ['x'] }, await token({ roomAdmin: true, room: 'kitchen' })),
      404,
      /not in room "kitchen"/,
    ],
    [
      'a body that is not JSON',
      async () => post('lobby', '{"facts":', await token(ADMIN_LOBBY)),
      400,
      /not valid JSON/,
    ],
    [
      'an empty update',
      async () => post('lobby', {}, await token(ADMIN_LOBBY)),
      400,
      /expected instructions, facts, or both/,
    ],
    [
      'an unknown field',
      async () => post('lobby', { facts: ['x'], persona: 'chef' }, await token(ADMIN_LOBBY)),
      400,
      /persona/,
    ],
  ];
  for (const [what, send, status, reason] of refusals) {
    it(`refuses ${what} with ${status}, and changes nothing`, async () => {
      const before = system();
      const res = await send();
      assert.equal(res.status, status);
      assert.match(res.body.error ?? '', reason);
      assert.equal(system(), before);
    });
  }

  it('applies instructions and facts from the next request on', async () => {
    const res = await post(
      'lobby',
      { instructions: 'Answer in French.', facts: ['The cafe closes at 5 pm.'] },
      await token(ADMIN_LOBBY),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { room: 'lobby', applied: { instructions: true, facts: 1 } });
    assert.equal(system(), 'Answer in French.\n\nFacts:\n- The cafe closes at 5 pm.');
  });
});

describe('the context-update RPC', () => {
  it("takes the caller's own room-admin token, and refuses another's", async () => {
    const context = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    const ana = await token(ADMIN_LOBBY, { identity: 'ana' });
    const payload = JSON.stringify({ token: ana, facts: ['Ana is the host.'] });
    await assert.rejects(
      rpcContextUpdate(payload, 'ben', 'lobby', context, KEYS),
      (err: unknown) => err instanceof UpdateRefused && err.status === 403,
    );
    assert.equal(context.messages()[0]!.content, 'Be brief.');
    const { answer } = await rpcContextUpdate(payload, 'ana', 'lobby', context, KEYS);
    assert.deepEqual(JSON.parse(answer), { applied: { instructions: false, facts: 1 } });
    assert.match(context.messages()[0]!.content, /- Ana is the host\.$/);
  });

  it('refuses a payload without a token (401) or not JSON (400)', async () => {
    const context = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
    for (const [payload, status] of [
      ['{"facts":["x"]}', 401],
      ['facts', 400],
    ] as const) {
      await assert.rejects(
        rpcContextUpdate(payload, 'ana', 'lobby', context, KEYS),
        (err: unknown) => err instanceof UpdateRefused && err.status === status,
      );
    }
  });
});
