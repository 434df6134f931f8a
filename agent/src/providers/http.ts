/**
 * A small HTTP client over node:http(s) with its own keep-alive agent, for providers that
 * stream raw response bodies: the connection a warm-up opens is the one the first request uses,
 * and close() really closes the sockets.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { errorBodyMessage, retryAfterFromHeaders, statusError, toProviderError } from './errors.js';
import type { ProviderLabel } from './errors.js';

/** Error bodies are read up to this size for their message. */
const MAX_ERROR_BODY_BYTES = 16 * 1024;

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Relative to the base URL's path, e.g. `/audio/speech`. */
  path: string;
  json?: unknown;
  signal: AbortSignal;
}

export class KeepAliveHttp {
  readonly #base: URL;
  readonly #apiKey: string;
  readonly #label: ProviderLabel;
  readonly #agent: HttpAgent;
  readonly #https: boolean;

  constructor(opts: { baseURL: string; apiKey: string; label: ProviderLabel }) {
    this.#base = new URL(opts.baseURL.replace(/\/+$/, ''));
    this.#apiKey = opts.apiKey;
    this.#label = opts.label;
    this.#https = this.#base.protocol === 'https:';
    const agentOptions = { keepAlive: true, keepAliveMsecs: 15_000, scheduling: 'lifo' as const };
    this.#agent = this.#https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  }

  /**
   * Sends the request and resolves with the response once its headers arrive (the body is the
   * caller's to read or drain). HTTP errors reject with a ProviderError carrying the status, the
   * server's message and `retry-after`; so do connection failures.
   */
  async request(req: HttpRequest): Promise<IncomingMessage> {
    const body = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
    // A bare host's href ends with "/": joined without it, `/search` is not `//search`.
    const url = new URL(this.#base.href.replace(/\/+$/, '') + req.path);
    const send = this.#https ? httpsRequest : httpRequest;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const out = send(url, {
        method: req.method,
        agent: this.#agent,
        signal: req.signal,
        headers: {
          authorization: `Bearer ${this.#apiKey}`,
          accept: '*/*',
          ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
        },
      });
      // Errors after the response arrived surface on the response stream; never unhandled.
      out.on('error', (err) => reject(toProviderError(err, this.#label)));
      out.on('response', resolve);
      out.on('socket', quietOnce);
      out.end(body);
    });
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    const text = await readText(res, MAX_ERROR_BODY_BYTES).catch(() => '');
    const header = (name: string) => {
      const value = res.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    throw statusError(this.#label, status, errorBodyMessage(text), retryAfterFromHeaders(header));
  }

  /** GET `path` and drain it: leaves a warm keep-alive connection in the agent's pool. */
  async warm(path: string, signal: AbortSignal): Promise<void> {
    const res = await this.request({ method: 'GET', path, signal });
    await readText(res, Number.POSITIVE_INFINITY);
  }

  /** Destroys every socket, idle or busy (requests in flight fail). */
  close(): void {
    this.#agent.destroy();
  }
}

/** Sockets that already have a listener for the errors nobody else hears. */
const quieted = new WeakSet<object>();

/**
 * An abort after the response began, while nobody reads its body (a consumer holding a chunk),
 * destroys the socket with an error no request or response listens for any more: an uncaught
 * exception. The reader still gets the failure through the response; this only keeps it from
 * crashing the process.
 */
function quietOnce(socket: { on(event: 'error', fn: () => void): unknown }): void {
  if (quieted.has(socket)) return;
  quieted.add(socket);
  socket.on('error', () => undefined);
}

async function readText(res: IncomingMessage, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size < maxBytes) parts.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(parts).toString('utf8').slice(0, maxBytes);
}
