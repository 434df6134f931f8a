import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs: a fixed message, values in fields. Transcripts and prompts go only in
 * fields listed under `redact` so operators can hide them.
 */
export function createLogger(level: string, redactText = false): Logger {
  return pino({
    level,
    base: { service: 'voice-agent' },
    timestamp: pino.stdTimeFunctions.epochTime,
    ...(redactText ? { redact: { paths: ['text', '*.text'], censor: '[redacted]' } } : {}),
  });
}

/** An error as log fields (`log.error({ err: errorFields(err) }, ...)`), whatever was thrown. */
export function errorFields(err: unknown): { message: string; name?: string; stack?: string } {
  if (err instanceof Error) {
    return { message: err.message, name: err.name, ...(err.stack ? { stack: err.stack } : {}) };
  }
  return { message: String(err) };
}
