import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** A registry package of package-lock.json: what `npm ci` fetches for it. */
export interface LockedPackage {
  /** Its path in the lockfile (`node_modules/a/node_modules/b`). */
  key: string;
  name: string;
  version: string;
  integrity: string;
  /** The lockfile entry, for the packument (dependencies, os, cpu, bin, engines). */
  entry: Record<string, unknown>;
}

/** Every registry package package-lock.json pins (workspaces and links left out). */
export function lockedPackages(root = REPO_ROOT): LockedPackage[] {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, Record<string, unknown>>;
  };
  const out: LockedPackage[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    const { version, integrity } = entry;
    if (!key.includes('node_modules/') || entry.link || typeof integrity !== 'string') continue;
    if (typeof version !== 'string') continue;
    const name = typeof entry.name === 'string' ? entry.name : key.split('node_modules/').at(-1)!;
    out.push({ key, name, version, integrity, entry });
  }
  return out;
}

/** npm's own cache folder (`npm config get cache`). */
export function npmCacheDir(): string {
  if (process.env.npm_config_cache) return process.env.npm_config_cache;
  // Outside the repository and without `npm run -w`'s workspace setting, which `config` refuses.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_workspaces?$/i.test(k)),
  );
  return execFileSync('npm', ['config', 'get', 'cache'], {
    encoding: 'utf8',
    cwd: '/',
    env,
  }).trim();
}

/**
 * Where npm's content-addressed cache (cacache, `_cacache/content-v2`) keeps the tarball with
 * this integrity, if it has it.
 */
export function cachedTarball(cacheDir: string, integrity: string): string | undefined {
  for (const hash of integrity.split(/\s+/)) {
    const dash = hash.indexOf('-');
    if (dash < 1) continue;
    const hex = Buffer.from(hash.slice(dash + 1), 'base64').toString('hex');
    const path = join(
      cacheDir,
      '_cacache',
      'content-v2',
      hash.slice(0, dash),
      hex.slice(0, 2),
      hex.slice(2, 4),
      hex.slice(4),
    );
    if (existsSync(path)) return path;
  }
  return undefined;
}

const MANIFEST_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'os',
  'cpu',
  'libc',
  'engines',
  'bin',
  'license',
] as const;

export interface NpmMirror {
  /** `http://host:port/`, for `NPM_CONFIG_REGISTRY`. */
  readonly url: string;
  /** Requests it could not answer (a package the cache lacks), for the test's error message. */
  readonly misses: string[];
  close(): Promise<void>;
}

/**
 * A read-only npm registry for exactly the packages of package-lock.json, served from this
 * machine's npm cache: packuments made from the lockfile's entries, tarballs from cacache by
 * their integrity. It lets `npm ci` run where no registry is reachable (a Docker build inside the
 * test's network namespace) without touching the lockfile or the Dockerfiles' `npm ci`.
 */
export async function startNpmMirror(host: string, cacheDir = npmCacheDir()): Promise<NpmMirror> {
  const byName = new Map<string, LockedPackage[]>();
  for (const pkg of lockedPackages()) {
    const list = byName.get(pkg.name) ?? [];
    if (!list.some((p) => p.version === pkg.version)) list.push(pkg);
    byName.set(pkg.name, list);
  }
  const misses: string[] = [];
  let base = '';
  const tarballPath = (p: LockedPackage) =>
    `${p.name}/-/${p.name.split('/').at(-1)}-${p.version}.tgz`;

  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/^\/+/, '');
    const tgz = /^(.+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(path);
    if (tgz) {
      const pkg = byName.get(tgz[1]!)?.find((p) => p.version === tgz[2]);
      const file = pkg && cachedTarball(cacheDir, pkg.integrity);
      if (!file) {
        misses.push(path);
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `not in this machine's npm cache: ${path}` }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
      return;
    }
    const versions = byName.get(path);
    if (!versions) {
      misses.push(path);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `not in package-lock.json: ${path}` }));
      return;
    }
    const manifests = Object.fromEntries(
      versions.map((p) => [
        p.version,
        {
          name: p.name,
          version: p.version,
          ...Object.fromEntries(
            MANIFEST_FIELDS.filter((f) => p.entry[f] !== undefined).map((f) => [f, p.entry[f]]),
          ),
          dist: { tarball: `${base}${tarballPath(p)}`, integrity: p.integrity },
        },
      ]),
    );
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        name: path,
        'dist-tags': { latest: versions.at(-1)!.version },
        versions: manifests,
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  base = `http://${host}:${port}/`;
  return {
    url: base,
    misses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
