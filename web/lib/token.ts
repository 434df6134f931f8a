import {
  ConfigError,
  PERSONA_NAME,
  personaMetadata,
  personasOf,
  readPersonasFile,
  type Env,
  type Personas,
} from '@voice-agent/common';
import {
  AccessToken,
  RoomAgentDispatch,
  RoomConfiguration,
  TokenVerifier,
  TrackSource,
  type VideoGrant,
} from 'livekit-server-sdk';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { z } from 'zod';
import { loadWebConfig, type WebConfig } from './config';
import { BodyTooLargeError, isJsonContentType, jsonResponse, readBodyText } from './http';

/** Largest request body the token route reads. */
export const MAX_BODY_BYTES = 4096;
export const MAX_NAME_LENGTH = 64;
/** Prefix of every identity the route issues; the random part is 10 base-36 characters. */
export const IDENTITY_PREFIX = 'user-';
/** An identity the route issued; only these may be rejoined. */
const ISSUED_IDENTITY = /^user-[0-9a-z]{10}$/;
/** Longest rejoin ticket the route reads (they are about 300 characters). */
export const MAX_REJOIN_LENGTH = 2048;
/** What marks a rejoin ticket (a JWT with no grant) apart from a join token. */
const REJOIN_METADATA = 'voice-agent:rejoin';

// C0 and C1 control characters, DEL included.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** The token request body. Unknown fields are refused. */
export const tokenRequestSchema = z.strictObject({
  name: z
    .string()
    .refine((v) => !CONTROL_CHARACTERS.test(v), 'name must not contain control characters')
    .trim()
    .min(1, 'name must not be empty')
    .max(MAX_NAME_LENGTH, `name must be at most ${MAX_NAME_LENGTH} characters`),
  room: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'room must be 1 to 64 letters, digits, "_" or "-"'),
  /** One of the personas the page offers (GET /api/personas); checked against the file. */
  persona: z.string().regex(PERSONA_NAME, 'persona must be a persona name').optional(),
  /**
   * The rejoin ticket of an earlier join (TokenResponse.rejoin): the same identity again if it
   * is genuine and still valid, else a new one (an expired ticket is no error).
   */
  rejoin: z
    .string()
    .max(MAX_REJOIN_LENGTH, `rejoin must be at most ${MAX_REJOIN_LENGTH} characters`)
    .optional(),
});
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

export interface TokenResponse {
  serverUrl: string;
  token: string;
  identity: string;
  room: string;
  name: string;
  /** Sent back with a later request to rejoin as `identity` (absent: rejoining is off). */
  rejoin?: string;
  /** Whether this join kept the identity of the ticket sent. */
  rejoined: boolean;
}

export interface ErrorBody {
  error: string;
  issues?: { path: string; message: string }[];
  variables?: string[];
}

/** Where the route reports problems that only the operator should see in full. */
export interface TokenRouteLogger {
  error(fields: Record<string, unknown>, message: string): void;
}

export const consoleLogger: TokenRouteLogger = {
  error(fields, message) {
    console.error(JSON.stringify({ level: 'error', time: Date.now(), ...fields, msg: message }));
  },
};

export interface TokenRouteOptions {
  /** Environment to read the configuration from; default: `process.env` over `.env`. */
  env?: Env;
  log?: TokenRouteLogger;
  /** Requests per address; default: one limiter per process, at TOKEN_RATE_LIMIT_PER_MINUTE. */
  limiter?: RateLimiterMemory | null;
}

/**
 * Where a request comes from: the last `X-Forwarded-For` entry (the one the nearest proxy, or
 * Next.js itself, added), else `X-Real-IP`. Behind a reverse proxy that appends the client's
 * address (nginx, Caddy, Traefik) this is the client; exposed directly, a client could name
 * another address, so put the app behind one in production.
 */
export function clientAddress(headers: Headers): string {
  const forwarded = headers
    .get('x-forwarded-for')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .at(-1);
  return forwarded ?? headers.get('x-real-ip')?.trim() ?? 'unknown';
}

/** The process's limiter, made at the first request from the configured rate (null: none). */
let processLimiter: RateLimiterMemory | null | undefined;
function defaultLimiter(env: Env | undefined): RateLimiterMemory | null {
  if (processLimiter !== undefined) return processLimiter;
  let perMinute = 30;
  try {
    perMinute = loadWebConfig(env).TOKEN_RATE_LIMIT_PER_MINUTE;
  } catch {
    // A misconfigured server answers 500 below; limit at the default meanwhile.
  }
  processLimiter = tokenLimiter(perMinute);
  return processLimiter;
}

/** `perMinute` requests per address per minute, all of them usable at once; 0: no limit. */
export function tokenLimiter(perMinute: number): RateLimiterMemory | null {
  return perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : null;
}

/** The grants of a browser participant: join one room, speak, listen, send data. Nothing else. */
export function participantGrant(room: string): VideoGrant {
  return {
    roomJoin: true,
    room,
    canPublish: true,
    canPublishSources: [TrackSource.MICROPHONE],
    canSubscribe: true,
    canPublishData: true,
  };
}

/** A fresh identity per join: `user-` and 10 random base-36 characters. */
export function newIdentity(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
  let out = IDENTITY_PREFIX;
  while (out.length < IDENTITY_PREFIX.length + 10) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      // 252 = 7 * 36: rejecting larger bytes keeps every character equally likely.
      if (byte < 252 && out.length < IDENTITY_PREFIX.length + 10) out += alphabet[byte % 36];
    }
  }
  return out;
}

/** A ticket that lets the page rejoin as `identity` for TOKEN_REJOIN_SECONDS. */
export async function rejoinTicket(identity: string, config: WebConfig): Promise<string> {
  const ticket = new AccessToken(config.LIVEKIT_API_KEY, config.LIVEKIT_API_SECRET, {
    identity,
    ttl: config.TOKEN_REJOIN_SECONDS,
    metadata: REJOIN_METADATA,
  });
  return ticket.toJwt();
}

/**
 * The identity a rejoin ticket names, if this deployment signed it, it has not expired, it is
 * a ticket (not a join token) and names an identity the route issues; else undefined.
 */
export async function rejoinIdentity(
  ticket: string,
  config: WebConfig,
): Promise<string | undefined> {
  try {
    const claims = await new TokenVerifier(
      config.LIVEKIT_API_KEY,
      config.LIVEKIT_API_SECRET,
    ).verify(ticket);
    const identity = claims.sub;
    if (claims.metadata !== REJOIN_METADATA || claims.video) return undefined;
    return identity && ISSUED_IDENTITY.test(identity) ? identity : undefined;
  } catch {
    return undefined;
  }
}

function badRequest(error: string, issues?: ErrorBody['issues']): Response {
  const body: ErrorBody = issues === undefined ? { error } : { error, issues };
  return jsonResponse(400, body);
}

/** The personas the deployment offers (a single default one without AGENT_PERSONAS_FILE). */
export function webPersonas(config: WebConfig): Personas {
  if (!config.AGENT_PERSONAS_FILE) return personasOf([{ name: 'default', instructions: '-' }]);
  return readPersonasFile(config.AGENT_PERSONAS_FILE);
}

/**
 * POST /api/token: validates `{ name, room, persona?, rejoin? }`, and answers a join token for
 * that room with a fresh identity, or the one a valid rejoin ticket names (and the persona,
 * checked against the file, for the room's agent), with a rejoin ticket for next time. Every
 * answer is JSON with `Cache-Control: no-store`.
 */
export async function handleTokenRequest(
  req: Request,
  options: TokenRouteOptions = {},
): Promise<Response> {
  const log = options.log ?? consoleLogger;
  if (req.method !== 'POST') {
    return jsonResponse(405, { error: 'method not allowed; use POST' }, { Allow: 'POST' });
  }
  const limiter = options.limiter === undefined ? defaultLimiter(options.env) : options.limiter;
  if (limiter) {
    try {
      await limiter.consume(clientAddress(req.headers));
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      const retryAfterS = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      return jsonResponse(
        429,
        { error: `too many token requests; try again in ${retryAfterS} s` } satisfies ErrorBody,
        { 'Retry-After': String(retryAfterS) },
      );
    }
  }
  if (!isJsonContentType(req.headers.get('content-type'))) {
    return badRequest('expected Content-Type: application/json');
  }

  let text: string;
  try {
    text = await readBodyText(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      return badRequest(`request body must be at most ${MAX_BODY_BYTES} bytes`);
    }
    return badRequest('request body is not valid UTF-8');
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return badRequest('request body is not valid JSON');
  }

  const parsed = tokenRequestSchema.safeParse(json);
  if (!parsed.success) {
    return badRequest(
      'invalid request body',
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }
  const { name, room, persona, rejoin } = parsed.data;

  let config;
  try {
    config = loadWebConfig(options.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // ConfigError messages name variables and the expected form, never their values.
    const variables = err.issues.map((i) => i.variable);
    log.error({ variables, err: err.message }, 'server misconfigured');
    return jsonResponse(500, { error: 'server misconfigured', variables } satisfies ErrorBody);
  }

  let personas;
  try {
    personas = webPersonas(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.error({ variables: ['AGENT_PERSONAS_FILE'], err: err.message }, 'server misconfigured');
    const body: ErrorBody = { error: 'server misconfigured', variables: ['AGENT_PERSONAS_FILE'] };
    return jsonResponse(500, body);
  }
  if (persona !== undefined && !personas.get(persona)) {
    return badRequest('invalid request body', [
      { path: 'persona', message: `no persona named "${persona}"` },
    ]);
  }

  const rejoinOn = config.TOKEN_REJOIN_SECONDS > 0;
  const kept = rejoin && rejoinOn ? await rejoinIdentity(rejoin, config) : undefined;
  const identity = kept ?? newIdentity();
  const token = new AccessToken(config.LIVEKIT_API_KEY, config.LIVEKIT_API_SECRET, {
    identity,
    name,
    ttl: config.TOKEN_TTL_SECONDS,
  });
  token.addGrant(participantGrant(room));
  // The room's agent, with the persona picked: used when this join creates the room (a room
  // that exists keeps its agent and persona).
  if (persona !== undefined) {
    token.roomConfig = new RoomConfiguration({
      agents: [
        new RoomAgentDispatch({ agentName: config.AGENT_NAME, metadata: personaMetadata(persona) }),
      ],
    });
  }
  const body: TokenResponse = {
    serverUrl: config.LIVEKIT_PUBLIC_URL,
    token: await token.toJwt(),
    identity,
    room,
    name,
    rejoined: kept !== undefined,
  };
  if (rejoinOn) body.rejoin = await rejoinTicket(identity, config);
  return jsonResponse(200, body);
}
