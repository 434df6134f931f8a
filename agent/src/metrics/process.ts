import { collectDefaultMetrics } from 'prom-client';
import { gauge, registry } from './registry.js';

// Node's own figures (RSS, heap in use and its spaces, external memory, event-loop delay, GC
// pauses) under prom-client's standard names, as dashboards expect them.
collectDefaultMetrics({ register: registry });

/** What the process reports of itself at each scrape (the worker's status). */
export interface ProcessStatus {
  /** Registered with LiveKit and connected. */
  registered: boolean;
  /** Rooms (jobs) served now. */
  rooms: number;
}

let status: () => ProcessStatus = () => ({ registered: false, rooms: 0 });

gauge({
  name: 'voice_agent_worker_registered',
  help: 'Whether this process is registered with LiveKit as an agent worker (1) or not (0).',
  collect() {
    this.set(status().registered ? 1 : 0);
  },
});

gauge({
  name: 'voice_agent_rooms',
  help: 'Rooms (LiveKit jobs) this process serves now.',
  collect() {
    this.set(status().rooms);
  },
});

const people = gauge({
  name: 'voice_agent_people',
  help: 'People whose microphones the agent hears now, over all rooms.',
});

export const processMetrics = {
  /** Where the scrape reads the worker's status (main.ts sets it once). */
  reportFrom(read: () => ProcessStatus): void {
    status = read;
  },
  personHeard(): void {
    people.inc();
  },
  personGone(): void {
    people.dec();
  },
};
