// Runs a command inside a private network namespace that has a Docker engine of its own, then
// tears both down. For the live compose test: `docker compose up` of this repository, offline.
//
//   tsx run-with-docker.ts <command> [args...]
//
// 1. Outside the namespace (the only phase that may download, from Debian and npm): a Debian
//    bookworm minbase root file system (debootstrap, cached in .cache/compose/), and every
//    package this checkout installed in npm's own cache (`npm cache add` for any it lacks).
// 2. A namespace like run-in-netns.mjs makes, on 10.78.0.0/24 (other e2e runs use 10.77.0.0/24
//    in theirs), and dockerd in it (`nsenter --net`, so it keeps the real /sys and its
//    cgroups), with its own data root, socket and bridge addresses (10.79.0.0/24, compose
//    networks in 10.80.0.0/16), without iptables. No image registry is reachable, so:
// 3. the base images the repository names are made here and tagged with those names:
//    `node:20-slim` (the minbase root file system, this machine's Node 20 and npm, user `node`)
//    and `livekit/livekit-server:<version>` (the livekit-server binary npm test builds).
// 4. The command runs in the namespace with DOCKER_HOST set; on exit (or Ctrl-C) dockerd stops,
//    the namespace is deleted and the engine's files removed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { ensureLivekitServer, LIVEKIT_SERVER_VERSION } from '../scripts/livekit-server.mjs';
import { assertCanCreateNamespace, createNamespace } from './netns.mjs';
import type { Namespace } from './netns.mjs';
import { cachedTarball, lockedPackages, npmCacheDir } from './src/npm-mirror.js';
import { REPO_ROOT } from './src/paths.js';

const SUBNET = '10.78.0';
const BRIDGE_IP = '10.79.0.1/24';
const ADDRESS_POOL = 'base=10.80.0.0/16,size=24';
const NODE_IMAGE = 'node:20-slim';
const CACHE = join(REPO_ROOT, '.cache', 'compose');
const ROOTFS_TAR = join(CACHE, 'bookworm-minbase.tar');
/** docker.io's own client (another `docker` may come first on PATH). */
const DOCKER = '/usr/bin/docker';

const say = (msg: string) => process.stdout.write(`[docker] ${msg}\n`);

/** Runs fn, printing how long it took: the phases of the run stay visible in CI's log. */
function phase<T>(name: string, fn: () => T): T {
  const started = Date.now();
  const out = fn();
  say(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return out;
}

function preflight(): void {
  assertCanCreateNamespace();
  const need: Record<string, string> = {
    dockerd: 'docker.io',
    'docker-compose': 'docker-compose',
    debootstrap: 'debootstrap',
    nsenter: 'util-linux',
  };
  const missing = Object.entries(need).filter(
    ([cmd]) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0,
  );
  if (!existsSync(DOCKER)) missing.push(['docker', 'docker.io']);
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    throw new Error(`the live compose test needs Docker and friends: apt-get install -y ${pkgs}`);
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (`node:${major}-slim` !== NODE_IMAGE) {
    throw new Error(`${NODE_IMAGE} is made from this machine's Node, which is ${major}`);
  }
  for (const file of ['agent/Dockerfile', 'web/Dockerfile']) {
    const bases = [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/^FROM\s+(\S+)/gm)];
    const other = bases.map((m) => m[1]).filter((b) => b !== NODE_IMAGE);
    if (other.length)
      throw new Error(`${file} builds FROM ${other.join(', ')}; made here: ${NODE_IMAGE}`);
  }
}

/** Debian bookworm minbase as a tar, made once (about 30 s) and kept in .cache/compose/. */
function ensureRootfs(): void {
  if (existsSync(ROOTFS_TAR)) return;
  mkdirSync(CACHE, { recursive: true });
  const dir = mkdtempSync(join(CACHE, 'rootfs-'));
  try {
    execFileSync(
      'nice',
      [
        '-n',
        '10',
        'debootstrap',
        '--variant=minbase',
        'bookworm',
        dir,
        'http://deb.debian.org/debian',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    execFileSync('tar', ['-C', dir, '-cf', `${ROOTFS_TAR}.part`, '.']);
    renameSync(`${ROOTFS_TAR}.part`, ROOTFS_TAR);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${ROOTFS_TAR}.part`, { force: true });
  }
}

/** Every package this checkout installed is in npm's cache, where the test's mirror serves it. */
function ensureNpmCache(): void {
  const cache = npmCacheDir();
  const missing = lockedPackages()
    .filter((p) => existsSync(join(REPO_ROOT, p.key)) && !cachedTarball(cache, p.integrity))
    .map((p) => `${p.name}@${p.version}`);
  if (missing.length === 0) return;
  say(`adding ${missing.length} package(s) to npm's cache`);
  execFileSync('npm', ['cache', 'add', ...missing], { cwd: '/', stdio: 'inherit' });
}

interface Engine {
  dir: string;
  host: string;
  proc: ChildProcess;
}

function docker(engine: Engine, args: string[], input?: Buffer): void {
  execFileSync(DOCKER, args, {
    env: { ...process.env, DOCKER_HOST: engine.host },
    input,
    stdio: [input ? 'pipe' : 'ignore', 'ignore', 'inherit'],
    maxBuffer: 1 << 30,
  });
}

function startEngine(ns: Namespace): Engine {
  const dir = mkdtempSync('/tmp/va-docker-');
  const socket = join(dir, 'docker.sock');
  const logDir = join(REPO_ROOT, 'e2e', '.logs', 'docker');
  const log = join(logDir, 'dockerd.log');
  mkdirSync(logDir, { recursive: true });
  const proc = spawn(
    'sh',
    [
      '-c',
      'exec nsenter --net=/var/run/netns/"$0" dockerd "$@" >"$LOG" 2>&1',
      ns.name,
      '--iptables=false',
      '--ip-masq=false',
      `--bip=${BRIDGE_IP}`,
      `--default-address-pool=${ADDRESS_POOL}`,
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'dockerd.pid')}`,
      `--host=unix://${socket}`,
      `--containerd-namespace=${ns.name}`,
      `--containerd-plugins-namespace=${ns.name}-plugins`,
    ],
    { env: { ...process.env, LOG: log }, stdio: 'ignore' },
  );
  const engine = { dir, host: `unix://${socket}`, proc };
  for (const deadline = Date.now() + 30_000; ;) {
    if (proc.exitCode !== null) throw new Error(`dockerd exited (${proc.exitCode}); see ${log}`);
    const ok = spawnSync(DOCKER, ['version'], {
      env: { ...process.env, DOCKER_HOST: engine.host },
      stdio: 'ignore',
    });
    if (ok.status === 0) return engine;
    if (Date.now() > deadline) throw new Error(`dockerd did not answer within 30 s; see ${log}`);
    execFileSync('sleep', ['0.2']);
  }
}

function stopEngine(engine: Engine): void {
  if (engine.proc.exitCode === null) {
    engine.proc.kill('SIGTERM');
    // dockerd stops its containers and unmounts its layers; give it a moment to do so.
    // (It is our child, so once it has exited it stays a zombie until this process ends.)
    const pid = engine.proc.pid;
    spawnSync('sh', [
      '-c',
      `for i in $(seq 150); do grep -qs '^State:[[:space:]]*[RSD]' /proc/${pid}/status || exit 0; sleep 0.2; done`,
    ]);
  }
  // Whatever it left mounted under its directories (after a kill), then the files.
  const mounts = spawnSync('findmnt', ['-rn', '-o', 'TARGET'], { encoding: 'utf8' }).stdout ?? '';
  for (const target of mounts
    .split('\n')
    .filter((m) => m.startsWith(engine.dir))
    .reverse()) {
    spawnSync('umount', ['-l', target]);
  }
  rmSync(engine.dir, { recursive: true, force: true });
}

/** The images the compose file and the Dockerfiles name, made from what this machine has. */
function makeBaseImages(engine: Engine): void {
  const base = 'va-base/bookworm:minbase';
  docker(engine, ['import', ROOTFS_TAR, base]);

  const node = join(engine.dir, 'node-image');
  mkdirSync(node);
  cpSync(process.execPath, join(node, 'node'));
  // npm's package folder: <root>/bin/npm-cli.js is what the `npm` command links to.
  const npmCli = realpathSync(
    execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim(),
  );
  const npmRoot = dirname(dirname(npmCli));
  if (!existsSync(join(npmRoot, 'package.json'))) throw new Error(`npm is not at ${npmRoot}`);
  cpSync(npmRoot, join(node, 'npm'), { recursive: true });
  writeFileSync(
    join(node, 'Dockerfile'),
    [
      `FROM ${base}`,
      'COPY node /usr/local/bin/node',
      'COPY npm /usr/local/lib/node_modules/npm',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm' +
        ' && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx' +
        ' && groupadd --gid 1000 node' +
        ' && useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
      'CMD ["node"]',
      '',
    ].join('\n'),
  );
  docker(engine, ['build', '-q', '-t', NODE_IMAGE, node]);

  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: { livekit: { image: string } };
  };
  const image = compose.services.livekit.image;
  if (image !== `livekit/livekit-server:${LIVEKIT_SERVER_VERSION}`) {
    throw new Error(`docker-compose.yml runs ${image}, npm test builds ${LIVEKIT_SERVER_VERSION}`);
  }
  const livekit = join(engine.dir, 'livekit-image');
  mkdirSync(livekit);
  cpSync(ensureLivekitServer({ log: say }), join(livekit, 'livekit-server'));
  writeFileSync(
    join(livekit, 'Dockerfile'),
    [
      `FROM ${base}`,
      'COPY livekit-server /usr/local/bin/livekit-server',
      'ENTRYPOINT ["livekit-server"]',
      '',
    ].join('\n'),
  );
  docker(engine, ['build', '-q', '-t', image, livekit]);
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: tsx run-with-docker.ts <command> [args...]');
  process.exit(2);
}
let ns: Namespace | undefined;
let engine: Engine | undefined;
const cleanup = () => {
  if (engine) stopEngine(engine);
  engine = undefined;
  ns?.destroy();
};
process.on('exit', cleanup);
const interrupted = () => process.exit(130); // 'exit' cleans up
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, interrupted);
try {
  preflight();
  phase('debian minbase root file system', ensureRootfs);
  phase("npm cache holds this checkout's packages", ensureNpmCache);
  ns = createNamespace({ prefix: 'va-docker', subnet: SUBNET });
  const started = phase('dockerd in the namespace', () => startEngine(ns!));
  engine = started;
  phase(`base images (${NODE_IMAGE}, livekit-server)`, () => makeBaseImages(started));
} catch (err) {
  console.error(`[docker] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const child = spawn('ip', ['netns', 'exec', ns.name, command, ...args], {
  stdio: 'inherit',
  env: { ...process.env, VA_NETNS: ns.name, VA_SERVER_IP: ns.serverIp, DOCKER_HOST: engine.host },
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.off(sig, interrupted);
  process.on(sig, () => {
    child.kill(sig);
    setTimeout(() => process.exit(130), 30_000).unref();
  });
}
child.on('exit', (code, signal) => {
  const stopping = Date.now();
  cleanup();
  say(`engine stopped and removed: ${((Date.now() - stopping) / 1000).toFixed(1)} s`);
  process.exit(code ?? (signal ? 1 : 0));
});
