/** What the transport probe (probe.ts) and its relay process (relay.ts) say to each other. */

export const RELAY_SAMPLE_RATE = 24_000;
/** The agent's AudioSource queue (agent/src/room/agent_room.ts). */
export const AGENT_SOURCE_QUEUE_MS = 200;

export type RelayCommand =
  | { type: 'arm'; action: 'start' | 'stop' }
  | { type: 'play' }
  | { type: 'hush' }
  | { type: 'quit' };

export type RelayReport =
  | { type: 'ready' }
  | { type: 'playing' }
  | { type: 'acted'; action: 'start' | 'stop'; heardAt: number; actedAt: number };
