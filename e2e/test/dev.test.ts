// `npm run dev` as a developer meets it: one command starts livekit-server, the agent and the web
// app, prints the URL, serves the page and tokens, and Ctrl-C leaves no process behind.
// Needs: root (private network namespace), livekit-server. `npm test` provides it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO_ROOT } from '../src/paths.js';
import { ManagedProcess } from '../src/processes.js';
import { assertInNamespace, freePort } from '../src/stack.js';
import { teardown } from '../src/teardown.js';

/** Every live process whose ancestry leads to `pid` (from /proc), `pid` included. */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the parent pid; field 2 (the name) may hold spaces, so split after its ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      /* gone meanwhile */
    }
  }
  return [...parents.keys()].filter((p) => {
    for (let at: number | undefined = p; at !== undefined && at > 1; at = parents.get(at)) {
      if (at === pid) return true;
    }
    return false;
  });
}

/** Process group, state and command line, for the failure message. */
function describeProcess(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120);
    return `[state ${fields[0]} pgid ${fields[2]}] ${cmd}`;
  } catch {
    return '(gone)';
  }
}

/** Running, i.e. present and not a zombie waiting to be reaped. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('npm run dev', () => {
  after(teardown);

  it(
    'starts all three, serves page and tokens, and Ctrl-C stops everything',
    { timeout: 240_000 },
    async () => {
      assertInNamespace();
      const port = await freePort();
      const dev = new ManagedProcess(
        'dev',
        process.execPath,
        [join(REPO_ROOT, 'scripts', 'dev.mjs')],
        {
          cwd: REPO_ROOT,
          env: { PORT: String(port), LIVEKIT_URL: undefined, NODE_ENV: undefined },
        },
      );
      await dev.waitForLine(
        (l) => l.includes('worker registered'),
        60_000,
        'the agent registering',
      );
      const ready = await dev.waitForLine(
        (l) => l.includes('ready: open'),
        180_000,
        'the ready line',
      );
      assert.match(ready, new RegExp(`http://localhost:${port}\\b`));

      const page = await fetch(`http://127.0.0.1:${port}/`);
      assert.equal(page.status, 200);
      const token = await fetch(`http://127.0.0.1:${port}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Dev', room: 'dev-room' }),
      });
      assert.equal(token.status, 200, await token.clone().text());

      const tree = processTree(dev.pid);
      const described = new Map(tree.map((pid) => [pid, describeProcess(pid)]));
      assert.ok(tree.length >= 4, `dev.mjs and its three services: ${tree.length} processes`);
      process.kill(dev.pid, 'SIGINT'); // what Ctrl-C delivers to the foreground process
      const exit = await dev.exited;
      assert.equal(exit.code, 0, `dev.mjs exited with ${exit.code ?? exit.signal}`);
      // Nothing of the tree may remain (a second for init to reap what was killed last).
      let left = tree.filter(alive);
      for (let i = 0; i < 20 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        left = tree.filter(alive);
      }
      assert.deepEqual(
        left.map((pid) => `${pid} ${described.get(pid)} now ${describeProcess(pid)}`),
        [],
        'still running after Ctrl-C',
      );
      assert.ok(dev.lines.some((l) => l.includes('[dev] stopped')));
    },
  );
});
