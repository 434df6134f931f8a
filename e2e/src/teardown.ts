import { dispose } from '@livekit/rtc-node';
import { leaveAll } from './participants.js';
import { stopAll } from './processes.js';

const extra = new Set<() => Promise<void>>();

/** Registers a cleanup (a browser, a server) that teardown() runs first; returns its remover. */
export function onTeardown(cleanup: () => Promise<void>): () => void {
  extra.add(cleanup);
  return () => extra.delete(cleanup);
}

/**
 * Ends everything a test file started, in dependency order: browsers and other registered
 * cleanups, simulated participants, then processes (agent, web, livekit-server), and finally
 * rtc-node's native runtime, whose threads would otherwise keep the test process alive.
 * Use as `after(teardown)` in every e2e file.
 */
export async function teardown(): Promise<void> {
  await Promise.allSettled([...extra].map((c) => c()));
  extra.clear();
  await leaveAll();
  await stopAll();
  await dispose();
}
