#!/usr/bin/env node
// Finds or installs livekit-server, and starts it with the top-level livekit.yaml.
//
//   node scripts/livekit-server.mjs install          print the binary's path (installing it if needed)
//   node scripts/livekit-server.mjs start [flags]    run it in the foreground with livekit.yaml
//
// Where the binary comes from, first match wins:
//   1. LIVEKIT_SERVER_BIN (an explicit path)
//   2. `livekit-server` on PATH
//   3. the project's cache, .cache/bin/livekit-server
//   4. `go install github.com/livekit/livekit-server/cmd/server@<version>` into that cache
//      (about 3 minutes the first time, seconds from Go's build cache).
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIVEKIT_SERVER_VERSION = 'v1.13.5';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cacheBin = join(root, '.cache', 'bin', 'livekit-server');
export const livekitConfigPath = join(root, 'livekit.yaml');

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Returns the path of a usable livekit-server binary, building it with Go when needed. */
export function ensureLivekitServer({ log = (m) => process.stderr.write(m + '\n') } = {}) {
  const explicit = process.env.LIVEKIT_SERVER_BIN;
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new Error(`LIVEKIT_SERVER_BIN=${explicit} is not an executable file`);
    }
    return explicit;
  }
  const found = onPath('livekit-server') ?? (isExecutable(cacheBin) ? cacheBin : undefined);
  if (found) return found;

  const go =
    onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) {
    throw new Error(
      'livekit-server was not found and Go is not installed to build it.\n' +
        '  Either install Go (https://go.dev/doc/install) and run this again,\n' +
        '  or put livekit-server on PATH, or set LIVEKIT_SERVER_BIN to its path.',
    );
  }
  const gobin = join(root, '.cache', 'go-bin');
  mkdirSync(gobin, { recursive: true });
  log(
    `building livekit-server ${LIVEKIT_SERVER_VERSION} with Go (about 3 minutes the first time, ` +
      'seconds after that)...',
  );
  const started = Date.now();
  const result = spawnSync(
    go,
    ['install', `github.com/livekit/livekit-server/cmd/server@${LIVEKIT_SERVER_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOBIN: gobin }, cwd: root },
  );
  if (result.status !== 0) {
    throw new Error(
      `go install of livekit-server ${LIVEKIT_SERVER_VERSION} failed (exit ${result.status}); ` +
        'see the output above. Set LIVEKIT_SERVER_BIN to use a binary you already have.',
    );
  }
  mkdirSync(dirname(cacheBin), { recursive: true });
  copyFileSync(join(gobin, 'server'), cacheBin);
  rmSync(gobin, { recursive: true, force: true });
  log(`livekit-server built in ${Math.round((Date.now() - started) / 1000)} s: ${cacheBin}`);
  return cacheBin;
}

/** Spawns livekit-server with livekit.yaml plus extra flags (e.g. --bind, --node-ip). */
export function spawnLivekitServer(extraArgs = [], options = {}) {
  const bin = ensureLivekitServer();
  return spawn(bin, ['--config', livekitConfigPath, ...extraArgs], options);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [command, ...rest] = process.argv.slice(2);
  try {
    if (command === 'install') {
      process.stdout.write(ensureLivekitServer() + '\n');
    } else if (command === 'start') {
      const child = spawnLivekitServer(rest, { stdio: 'inherit' });
      for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
      child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
    } else {
      process.stderr.write('usage: livekit-server.mjs install | start [livekit-server flags]\n');
      process.exit(2);
    }
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
