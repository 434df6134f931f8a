// Static checks of docker-compose.yml, the Dockerfiles and livekit.yaml against each other and
// against the repository. Needs: nothing (no Docker engine, no network); reads files only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { agentConfigSchema } from '@voice-agent/agent/config';
import { webConfigSchema } from '@voice-agent/web/config';
import { REPO_ROOT } from '../src/paths.js';

// ---- docker-compose.yml ----------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string | string[];
  volumes?: string[];
  ports?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string[] };
  profiles?: string[];
}

const composeText = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText) as {
  version?: unknown;
  services: Record<string, ComposeService>;
};
const livekitYaml = parse(readFileSync(join(REPO_ROOT, 'livekit.yaml'), 'utf8')) as {
  port: number;
  rtc: { tcp_port: number; udp_port?: number; port_range_start?: number; port_range_end?: number };
  keys: Record<string, string>;
};

function service(name: string): ComposeService {
  const s = compose.services[name];
  assert.ok(s, `docker-compose.yml declares no service "${name}"`);
  return s;
}

/** Compose interpolation as `docker compose up` does it with nothing set: the defaults. */
function interpolate(value: string, vars: Record<string, string> = {}): string {
  return value.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, name: string, fallback?: string) => {
    return vars[name] || (fallback ?? '');
  });
}

/** The environment compose hands a service, defaults applied. */
function composeEnv(name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(service(name).environment ?? {})) {
    env[k] = interpolate(v === null ? '' : String(v));
  }
  return env;
}

interface PortRange {
  hostStart: number;
  hostEnd: number;
  containerStart: number;
  containerEnd: number;
  protocol: string;
}

function parsePort(spec: string): PortRange {
  const [mapping = '', protocol = 'tcp'] = spec.split('/');
  const parts = mapping.split(':');
  const range = (s: string | undefined) => {
    const [a, b] = (s ?? '').split('-').map(Number);
    assert.ok(Number.isInteger(a), `bad port "${spec}"`);
    return [a!, b ?? a!] as const;
  };
  const [containerStart, containerEnd] = range(parts.at(-1));
  const [hostStart, hostEnd] = parts.length > 1 ? range(parts.at(-2)) : [0, 0];
  return { hostStart, hostEnd, containerStart, containerEnd, protocol };
}

const publishes = (name: string, vars: Record<string, string> = {}) =>
  (service(name).ports ?? []).map((spec) => parsePort(interpolate(String(spec), vars)));

/** The host address a published port binds to ('' means every interface). */
const publishAddress = (spec: string) => {
  const parts = spec.split('/')[0]!.split(':');
  return parts.length === 3 ? parts[0]! : '';
};

// ---- Dockerfiles -----------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
  /** The stage's WORKDIR when the instruction runs. */
  workdir: string;
}
interface Stage {
  name: string;
  instructions: Instruction[];
}

/** A line-based Dockerfile reader: comments, `\` continuations, stages and WORKDIR. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [, op = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = op.toUpperCase();
    if (upper === 'FROM') {
      const name = /\s+AS\s+(\S+)$/i.exec(args)?.[1] ?? String(stages.length);
      stages.push({ name, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    assert.ok(stage, `instruction before FROM: ${line}`);
    const prev = stage.instructions.at(-1)?.workdir ?? '/';
    const workdir = upper === 'WORKDIR' ? posix.resolve(prev, args) : prev;
    stage.instructions.push({ op: upper, args, workdir });
  }
  return stages;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
}

function parseCopy(ins: Instruction): Copy {
  const words = ins.args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const dest = posix.resolve(ins.workdir, paths.pop() ?? '');
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths, dest };
}

const of = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

function imageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of of(stage, 'ENV')) {
    for (const pair of ins.args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

function cmd(stage: Stage): { argv: string[]; workdir: string } {
  const ins = of(stage, 'CMD').at(-1);
  assert.ok(ins, `stage ${stage.name} has no CMD`);
  return { argv: JSON.parse(ins.args) as string[], workdir: ins.workdir };
}

/** `.dockerignore` patterns as regular expressions; a match on a folder excludes its contents. */
function ignoreMatchers(text: string): RegExp[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'))
    .map((p) => {
      const body = p
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '(?:.*)'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return new RegExp(`^${body}(?:/.*)?$`);
    });
}

interface Image {
  service: string;
  context: string;
  dockerfilePath: string;
  stages: Stage[];
  final: Stage;
  ignored: (path: string) => boolean;
}

function image(name: string): Image {
  const build = service(name).build;
  assert.ok(build, `service ${name} has no build section`);
  const context = resolve(REPO_ROOT, build.context);
  const dockerfilePath = resolve(context, build.dockerfile ?? 'Dockerfile');
  const stages = parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
  const final = stages.at(-1);
  assert.ok(final, `${dockerfilePath} has no FROM`);
  // BuildKit prefers <Dockerfile>.dockerignore, then .dockerignore at the context root.
  const ignoreFile = [`${dockerfilePath}.dockerignore`, join(context, '.dockerignore')].find((f) =>
    existsSync(f),
  );
  const matchers = ignoreFile ? ignoreMatchers(readFileSync(ignoreFile, 'utf8')) : [];
  const ignored = (path: string) => matchers.some((m) => m.test(posix.normalize(path)));
  return { service: name, context, dockerfilePath, stages, final, ignored };
}

const BUILT = ['agent', 'web'] as const;

/** The repository path, in the build stage, of the file an image's CMD runs. */
function cmdSource(img: Image): { stage: Stage; path: string } {
  const { argv, workdir } = cmd(img.final);
  const file = argv.find((a) => /\.[cm]?js$/.test(a));
  assert.ok(file, `${img.service}: CMD ${JSON.stringify(argv)} names no .js file`);
  const target = posix.resolve(workdir, file);
  for (const ins of of(img.final, 'COPY').reverse()) {
    const copy = parseCopy(ins);
    const rel = posix.relative(copy.dest, target);
    if (!copy.from || rel.startsWith('..') || copy.sources.length !== 1) continue;
    const stage = img.stages.find((s) => s.name === copy.from);
    assert.ok(stage, `${img.service}: COPY --from=${copy.from} names no stage`);
    const root = of(stage, 'COPY').find((c) => !parseCopy(c).from)?.workdir ?? '/';
    return { stage, path: posix.relative(root, posix.join(copy.sources[0]!, rel)) };
  }
  assert.fail(`${img.service}: no COPY --from puts ${target} in the image`);
}

const runs = (stage: Stage) => of(stage, 'RUN').map((i) => i.args);

// ---- the tests -------------------------------------------------------------------------------

describe('docker-compose stack, checked statically', () => {
  it('docker-compose.yml parses and declares the livekit, agent and web services', () => {
    assert.equal(compose.version, undefined, 'the compose spec has no `version:` key');
    const always = Object.entries(compose.services).filter(([, s]) => !s.profiles?.length);
    assert.deepEqual(always.map(([name]) => name).sort(), ['agent', 'livekit', 'web']);
    assert.match(service('livekit').image ?? '', /^livekit\/livekit-server:v\d+\.\d+\.\d+$/);
  });

  it('the observability profile: Prometheus scrapes the agent where it listens, Grafana reads it', () => {
    for (const name of ['prometheus', 'grafana']) {
      assert.deepEqual(service(name).profiles, ['observability'], name);
    }
    const scrape = parse(
      readFileSync(join(REPO_ROOT, 'observability', 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const env = composeEnv('agent');
    assert.deepEqual(scrape.scrape_configs[0]?.static_configs[0]?.targets, [
      `agent:${env.AGENT_HTTP_PORT}`,
    ]);
    assert.equal(env.AGENT_HTTP_HOST, '0.0.0.0', 'the agent listens beyond its container');
    const datasource = readFileSync(
      join(REPO_ROOT, 'observability', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
      'utf8',
    );
    assert.match(datasource, /url: http:\/\/prometheus:9090/);
    assert.ok(publishes('prometheus').every((p) => p.containerStart === 9090));
  });

  it('the multinode profile: two nodes sharing Redis, a worker on each', () => {
    // Compose itself resolves the profile (the anchors, the merged environment); no engine needed.
    const r = spawnSync('docker-compose', ['--profile', 'multinode', 'config'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        LIVEKIT_REDIS_HOST: 'redis:6379',
        AGENT_REDIS_URL: 'redis://redis:6379',
      },
    });
    assert.equal(r.status, 0, r.stderr);
    const resolved = parse(r.stdout) as { services: Record<string, ComposeService> };
    const env = (name: string) => resolved.services[name]?.environment ?? {};
    assert.equal(env('livekit').REDIS_HOST, 'redis:6379');
    assert.equal(env('livekit-b').REDIS_HOST, 'redis:6379');
    assert.equal(env('agent-b').LIVEKIT_URL, 'ws://livekit-b:7890');
    assert.equal(env('agent-b').REDIS_URL, 'redis://redis:6379');
    assert.equal(env('agent').REDIS_URL, 'redis://redis:6379', "node A's workers share it");
    assert.equal(env('agent-b').AGENT_HTTP_PORT, env('agent').AGENT_HTTP_PORT, 'same settings');
    const nodeB = parse(readFileSync(join(REPO_ROOT, 'livekit-b.yaml'), 'utf8')) as {
      port: number;
      rtc: { tcp_port: number; udp_port: number };
      keys: Record<string, string>;
    };
    assert.deepEqual(nodeB.keys, livekitYaml.keys);
    const published = (resolved.services['livekit-b']?.ports ?? []).map((p) =>
      typeof p === 'string' ? p : JSON.stringify(p),
    );
    for (const port of [nodeB.port, nodeB.rtc.tcp_port, nodeB.rtc.udp_port]) {
      assert.ok(
        published.some((p) => p.includes(String(port))),
        `livekit-b publishes ${port}`,
      );
    }
    // Unset, the first node stays a single node (an empty REDIS_HOST is no Redis).
    assert.equal(composeEnv('livekit').REDIS_HOST, '');
  });

  it('every build context, Dockerfile and bind-mounted host path exists', () => {
    for (const name of BUILT) {
      const img = image(name);
      assert.ok(existsSync(img.context), `${name}: context ${img.context}`);
      assert.ok(existsSync(img.dockerfilePath), `${name}: dockerfile ${img.dockerfilePath}`);
    }
    for (const [name, s] of Object.entries(compose.services)) {
      for (const volume of s.volumes ?? []) {
        const host = volume.split(':')[0] ?? '';
        if (!/^[./~]/.test(host)) continue; // a named volume
        assert.ok(existsSync(resolve(REPO_ROOT, host)), `${name}: bind mount ${host} is missing`);
      }
    }
    const command = [service('livekit').command ?? ''].flat().join(' ');
    const configPath = /--config[ =](\S+)/.exec(command)?.[1];
    const mounts = (service('livekit').volumes ?? []).map((v) => v.split(':')[1]);
    assert.ok(
      configPath && mounts.includes(configPath),
      `livekit reads ${configPath}, not mounted`,
    );
  });

  it('livekit publishes the signalling, TCP and UDP ports livekit.yaml listens on', () => {
    const ports = publishes('livekit');
    const same = (p: PortRange) => p.hostStart === p.containerStart && p.hostEnd === p.containerEnd;
    const find = (start: number, end: number, protocol: string) =>
      ports.find(
        (p) =>
          p.containerStart === start &&
          p.containerEnd === end &&
          p.protocol === protocol &&
          same(p),
      );
    const { port, rtc } = livekitYaml;
    assert.ok(find(port, port, 'tcp'), `signalling port ${port}/tcp`);
    assert.ok(find(rtc.tcp_port, rtc.tcp_port, 'tcp'), `rtc.tcp_port ${rtc.tcp_port}/tcp`);
    if (rtc.udp_port !== undefined) {
      assert.ok(find(rtc.udp_port, rtc.udp_port, 'udp'), `rtc.udp_port ${rtc.udp_port}/udp`);
    } else {
      assert.ok(
        find(rtc.port_range_start!, rtc.port_range_end!, 'udp'),
        `rtc.port_range ${rtc.port_range_start}-${rtc.port_range_end}/udp`,
      );
    }
  });

  it('web publishes port 3000, the port its image exposes and listens on', () => {
    const img = image('web');
    assert.ok(publishes('web').some((p) => p.hostStart === 3000 && p.containerStart === 3000));
    assert.deepEqual(
      of(img.final, 'EXPOSE').map((i) => i.args),
      ['3000'],
    );
    assert.equal(imageEnv(img.final).PORT ?? '3000', '3000');
  });

  it('the agent serves /healthz on the port its image exposes, on all interfaces', () => {
    const img = image('agent');
    const env = { ...imageEnv(img.final), ...composeEnv('agent') };
    const config = agentConfigSchema.parse(withoutEmpty(env));
    assert.deepEqual(
      of(img.final, 'EXPOSE').map((i) => i.args),
      [String(config.AGENT_HTTP_PORT)],
    );
    assert.equal(config.AGENT_HTTP_HOST, '0.0.0.0', 'other containers must reach the endpoint');
    const probe = (service('agent').healthcheck?.test ?? []).join(' ');
    assert.ok(probe.includes(`:${config.AGENT_HTTP_PORT}/healthz`), `healthcheck: ${probe}`);
    assert.equal(of(img.final, 'HEALTHCHECK').length, 1, 'the image has its own HEALTHCHECK too');
  });

  it('agent and web reach LiveKit at the livekit service, browsers at its published port', () => {
    for (const name of BUILT) {
      const url = new URL(composeEnv(name).LIVEKIT_URL ?? '');
      assert.equal(url.protocol, 'ws:', `${name}: LIVEKIT_URL`);
      assert.equal(url.hostname, 'livekit', `${name}: LIVEKIT_URL names the livekit service`);
      assert.equal(Number(url.port), livekitYaml.port, `${name}: LIVEKIT_URL port`);
    }
    const publicUrl = new URL(composeEnv('web').LIVEKIT_PUBLIC_URL ?? '');
    const signalling = publishes('livekit').find((p) => p.containerStart === livekitYaml.port);
    assert.equal(Number(publicUrl.port), signalling?.hostStart, 'LIVEKIT_PUBLIC_URL port');
  });

  it("livekit, agent and web share one key pair: livekit.yaml's by default, or the one set", () => {
    const custom = { LIVEKIT_API_KEY: 'prodkey', LIVEKIT_API_SECRET: 's'.repeat(40) };
    for (const vars of [{}, custom]) {
      const raw = service('livekit').environment?.LIVEKIT_KEYS;
      const keys = parse(interpolate(String(raw ?? ''), vars)) as Record<string, string>;
      assert.equal(Object.keys(keys).length, 1, 'LIVEKIT_KEYS holds exactly one "key: secret"');
      const [key, secret] = Object.entries(keys)[0]!;
      for (const name of BUILT) {
        const env: Record<string, string> = {};
        for (const [k, v] of Object.entries(service(name).environment ?? {})) {
          env[k] = interpolate(String(v ?? ''), vars);
        }
        assert.equal(env.LIVEKIT_API_KEY, key, `${name}: LIVEKIT_API_KEY`);
        assert.equal(env.LIVEKIT_API_SECRET, secret, `${name}: LIVEKIT_API_SECRET`);
      }
      if (vars === custom) assert.equal(key, 'prodkey');
      else assert.equal(secret, livekitYaml.keys[key], `default ${key} is livekit.yaml's pair`);
    }
  });

  it('with the development keys allowed, every port is published on 127.0.0.1 only', () => {
    assert.equal(composeEnv('agent').LIVEKIT_ALLOW_DEV_KEYS, 'true');
    assert.equal(composeEnv('web').LIVEKIT_ALLOW_DEV_KEYS, 'true');
    for (const name of ['livekit', 'web']) {
      for (const spec of service(name).ports ?? []) {
        assert.equal(publishAddress(interpolate(String(spec))), '127.0.0.1', `${name}: ${spec}`);
      }
    }
  });

  it('every variable compose sets is one the service configuration knows', () => {
    const known = { agent: shapeKeys(agentConfigSchema), web: shapeKeys(webConfigSchema) };
    for (const name of BUILT) {
      const unknown = Object.keys(composeEnv(name)).filter((k) => !known[name].includes(k));
      assert.deepEqual(unknown, [], `${name}: variables its config schema does not read`);
    }
  });

  it('the agent accepts the environment compose and its image give it by default', () => {
    const env = { ...imageEnv(image('agent').final), ...composeEnv('agent') };
    assert.doesNotThrow(() => agentConfigSchema.parse(withoutEmpty(env)));
  });

  it('the web app accepts the environment compose and its image give it by default', () => {
    const img = image('web');
    const env = { ...imageEnv(img.final), ...composeEnv('web') };
    // Next's standalone server.js forces NODE_ENV=production whatever the environment says.
    if (cmdSource(img).path.includes('/.next/standalone/')) env.NODE_ENV = 'production';
    assert.doesNotThrow(() => webConfigSchema.parse(withoutEmpty(env)));
  });

  it('every COPY source exists in the build context and is not excluded by .dockerignore', () => {
    for (const name of BUILT) {
      const img = image(name);
      for (const stage of img.stages) {
        for (const copy of of(stage, 'COPY').map(parseCopy)) {
          if (copy.from) continue;
          for (const source of copy.sources) {
            const where = `${name} (${stage.name}): COPY ${source}`;
            assert.ok(existsSync(join(img.context, source)), `${where}: missing`);
            assert.ok(!img.ignored(source), `${where}: excluded by .dockerignore`);
          }
        }
      }
    }
  });

  it('each image runs a file its build stage produces', () => {
    for (const name of BUILT) {
      const img = image(name);
      const { stage, path } = cmdSource(img);
      const tsc = /^([^/]+)\/dist\/(.+)\.js$/.exec(path);
      const next = /^([^/]+)\/\.next\/standalone\/(.+)$/.exec(path);
      if (tsc) {
        const [, ws = '', rest = ''] = tsc;
        const pkg = JSON.parse(readFileSync(join(img.context, ws, 'package.json'), 'utf8')) as {
          scripts: { build: string };
        };
        const project = /-p\s+(\S+)/.exec(pkg.scripts.build)?.[1] ?? 'tsconfig.json';
        const tsconfig = JSON.parse(readFileSync(join(img.context, ws, project), 'utf8')) as {
          compilerOptions: { outDir?: string; rootDir?: string };
        };
        assert.equal(tsconfig.compilerOptions.outDir, 'dist', `${ws}/${project} outDir`);
        const src = join(img.context, ws, tsconfig.compilerOptions.rootDir ?? '.', `${rest}.ts`);
        assert.ok(existsSync(src), `${name}: ${path} has no source ${src}`);
        assert.ok(
          runs(stage).some((r) => r.includes(`npm run build -w ${ws}`)),
          `builds ${ws}`,
        );
      } else if (next) {
        const [, ws = '', rest = ''] = next;
        assert.equal(rest, `${ws}/server.js`, `${name}: standalone server path`);
        const build = `NEXT_OUTPUT=standalone npm run build -w ${ws}`;
        assert.ok(
          runs(stage).some((r) => r.includes(build)),
          `${name}: ${build}`,
        );
        const nextConfig = readFileSync(join(img.context, ws, 'next.config.ts'), 'utf8');
        assert.match(nextConfig, /NEXT_OUTPUT === 'standalone'/);
      } else {
        assert.fail(`${name}: no rule says which build produces ${path}`);
      }
    }
  });

  it('the runtime image carries the built output of every workspace it installs', () => {
    for (const name of BUILT) {
      const img = image(name);
      const installed = runs(img.final)
        .filter((r) => r.includes('npm ci'))
        .flatMap((r) => [...r.matchAll(/-w\s+(\S+)/g)].map((m) => m[1] ?? ''));
      const copied = of(img.final, 'COPY').map((i) => parseCopy(i).dest);
      for (const ws of installed) {
        const dist = posix.join(of(img.final, 'RUN')[0]?.workdir ?? '/', ws, 'dist');
        assert.ok(copied.includes(dist), `${name}: installs ${ws} but copies no ${dist}`);
      }
    }
  });
});

/** The top-level variable names of a zod object schema, through refinements and transforms. */
function shapeKeys(schema: unknown): string[] {
  let s = schema as { shape?: object; in?: unknown } | undefined;
  while (s) {
    if (s.shape) return Object.keys(s.shape);
    s = s.in as typeof s;
  }
  assert.fail('no object schema found');
}

/** As `readEnv` does: an empty variable counts as unset. */
function withoutEmpty(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
}
