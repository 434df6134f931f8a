/** Opening a provider WebSocket with a deadline, abort and refused upgrades as ProviderErrors. */
import WebSocket from 'ws';
import { abortReason } from './base.js';
import {
  errorBodyMessage,
  retryAfterFromHeaders,
  statusError,
  timeoutError,
  toProviderError,
} from './errors.js';
import type { ProviderLabel } from './errors.js';

export interface OpenWebSocketOptions {
  label: ProviderLabel;
  headers: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Resolves with the socket once open. Rejects with a ProviderError (refused upgrade with its
 * HTTP status and `retry-after`, connection failure, timeout) or the abort reason.
 */
export function openWebSocket(url: string, opts: OpenWebSocketOptions): Promise<WebSocket> {
  const { label, signal } = opts;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url, { headers: opts.headers, perMessageDeflate: false });
    let settled = false;
    const settle = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      if (err === undefined) return resolve(ws);
      ws.terminate();
      reject(err);
    };
    const onOpen = () => settle(undefined);
    const onAbort = () => settle(abortReason(signal));
    const timer = setTimeout(
      () => settle(timeoutError(label, 'websocket open', opts.timeoutMs)),
      opts.timeoutMs,
    );
    signal.addEventListener('abort', onAbort, { once: true });
    ws.once('open', onOpen);
    // Stays attached: after a failed open, terminate() still emits an error.
    ws.on('error', (err) => settle(toProviderError(err, label)));
    ws.on('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined);
      const header = (name: string) => {
        const value = res.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const fail = () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 500);
        settle(statusError(label, status, errorBodyMessage(body), retryAfterFromHeaders(header)));
        req.destroy();
      };
      res.on('end', fail);
      res.on('close', fail);
    });
  });
}

/** Closes politely, then for sure: at most 1 s for the server's close frame. */
export async function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 1_000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}
