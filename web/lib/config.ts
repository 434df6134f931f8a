import {
  livekitSchema,
  parseConfig,
  readEnv,
  refuseDevKeysInProduction,
  type Env,
} from '@voice-agent/common';
import { z } from 'zod';

/** Same form as LIVEKIT_URL (ws/wss/http/https, normalised to ws/wss), without its default. */
const publicUrl = livekitSchema.shape.LIVEKIT_URL.unwrap();

const tokenTtlSeconds = z
  .string()
  .trim()
  .regex(/^\d+$/, 'expected a whole number of seconds, such as 600')
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(60, 'expected at least 60 seconds')
      .max(3600, 'expected at most 3600 seconds'),
  );

/** Every setting of the web app's server side, from the environment and `.env`. */
export const webConfigSchema = refuseDevKeysInProduction(
  livekitSchema.extend({
    /** The LiveKit URL browsers connect to; defaults to LIVEKIT_URL. */
    LIVEKIT_PUBLIC_URL: publicUrl.optional(),
    /** Lifetime of the join tokens the token route issues. */
    TOKEN_TTL_SECONDS: tokenTtlSeconds.default(600),
    /**
     * The agent's personas (the same file as the agent's); the page offers their names and a
     * token carries the one picked to the room's agent dispatch. Unset: one persona, no choice.
     */
    AGENT_PERSONAS_FILE: z.string().trim().min(1, 'expected a path to a JSON file').optional(),
    /** The agent's dispatch name (the agent's AGENT_NAME): '' for automatic dispatch. */
    AGENT_NAME: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]*$/, 'expected letters, digits, "_" or "-" (the agent\'s AGENT_NAME)')
      .default(''),
    /**
     * How long after a join the page may rejoin as the same person (a reload, a browser restart):
     * the token route answers each join with a signed rejoin ticket that lives this long, and
     * the page keeps it. The agent knows people by identity, so they keep their conversation.
     * 0: every join is a new person.
     */
    TOKEN_REJOIN_SECONDS: z
      .string()
      .trim()
      .regex(/^\d+$/, 'expected a whole number of seconds, such as 3600 (0: no rejoining)')
      .transform(Number)
      .pipe(z.number().int().max(604_800, 'expected at most 604800 seconds (7 days)'))
      .default(3600),
    /** Token requests one address may make per minute (bursts included); 0: no limit. */
    TOKEN_RATE_LIMIT_PER_MINUTE: z
      .string()
      .trim()
      .regex(/^\d+$/, 'expected a whole number of requests per minute, such as 30 (0: no limit)')
      .transform(Number)
      .pipe(z.number().int().max(100_000, 'expected at most 100000 requests per minute'))
      .default(30),
  }),
).transform((cfg) => ({ ...cfg, LIVEKIT_PUBLIC_URL: cfg.LIVEKIT_PUBLIC_URL ?? cfg.LIVEKIT_URL }));

export type WebConfig = z.infer<typeof webConfigSchema>;

/**
 * Parses the web app's configuration; throws a `ConfigError` naming every bad variable. Called
 * per request by the token route, so `next build` needs no environment.
 */
export function loadWebConfig(env: Env = readEnv()): WebConfig {
  return parseConfig(webConfigSchema, env);
}
