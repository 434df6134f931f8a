import type { Floor } from '../src/conversation/decisions/barge_in.js';

/** A reply for tests of barge-in: it records, in order, everything done to it. */
export function recordingFloor(playing = true): Floor & { events: string[]; paused(): boolean } {
  const events: string[] = [];
  let paused = false;
  return {
    events,
    paused: () => paused,
    pause: (by: string) => {
      if (!playing || paused) return false;
      paused = true;
      events.push(`pause by ${by}`);
      return true;
    },
    resume: () => {
      paused = false;
      events.push('resume');
    },
    stop: (by: string) => {
      playing = false;
      events.push(`stop by ${by}`);
    },
  };
}
