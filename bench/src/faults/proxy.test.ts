import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FaultProxy } from './proxy.js';

describe('FaultProxy: one provider down and back, in front of its server', () => {
  const server = createServer((_req, res) => res.end('up'));
  let proxy: FaultProxy;
  const get = (path = '/') =>
    fetch(`http://127.0.0.1:${proxy.port}${path}`, { headers: { connection: 'close' } });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = await FaultProxy.start((server.address() as AddressInfo).port);
  });
  after(async () => {
    await proxy.close();
    server.close();
  });

  it('passes requests through', async () => {
    assert.equal(await (await get()).text(), 'up');
  });

  it('status: every request answered with it (429 with retry-after), as JSON', async () => {
    await proxy.set({ kind: 'status', status: 429, retryAfterS: 1 });
    const res = await get();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(((await res.json()) as { type: string }).type, 'error');
    await proxy.set({ kind: 'pass' });
    assert.equal(await (await get()).text(), 'up');
  });

  it('refuse: connections refused; then the same port serves again', async () => {
    await proxy.set({ kind: 'refuse' });
    await assert.rejects(get(), (err: Error) => /fetch failed/.test(err.message));
    await proxy.set({ kind: 'pass' });
    assert.equal(await (await get()).text(), 'up');
  });
});
