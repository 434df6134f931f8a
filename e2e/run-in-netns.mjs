#!/usr/bin/env node
// Runs a command inside a private network namespace made for this run, then tears it down.
//
//   node run-in-netns.mjs <command> [args...]
//
// The namespace (unique name per run, so two runs never collide) holds a veth pair with both
// ends inside it: 10.77.0.1/24 (livekit-server) and 10.77.0.2/24, plus loopback. Nothing in it
// can reach, or be reached from, any other address. On exit, on failure and on Ctrl-C every
// process still in the namespace is killed and the namespace is deleted.
import { spawn } from 'node:child_process';
import { assertCanCreateNamespace, createNamespace } from './netns.mjs';

assertCanCreateNamespace();
const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: run-in-netns.mjs <command> [args...]');
  process.exit(2);
}
let ns;
try {
  ns = createNamespace();
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
process.on('exit', ns.destroy);
const child = spawn('ip', ['netns', 'exec', ns.name, command, ...args], {
  stdio: 'inherit',
  env: { ...process.env, VA_NETNS: ns.name, VA_SERVER_IP: ns.serverIp },
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    child.kill(sig);
    setTimeout(() => {
      ns.destroy();
      process.exit(130);
    }, 5_000).unref();
  });
}
child.on('exit', (code, signal) => {
  ns.destroy();
  process.exit(code ?? (signal ? 1 : 0));
});
