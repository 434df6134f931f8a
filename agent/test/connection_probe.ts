import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A TCP pass-through to the fixture, so a test can count the connections the client opens and
 * see whether the ones that carried requests are still open (a released stream closes its
 * socket; a leaked one keeps it).
 */
export async function startConnectionProbe(target: string) {
  const url = new URL(target);
  const open = new Set<Socket>();
  const used = new Set<Socket>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted++;
    open.add(client);
    client.once('data', () => used.add(client));
    const upstream = connect(Number(url.port), '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      open.delete(client);
      used.delete(client);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${url.pathname}`,
    /** Open connections that have carried a request. */
    inUse: () => used.size,
    /** Connections opened so far. */
    accepted: () => accepted,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
