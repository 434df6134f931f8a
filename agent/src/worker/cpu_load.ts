import { availableParallelism } from 'node:os';

/**
 * The share of the machine (all its cores) this process used over the last `everyMs`, sampled
 * on a timer so that readers at any moment get the same figure. Its threads count too: rtc-node's
 * encoders and network run outside the main thread.
 */
export function cpuLoadMeter(
  everyMs = 2_500,
  cores = availableParallelism(),
): { read: () => number; stop: () => void } {
  let last = { cpu: process.cpuUsage(), at: performance.now() };
  let share = 0;
  const timer = setInterval(() => {
    const now = { cpu: process.cpuUsage(), at: performance.now() };
    const usedUs = now.cpu.user - last.cpu.user + (now.cpu.system - last.cpu.system);
    const wallUs = (now.at - last.at) * 1_000;
    share = wallUs > 0 ? Math.min(1, usedUs / wallUs / cores) : share;
    last = now;
  }, everyMs);
  timer.unref();
  return { read: () => share, stop: () => clearInterval(timer) };
}
