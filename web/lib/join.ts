import type { ErrorBody, TokenResponse } from './token';

/** The token route refused the request or could not be reached; `message` is for the page. */
export class TokenRequestError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.name = 'TokenRequestError';
    this.status = status;
  }
}

/** Where the page keeps its rejoin ticket: a reload joins as the same person. */
const REJOIN_KEY = 'voice-agent:rejoin';

/** The rejoin ticket kept from the last join, if storage is available and holds one. */
export function keptRejoinTicket(): string | undefined {
  try {
    return window.localStorage.getItem(REJOIN_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: every join is a new person
  }
}

/** Keeps (or, with none, forgets) the ticket the token route answered. */
export function keepRejoinTicket(ticket: string | undefined): void {
  try {
    if (ticket) window.localStorage.setItem(REJOIN_KEY, ticket);
    else window.localStorage.removeItem(REJOIN_KEY);
  } catch {
    // storage disabled or full: the next join is a new person
  }
}

/**
 * Asks the token route for a join token (with the persona picked, if any); throws a
 * {@link TokenRequestError} with readable text.
 */
export async function fetchToken(
  name: string,
  room: string,
  persona?: string,
  signal?: AbortSignal,
  rejoin?: string,
): Promise<TokenResponse> {
  let res: Response;
  try {
    res = await fetch('/api/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, room, persona, rejoin }),
      cache: 'no-store',
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw new TokenRequestError(`token request failed: ${(err as Error).message}`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new TokenRequestError(`token route answered ${res.status} without JSON`, res.status);
  }
  if (!res.ok) {
    const { error, issues } = body as Partial<ErrorBody>;
    const details = (issues ?? []).map((i) => i.message).join('; ');
    const text = `${error ?? 'token request refused'}${details ? `: ${details}` : ''}`;
    throw new TokenRequestError(`${text} (HTTP ${res.status})`, res.status);
  }
  return body as TokenResponse;
}
