import {
  livekitSchema,
  parseConfig,
  readEnv,
  refuseDevKeysInProduction,
} from '@voice-agent/common';
import type { Env } from '@voice-agent/common';
import { z } from 'zod';

const ms = (what: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: `expected ${what} in milliseconds, a whole number` })
    .int(`expected ${what} in milliseconds, a whole number`)
    .min(min, `expected at least ${min} ms`)
    .max(max, `expected at most ${max} ms`)
    .default(fallback);

/** Every setting of the agent process, from the environment and `.env`. */
export const agentConfigSchema = refuseDevKeysInProduction(
  livekitSchema.extend({
    /**
     * Empty: automatic dispatch (the agent joins every new room). A name: explicit dispatch only
     * (the agent joins rooms that ask for it by name, via token room configuration or the
     * AgentDispatch API).
     */
    AGENT_NAME: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{0,64}$/, 'expected up to 64 letters, digits, ".", "_" or "-"')
      .default(''),
    /** The name people see for the agent in the room. */
    AGENT_DISPLAY_NAME: z
      .string()
      .trim()
      .min(1, 'expected a non-empty name')
      .max(64, 'expected at most 64 characters')
      .default('Agent'),
    /** Conversations this process accepts before it reports itself full to LiveKit. */
    AGENT_MAX_JOBS: z.coerce
      .number({ message: 'expected a whole number of jobs' })
      .int('expected a whole number of jobs')
      .min(1, 'expected at least 1')
      .max(1000, 'expected at most 1000')
      .default(50),
    /** Greeting spoken to each person who joins; `{name}` is replaced by their display name. */
    AGENT_GREETING: z
      .string()
      .trim()
      .min(1, 'expected a non-empty greeting')
      .max(300, 'expected at most 300 characters')
      .default('Hello {name}, welcome. I can hear you.'),
    /** Health and status HTTP endpoint (`/healthz`, `/status`); port 0 disables it. */
    AGENT_HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
    AGENT_HTTP_PORT: z.coerce
      .number({ message: 'expected a TCP port number (0 disables the endpoint)' })
      .int('expected a TCP port number (0 disables the endpoint)')
      .min(0, 'expected a TCP port number (0 disables the endpoint)')
      .max(65535, 'expected a TCP port number (0 disables the endpoint)')
      .default(8081),
    /** Time a job gets to leave its room on shutdown or termination before it is abandoned. */
    AGENT_SHUTDOWN_TIMEOUT_MS: ms('the shutdown time limit', 100, 60_000, 5_000),
    /** Microphone level (dBFS) above which a participant counts as audible. */
    AGENT_INPUT_ACTIVE_DBFS: z.coerce
      .number({ message: 'expected a level in dBFS, e.g. -45' })
      .min(-100, 'expected a level between -100 and 0 dBFS')
      .max(0, 'expected a level between -100 and 0 dBFS')
      .default(-45),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  }),
);

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** Reads the agent's configuration; throws a ConfigError naming every bad variable. */
export function loadAgentConfig(env: Env = readEnv()): AgentConfig {
  return parseConfig(agentConfigSchema, env);
}
