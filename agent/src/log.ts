import { pino } from 'pino';
import type { Logger } from 'pino';
import { redactPii } from './privacy/redact.js';

export type { Logger };

/** Fields that carry what people said or typed (and the agent's words). */
const TEXT_FIELDS = new Set(['text', 'heard', 'said']);

/**
 * Structured JSON logs: a fixed message, values in fields. What people said goes only in the
 * fields of TEXT_FIELDS; with `redactPii` (AGENT_REDACT=logs or llm), personal data in them
 * (privacy/redact.ts) is replaced by its kind before the line is written.
 */
export function createLogger(
  level: string,
  redact = false,
  destination?: pino.DestinationStream,
): Logger {
  const options = {
    level,
    base: { service: 'voice-agent' },
    timestamp: pino.stdTimeFunctions.epochTime,
    ...(redact ? { formatters: { log: redactTextFields } } : {}),
  };
  return destination ? pino(options, destination) : pino(options);
}

/** A log line's fields with personal data in its text fields replaced (one level deep too). */
export function redactTextFields(
  fields: Record<string, unknown>,
  depth = 0,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    let redacted = value;
    if (TEXT_FIELDS.has(key) && typeof value === 'string') redacted = redactPii(value);
    else if (depth === 0 && value && typeof value === 'object' && !Array.isArray(value)) {
      redacted = redactTextFields(value as Record<string, unknown>, 1);
    }
    if (redacted !== value) (out ??= { ...fields })[key] = redacted;
  }
  return out ?? fields;
}

/** An error as log fields (`log.error({ err: errorFields(err) }, ...)`), whatever was thrown. */
export function errorFields(err: unknown): { message: string; name?: string; stack?: string } {
  if (err instanceof Error) {
    return { message: err.message, name: err.name, ...(err.stack ? { stack: err.stack } : {}) };
  }
  return { message: String(err) };
}
