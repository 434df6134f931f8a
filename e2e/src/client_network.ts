import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './browser.js';
import { LOG_DIR } from './paths.js';
import { ManagedProcess } from './processes.js';
import { assertInNamespace, freePort } from './stack.js';
import { onTeardown } from './teardown.js';

/** The client network's subnet: the test namespace's end is .1, the client's .2. */
const SUBNET = '10.77.9';

/**
 * A network of its own for a browser, inside the test's namespace: a second namespace joined to
 * it by a veth pair, so that the browser's whole connection (signalling and media) can be cut
 * and restored while the SFU, the agent and everyone else keep theirs — a person's Wi-Fi
 * dropping. The browser reaches livekit-server at its usual address through the link.
 */
export interface ClientNetwork {
  /** A Chromium that runs in the client network (for launchChromium's executablePath). */
  readonly chromium: string;
  /** Serves `webUrl` (in the test namespace) at 127.0.0.1 inside the client network. */
  forwardWeb(webUrl: string): Promise<string>;
  /** Cuts the link: nothing passes either way until restore(). */
  drop(): void;
  restore(): void;
}

export function clientNetwork(): ClientNetwork {
  assertInNamespace();
  const name = `va-client-${process.pid}-${randomBytes(3).toString('hex')}`;
  const run = (...args: string[]) =>
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const inClient = (...args: string[]) => run('netns', 'exec', name, 'ip', ...args);
  const destroy = async () => {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' });
      for (const pid of pids.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      run('netns', 'del', name);
    } catch {
      // never made, or already gone
    }
  };
  onTeardown(destroy);
  run('netns', 'add', name);
  run('link', 'add', 'vc0', 'type', 'veth', 'peer', 'name', 'vc1', 'netns', name);
  run('addr', 'add', `${SUBNET}.1/24`, 'dev', 'vc0');
  run('link', 'set', 'vc0', 'up');
  inClient('link', 'set', 'lo', 'up');
  inClient('addr', 'add', `${SUBNET}.2/24`, 'dev', 'vc1');
  inClient('link', 'set', 'vc1', 'up');
  inClient('route', 'add', 'default', 'via', `${SUBNET}.1`);

  mkdirSync(LOG_DIR, { recursive: true });
  const chromium = join(LOG_DIR, `chromium-in-${name}.sh`);
  writeFileSync(chromium, `#!/bin/sh\nexec ip netns exec ${name} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(chromium, 0o755);

  return {
    chromium,
    async forwardWeb(webUrl) {
      const target = new URL(webUrl);
      const port = await freePort();
      // A TCP relay in the client network, so the page is a secure context (127.0.0.1).
      const relay = `
        const net = require('node:net');
        net.createServer((c) => {
          const u = net.connect(${Number(target.port)}, '${target.hostname}');
          c.pipe(u).pipe(c);
          c.on('error', () => u.destroy());
          u.on('error', () => c.destroy());
        }).listen(${port}, '127.0.0.1', () => console.log('relay ready'));`;
      const proc = new ManagedProcess('web-relay', 'ip', [
        'netns',
        'exec',
        name,
        process.execPath,
        '-e',
        relay,
      ]);
      await proc.waitForLine((l) => l.includes('relay ready'), 10_000, 'the web relay');
      return `http://127.0.0.1:${port}`;
    },
    drop: () => run('link', 'set', 'vc0', 'down'),
    restore: () => run('link', 'set', 'vc0', 'up'),
  };
}
