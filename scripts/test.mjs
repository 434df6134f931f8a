#!/usr/bin/env node
// `npm test`: sets up everything the tests need, then runs them all.
//
//   1. system packages: chromium, espeak-ng, sox, iproute2, prometheus (promtool), docker.io,
//      docker-compose, debootstrap (installed with apt-get when run as
//      root, otherwise named in an error), and root itself (the e2e tests create a private
//      network namespace)
//   2. npm dependencies (`npm install` when node_modules is missing)
//   3. livekit-server (scripts/livekit-server.mjs: PATH, LIVEKIT_SERVER_BIN, cache or Go build)
//   4. build every workspace, typecheck, lint
//   5. unit tests of common, agent, fixtures, web, bench; then the e2e tests inside a fresh network
//      namespace; then the live compose test (e2e/live, its own namespace with a Docker engine);
//      then short runs of the benchmark (npm run bench -- --quick) and of the
//      turn-taking suite (npm run bench:turn-taking -- --quick, and its barge-in and echo
//      scenarios again with the agent on Deepgram STT), and of the fault suite
//      (npm run bench:faults -- --quick), of the long-conversation bench
//      (npm run bench:session -- --quick), and of the soak (npm run bench:soak -- --minutes 2)
//
// Every step runs even if an earlier test step failed (set-up and build failures stop the run);
// the summary at the end lists each step with its time, and the exit code is non-zero on failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLivekitServer } from './livekit-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => process.stdout.write(`\n[test] ${msg}\n`);

/** Debian package -> the command that proves it is installed. */
const SYSTEM_PACKAGES = {
  chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  'espeak-ng': 'espeak-ng',
  sox: 'sox',
  'opus-tools': 'opusenc',
  iproute2: 'ip',
  // The OpenAI-compatible fixture's speech recognition (fixtures/src/recognition).
  pocketsphinx: 'pocketsphinx_continuous',
  'pocketsphinx-en-us': '/usr/share/pocketsphinx/model/en-us',
  // `promtool test rules` on the alert rules (observability/prometheus).
  prometheus: 'promtool',
  // Shared by agent workers (REDIS_URL): the cluster unit tests, the failover and multinode e2e
  // tests (redis-cli comes with it).
  'redis-server': 'redis-server',
  // The live compose test (e2e/live): a Docker engine of its own, compose, base images.
  'docker.io': 'dockerd',
  'docker-compose': 'docker-compose',
  debootstrap: 'debootstrap',
};

function hasCommand(cmd) {
  if (cmd.startsWith('/')) return existsSync(cmd);
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

const isRoot = process.getuid?.() === 0;
const steps = [];

/** Runs a step, timing it; `fatal` steps end the run when they fail. */
function step(name, fn, { fatal = false } = {}) {
  say(name);
  const started = Date.now();
  let ok;
  try {
    ok = fn() !== false;
  } catch (err) {
    process.stderr.write(`[test] ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    ok = false;
  }
  steps.push({ name, ok, seconds: (Date.now() - started) / 1000 });
  if (!ok && fatal) finish();
  return ok;
}

function finish() {
  const width = Math.max(...steps.map((s) => s.name.length));
  process.stdout.write('\n[test] summary\n');
  for (const s of steps) {
    process.stdout.write(
      `  ${s.ok ? 'ok  ' : 'FAIL'}  ${s.name.padEnd(width)}  ${s.seconds.toFixed(1)} s\n`,
    );
  }
  const failed = steps.filter((s) => !s.ok);
  process.stdout.write(
    failed.length ? `[test] ${failed.length} step(s) failed\n` : '[test] all passed\n',
  );
  process.exit(failed.length ? 1 : 0);
}

step(
  'system packages',
  () => {
    const missing = Object.entries(SYSTEM_PACKAGES)
      .filter(([, cmd]) => !hasCommand(cmd))
      .map(([pkg]) => pkg);
    if (!isRoot) {
      throw new Error(
        'the end-to-end tests create a private network namespace, which needs root; run as root' +
          (missing.length ? ` (and install: ${missing.join(' ')})` : ''),
      );
    }
    if (missing.length === 0) return true;
    if (!hasCommand('apt-get')) {
      throw new Error(`install these packages, then run again: ${missing.join(' ')}`);
    }
    say(`installing ${missing.join(' ')} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], { env }) !== 0) return false;
    const install = ['install', '-y', '-qq', '--no-install-recommends', ...missing];
    if (run('apt-get', install, { env }) !== 0) return false;
    const still = Object.entries(SYSTEM_PACKAGES).filter(([, cmd]) => !hasCommand(cmd));
    if (still.length)
      throw new Error(`still missing after apt-get: ${still.map(([p]) => p).join(' ')}`);
    return true;
  },
  { fatal: true },
);

step(
  'npm dependencies',
  () =>
    existsSync(join(root, 'node_modules', '.package-lock.json')) || run('npm', ['install']) === 0,
  { fatal: true },
);

step('livekit-server', () => Boolean(ensureLivekitServer({ log: (m) => say(m) })), { fatal: true });

step('build', () => run('npm', ['run', 'build']) === 0, { fatal: true });
step('typecheck', () => run('npm', ['run', 'typecheck']) === 0);
step('lint', () => run('npm', ['run', 'lint']) === 0);

for (const ws of ['common', 'agent', 'fixtures', 'web', 'bench']) {
  step(`unit tests: ${ws}`, () => run('npm', ['test', '-w', ws]) === 0);
}
step(
  'e2e tests (network namespace, livekit-server, Chromium)',
  () => run('npm', ['test', '-w', 'e2e']) === 0,
);
// docker-compose.yml and the Dockerfiles, built and brought up by a Docker engine in a network
// namespace of its own, the page used from Chromium through the published ports (about 3 min).
step(
  'live compose test (Docker engine in a namespace, Chromium)',
  () => run('npm', ['run', 'test:compose', '-w', 'e2e']) === 0,
);
// The benchmark's short version, so it cannot rot: ours and LiveKit Agents (installed into
// bench/peer on first use) through every scenario; it fails if either answers nothing or ours
// misses a turn. Its chart goes to the logs, not over the README's.
step(
  'bench smoke (ours and LiveKit Agents, --quick)',
  () =>
    run('npm', [
      'run',
      'bench',
      '-w',
      'bench',
      '--',
      '--quick',
      '--systems',
      'ours,peer',
      '--chart',
      join(root, 'e2e', '.logs', 'bench-smoke', 'latency.png'),
    ]) === 0,
);
// The turn-taking suite's short version: every scenario (pauses, backchannels, interruptions,
// noise, echo, group) through the real SFU; it fails if a scenario cannot run, not on a rate.
step(
  'turn-taking smoke (--quick)',
  () => run('npm', ['run', 'bench:turn-taking', '-w', 'bench', '--', '--quick']) === 0,
);
// The same barge-in scenarios, and echo (interim words of the agent's own voice), with the agent
// on Deepgram's live protocol (the fixture's), so that STT is exercised through the SFU too.
step(
  'turn-taking smoke with Deepgram STT (--quick)',
  () =>
    run('npm', [
      'run',
      'bench:turn-taking',
      '-w',
      'bench',
      '--',
      '--quick',
      '--stt',
      'deepgram',
      '--scenarios',
      'backchannels,interruptions,echo',
    ]) === 0,
);
// The fault suite's short version: five cells (each stage, each kind of fault once) through the
// real SFU; it fails if a turn goes unanswered, a silence passes 2 s, the agent crashes, or a
// recovered provider is not back in use.
step(
  'fault suite smoke (--quick)',
  () => run('npm', ['run', 'bench:faults', '-w', 'bench', '--', '--quick']) === 0,
);
// The long-conversation bench's short version: 40 turns through the real SFU on a 1000-token
// context; it fails if a turn goes unanswered, a request passes the budget, or the fact said at
// turn 3 is not in the last request's summary.
step(
  'session smoke (--quick)',
  () => run('npm', ['run', 'bench:session', '-w', 'bench', '--', '--quick']) === 0,
);
// The soak's short version: two minutes of the museum conversation at a human pace, a visitor
// joining and leaving; it fails if a question goes unanswered or the agent leaves the room (RSS
// is printed, and judged only in runs of 10 minutes or more).
step(
  'soak smoke (--minutes 2)',
  () => run('npm', ['run', 'bench:soak', '-w', 'bench', '--', '--minutes', '2']) === 0,
);

finish();
