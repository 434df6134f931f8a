// A private network namespace for one test run: a veth pair with both ends inside it
// (<subnet>.1/24 for the servers, <subnet>.2/24 for a peer), plus loopback. Nothing in it can
// reach, or be reached from, any other address. Used by run-in-netns.mjs and run-with-docker.mjs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function assertCanCreateNamespace() {
  if (process.getuid?.() !== 0) {
    console.error(
      'e2e tests need root: they create a private network namespace (ip netns add).\n' +
        'Run them as root (sudo -E npm test), or run only the unit tests: npm run test:unit',
    );
    process.exit(1);
  }
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    console.error('e2e tests need iproute2 (the `ip` command): apt-get install -y iproute2');
    process.exit(1);
  }
}

/**
 * Creates the namespace (unique name per run, so two runs never collide) and returns its name,
 * addresses and `destroy()`, which kills every process still in it and deletes it.
 */
export function createNamespace({ prefix = 'va-e2e', subnet = '10.77.0' } = {}) {
  const name = `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const serverIp = `${subnet}.1`;
  const peerIp = `${subnet}.2`;
  const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const inNs = (...args) => ip('netns', 'exec', name, 'ip', ...args);

  let destroyed = false;
  function destroy() {
    if (destroyed) return;
    destroyed = true;
    try {
      const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    } catch {
      /* namespace already gone */
    }
    try {
      ip('netns', 'del', name);
    } catch (err) {
      console.error(`could not delete network namespace ${name}: ${err.message}`);
    }
  }

  try {
    ip('netns', 'add', name);
    inNs('link', 'set', 'lo', 'up');
    inNs('link', 'add', 'va0', 'type', 'veth', 'peer', 'name', 'va1');
    inNs('addr', 'add', `${serverIp}/24`, 'dev', 'va0');
    inNs('addr', 'add', `${peerIp}/24`, 'dev', 'va1');
    inNs('link', 'set', 'va0', 'up');
    inNs('link', 'set', 'va1', 'up');
  } catch (err) {
    destroy();
    throw new Error(
      `could not create network namespace ${name}: ${err.stderr?.toString() ?? err.message}`,
    );
  }
  return { name, serverIp, peerIp, destroy };
}
