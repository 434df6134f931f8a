/**
 * Mapping failures of the transports providers use (the `openai` package, node:http, fetch,
 * `ws`) to ProviderError: HTTP status, whether a retry may help, and the server's `retry-after`.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ProviderKind } from './types.js';
import { ProviderError } from './types.js';

export interface ProviderLabel {
  provider: string;
  kind: ProviderKind;
}

/** Error codes of a connection that failed or broke: sending the request again may succeed. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** 408, 409, 425, 429 and 5xx (but 501/505, which will not change) may succeed when repeated. */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 409 || status === 425 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/**
 * A `retry-after` value in ms: delta-seconds (`"2"`, `"0.5"`) or an HTTP date. Undefined when
 * absent or unreadable; never negative.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date names its day and month ("Wed, 21 Oct 2015 07:28:00 GMT").
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Reads OpenAI's `retry-after-ms` (preferred) or the standard `retry-after`. */
export function retryAfterFromHeaders(
  get: (name: string) => string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const ms = get('retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.round(Number(ms));
  return parseRetryAfter(get('retry-after'), nowMs);
}

/** The message of an OpenAI-style error body `{ error: { message } }`, else the body's start. */
export function errorBodyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown }; err_msg?: unknown };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    // Deepgram's shape.
    if (typeof parsed.err_msg === 'string') return parsed.err_msg;
  } catch {
    // not JSON
  }
  return body.slice(0, 200) || 'no error body';
}

/** A failure answered with an HTTP status (or a refused WebSocket upgrade). */
export function statusError(
  label: ProviderLabel,
  status: number,
  message: string,
  retryAfterMs?: number,
  cause?: unknown,
): ProviderError {
  return new ProviderError({
    ...label,
    status,
    message: `HTTP ${status}: ${message}`,
    retryable: isRetryableStatus(status),
    retryAfterMs,
    cause,
  });
}

/** A deadline passed: no first chunk, a stall between chunks, no answer. Always retryable. */
export function timeoutError(label: ProviderLabel, what: string, ms: number): ProviderError {
  return new ProviderError({
    ...label,
    message: `timeout: ${what} after ${Math.round(ms)} ms`,
    retryable: true,
  });
}

/** True for AbortError-like errors (DOMException, Node's AbortError, the openai package's). */
export function isAbortError(err: unknown): boolean {
  return (
    err instanceof APIUserAbortError ||
    (err instanceof Error && (err.name === 'AbortError' || errorCode(err) === 'ABORT_ERR'))
  );
}

/** A broken or refused connection, looking through `cause` chains (fetch wraps them). */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = errorCode(e);
    if (code !== undefined && NETWORK_CODES.has(code)) return true;
    if (e instanceof TypeError && /^(fetch failed|terminated)$/.test(e.message)) return true;
    e = e.cause;
  }
  return false;
}

/** Any failure as a ProviderError (ProviderErrors pass through unchanged). */
export function toProviderError(err: unknown, label: ProviderLabel): ProviderError {
  if (err instanceof ProviderError) return err;
  if (isAbortError(err)) {
    return new ProviderError({
      ...label,
      message: 'request aborted',
      retryable: false,
      cause: err,
    });
  }
  if (err instanceof APIConnectionTimeoutError) {
    return new ProviderError({
      ...label,
      message: 'timeout: request',
      retryable: true,
      cause: err,
    });
  }
  if (err instanceof APIConnectionError) {
    return new ProviderError({
      ...label,
      message: `connection failed: ${err.message}`,
      retryable: true,
      cause: err,
    });
  }
  if (err instanceof APIError && err.status !== undefined) {
    const headers = err.headers;
    return statusError(
      label,
      err.status,
      err.message,
      headers ? retryAfterFromHeaders((name) => headers.get(name)) : undefined,
      err,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  if (isNetworkError(err)) {
    return new ProviderError({
      ...label,
      message: `connection failed: ${message}`,
      retryable: true,
      cause: err,
    });
  }
  return new ProviderError({ ...label, message, retryable: false, cause: err });
}

/**
 * A WebSocket that closed: 1000/1001 (server went away), 1006 (no close frame), 1011-1014
 * (server trouble) may succeed on a new connection; protocol and policy errors will not.
 */
export function closeError(label: ProviderLabel, code: number, reason: string): ProviderError {
  const retryable =
    code === 1000 || code === 1001 || code === 1006 || (code >= 1011 && code <= 1014);
  return new ProviderError({
    ...label,
    status: code,
    message: `socket closed (${code}${reason ? `: ${reason}` : ''})`,
    retryable,
  });
}

function errorCode(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
