#!/usr/bin/env node
// `npm run dev`: livekit-server (with livekit.yaml), the agent and the web app in one terminal.
// Prints the URL to open; Ctrl-C stops all three (each in its own process group, so nothing they
// started outlives them). Settings come from the environment and the top-level `.env`; when they
// name a LIVEKIT_URL, that server is used and no local one is started.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnv } from '@voice-agent/common';
import { ensureLivekitServer, livekitConfigPath } from './livekit-server.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const WEB_PORT = process.env.PORT || '3000';
/** Where the three listen: this machine only, since the development key pair is public. */
const HOST = '127.0.0.1';
const STOP_TIMEOUT_MS = 8_000;

const colours = { dev: 1, livekit: 35, agent: 36, web: 32 };
const tag = (name) =>
  process.stdout.isTTY ? `\x1b[${colours[name]}m[${name}]\x1b[0m ` : `[${name}] `;
const say = (msg) => process.stdout.write(`${tag('dev')}${msg}\n`);

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const children = new Map();
let stopping = false;

function start(name, command, args, opts = {}) {
  const child = spawn(command, args, {
    cwd: opts.cwd ?? root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stop() signals everything it started
  });
  children.set(name, child);
  const prefix = tag(name);
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.once('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      say(`${name} exited (${signal ?? `code ${code}`}); stopping the others`);
      void stopAll(1);
    }
  });
  return child;
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', r));
}

/** Agent first (it leaves its rooms), then web, then the server they both talk to. */
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const name of ['agent', 'web', 'livekit']) {
    const child = children.get(name);
    if (!child) continue;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_TIMEOUT_MS);
    await exited(child);
    clearTimeout(timer);
    signalGroup(child, 'SIGKILL'); // anything the process left behind in its group
  }
  say('stopped');
  process.exit(code);
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000} s`);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGHUP', () => void stopAll(0));

try {
  const configured = readEnv(process.env, join(root, '.env')).LIVEKIT_URL;
  const env = { LIVEKIT_URL: configured ?? `ws://${HOST}:7880` };
  if (configured) {
    say(`using the LiveKit server at ${configured} (LIVEKIT_URL); not starting a local one`);
  } else {
    const server = ensureLivekitServer({ log: say });
    start('livekit', server, ['--config', livekitConfigPath, '--bind', HOST]);
    await waitForHttp(`http://${HOST}:7880/`, 20_000);
  }
  start('agent', bin('tsx'), ['--disable-warning=ExperimentalWarning', 'src/main.ts'], {
    cwd: join(root, 'agent'),
    env,
  });
  start('web', bin('next'), ['dev', '-H', HOST, '-p', WEB_PORT], {
    cwd: join(root, 'web'),
    env: { ...env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  // The first request makes `next dev` compile the page, so "ready" means ready.
  await waitForHttp(`http://${HOST}:${WEB_PORT}/`, 120_000);
  say(`ready: open http://localhost:${WEB_PORT} (Ctrl-C stops livekit-server, agent and web)`);
} catch (err) {
  say(`error: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll(1);
}
