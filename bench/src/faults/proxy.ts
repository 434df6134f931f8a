/**
 * A TCP proxy in front of one provider's fixture, so that provider alone can go down and come
 * back while the agent runs: `status` answers every new connection (HTTP requests and WebSocket
 * upgrades alike) with an HTTP error and closes it; `refuse` closes the listener (connections are
 * refused) and re-listens on the same port on recovery. Entering a fault also cuts the open
 * connections, as a provider that goes down does (keep-alive sockets, live WebSockets).
 */
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';

export type ProxyMode =
  { kind: 'pass' } | { kind: 'status'; status: number; retryAfterS?: number } | { kind: 'refuse' };

export class FaultProxy {
  readonly port: number;
  readonly #target: number;
  readonly #sockets = new Set<Socket>();
  #server: Server;
  #mode: ProxyMode = { kind: 'pass' };

  private constructor(server: Server, port: number, target: number) {
    this.#server = server;
    this.port = port;
    this.#target = target;
  }

  /** A proxy on 127.0.0.1 (any free port) to 127.0.0.1:`target`. */
  static async start(target: number): Promise<FaultProxy> {
    const holder: { proxy?: FaultProxy } = {};
    const server = createServer((client) => {
      if (holder.proxy) holder.proxy.#accept(client);
      else client.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.proxy = new FaultProxy(server, (server.address() as AddressInfo).port, target);
    return holder.proxy;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  async set(mode: ProxyMode): Promise<void> {
    const was = this.#mode;
    this.#mode = mode;
    if (mode.kind !== 'pass') for (const s of this.#sockets) s.destroy();
    if (mode.kind === 'refuse' && was.kind !== 'refuse') {
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }
    if (mode.kind !== 'refuse' && was.kind === 'refuse') {
      const server = createServer((client) => this.#accept(client));
      await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
      this.#server = server;
    }
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    if (this.#mode.kind !== 'refuse') {
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }
  }

  #accept(client: Socket): void {
    this.#track(client);
    const mode = this.#mode;
    if (mode.kind === 'status') {
      // Answer once the request has arrived, as a server that is up but failing does.
      client.once('data', () => client.end(statusResponse(mode.status, mode.retryAfterS)));
      return;
    }
    const upstream = connect(this.#target, '127.0.0.1');
    this.#track(upstream);
    client.pipe(upstream).pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }
}

function statusResponse(status: number, retryAfterS: number | undefined): string {
  const body = JSON.stringify({
    type: 'error',
    error: {
      type: status === 429 ? 'rate_limit_error' : 'api_error',
      message: `HTTP ${status} (fault)`,
    },
  });
  return [
    `HTTP/1.1 ${status} ${status === 429 ? 'Too Many Requests' : 'Internal Server Error'}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(body)}`,
    ...(retryAfterS === undefined ? [] : [`retry-after: ${retryAfterS}`]),
    'connection: close',
    '',
    body,
  ].join('\r\n');
}
