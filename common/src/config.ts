import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

/**
 * Development credentials, the same ones `livekit.yaml` declares. They are public (they are in
 * this repository), so the agent and the web app refuse them when NODE_ENV=production unless
 * LIVEKIT_ALLOW_DEV_KEYS=true says, explicitly, that the deployment is local.
 */
export const DEV_LIVEKIT_API_KEY = 'devkey';
export const DEV_LIVEKIT_API_SECRET = 'voice-agent-dev-secret-for-local-use-only-0123';
export const DEV_LIVEKIT_URL = 'ws://127.0.0.1:7880';

export type Env = Record<string, string | undefined>;

/** A configuration problem, reported by variable name with the expected form. */
export class ConfigError extends Error {
  readonly issues: readonly { variable: string; message: string }[];
  constructor(issues: readonly { variable: string; message: string }[]) {
    super(
      'invalid configuration:\n' + issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const wsUrl = z
  .string()
  .trim()
  .refine((v) => /^(wss?|https?):\/\/[^\s/]+/.test(v) && URL.canParse(v), {
    message: 'expected a URL such as ws://127.0.0.1:7880 or wss://livekit.example.com',
  })
  .transform((v) => v.replace(/^http/, 'ws').replace(/\/+$/, ''));

/** LiveKit connection settings, shared by every process that talks to the server. */
export const livekitSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LIVEKIT_URL: wsUrl.default(DEV_LIVEKIT_URL),
  LIVEKIT_API_KEY: z
    .string()
    .trim()
    .min(3, 'expected an API key of at least 3 characters, as listed under `keys:` in livekit.yaml')
    .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "_" or "-" only')
    .default(DEV_LIVEKIT_API_KEY),
  LIVEKIT_API_SECRET: z
    .string()
    .min(32, 'expected a secret of at least 32 characters (livekit-server rejects shorter ones)')
    .default(DEV_LIVEKIT_API_SECRET),
  /**
   * Lets the development key pair through even when NODE_ENV=production. For a stack reachable
   * only from its own machine (docker-compose.yml binds to 127.0.0.1 and sets it); Next.js forces
   * NODE_ENV=production in `next start`, so NODE_ENV alone cannot say "local".
   */
  LIVEKIT_ALLOW_DEV_KEYS: z.stringbool({ error: 'expected true or false' }).default(false),
});

/** Adds the production rule to any schema that extends {@link livekitSchema}. */
export function refuseDevKeysInProduction<T extends z.ZodType<z.infer<typeof livekitSchema>>>(
  schema: T,
) {
  return schema.superRefine((cfg, ctx) => {
    if (cfg.NODE_ENV !== 'production' || cfg.LIVEKIT_ALLOW_DEV_KEYS) return;
    if (cfg.LIVEKIT_API_KEY === DEV_LIVEKIT_API_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIVEKIT_API_KEY'],
        message:
          'the development key is for local use only; set your own key when NODE_ENV=production ' +
          '(or LIVEKIT_ALLOW_DEV_KEYS=true for a stack only this machine can reach)',
      });
    }
    if (cfg.LIVEKIT_API_SECRET === DEV_LIVEKIT_API_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIVEKIT_API_SECRET'],
        message:
          'the development secret is for local use only; set your own secret when ' +
          'NODE_ENV=production (or LIVEKIT_ALLOW_DEV_KEYS=true for a stack only this machine can reach)',
      });
    }
  });
}

/**
 * The `.env` file nearest to `dir`: in it or the closest parent that has one, so the agent and
 * the web app, started in their own folders, read the repository's top-level `.env`.
 */
export function findDotenv(dir = process.cwd()): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const candidate = join(at, '.env');
    if (existsSync(candidate)) return candidate;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * Reads `.env` (if present) under the process environment: variables already set win, as with
 * dotenv's defaults. An empty value counts as unset in both (`AGENT_HTTP_PORT=` means "default",
 * not 0). Returns a new object and never mutates `process.env`.
 */
export function readEnv(env: Env = process.env, dotenvPath = findDotenv()): Env {
  const fromFile =
    dotenvPath !== undefined && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Env = {};
  for (const source of [fromFile, env]) {
    for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') merged[k] = v;
  }
  return merged;
}

/** Parses `env` with `schema`; throws a {@link ConfigError} naming every bad variable. */
export function parseConfig<T extends z.ZodType>(schema: T, env: Env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.map(String).join('.') || '(environment)',
      message: issue.message,
    })),
  );
}
