/** The built-in `time` tool: today's date and the time now, in the agent's time zone or another. */
import { z } from 'zod';
import { defineTool } from './tool.js';

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The date and time at `now` in `timeZone`, as the model gets them. */
export function timeIn(timeZone: string, now: Date) {
  const part = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat('en-GB', { timeZone, ...options }).format(now);
  const offset = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(now)
    .find((p) => p.type === 'timeZoneName')?.value;
  return {
    timeZone,
    date: part({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
    time: part({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
    utcOffset: offset === 'GMT' || offset === undefined ? '+00:00' : offset.replace('GMT', ''),
  };
}

/** `timeZone`: the default zone (AGENT_TIMEZONE); `now` is injectable for tests. */
export function timeTool(timeZone: string, now: () => Date = () => new Date()) {
  return defineTool({
    name: 'get_current_time',
    description:
      `The current date and time. Without a time zone, the local time (${timeZone}); with an ` +
      'IANA time zone such as "Asia/Tokyo", the time there.',
    parameters: z.object({
      timezone: z
        .string()
        .refine(isTimeZone, { message: 'expected an IANA time zone such as "Europe/Paris"' })
        .optional()
        .describe('An IANA time zone, e.g. "America/New_York". Default: the local one.'),
    }),
    sideEffects: false,
    run: async ({ timezone }) => timeIn(timezone ?? timeZone, now()),
  });
}
