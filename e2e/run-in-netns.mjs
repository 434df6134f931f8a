#!/usr/bin/env node
// Runs a command inside a private network namespace made for this run, then tears it down.
//
//   node run-in-netns.mjs <command> [args...]
//
// The namespace (unique name per run, so two runs never collide) holds a veth pair with both
// ends inside it: 10.77.0.1/24 (livekit-server) and 10.77.0.2/24, plus loopback. Nothing in it
// can reach, or be reached from, any other address. On exit, on failure and on Ctrl-C every
// process still in the namespace is killed and the namespace is deleted.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const SERVER_IP = '10.77.0.1';
export const PEER_IP = '10.77.0.2';

const ns = `va-e2e-${process.pid}-${randomBytes(3).toString('hex')}`;
const ip = (...args) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const inNs = (...args) => ip('netns', 'exec', ns, 'ip', ...args);

function preflight() {
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

function create() {
  ip('netns', 'add', ns);
  inNs('link', 'set', 'lo', 'up');
  inNs('link', 'add', 'va0', 'type', 'veth', 'peer', 'name', 'va1');
  inNs('addr', 'add', `${SERVER_IP}/24`, 'dev', 'va0');
  inNs('addr', 'add', `${PEER_IP}/24`, 'dev', 'va1');
  inNs('link', 'set', 'va0', 'up');
  inNs('link', 'set', 'va1', 'up');
}

let destroyed = false;
function destroy() {
  if (destroyed) return;
  destroyed = true;
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
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
    ip('netns', 'del', ns);
  } catch (err) {
    console.error(`could not delete network namespace ${ns}: ${err.message}`);
  }
}

preflight();
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: run-in-netns.mjs <command> [args...]');
  process.exit(2);
}
try {
  create();
} catch (err) {
  destroy();
  console.error(
    `could not create network namespace ${ns}: ${err.stderr?.toString() ?? err.message}`,
  );
  process.exit(1);
}
process.on('exit', destroy);
const child = spawn('ip', ['netns', 'exec', ns, command, ...args], {
  stdio: 'inherit',
  env: { ...process.env, VA_NETNS: ns, VA_SERVER_IP: SERVER_IP },
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    child.kill(sig);
    setTimeout(() => {
      destroy();
      process.exit(130);
    }, 5_000).unref();
  });
}
child.on('exit', (code, signal) => {
  destroy();
  process.exit(code ?? (signal ? 1 : 0));
});
