import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { LOG_DIR } from './paths.js';

const running = new Set<ManagedProcess>();
process.on('exit', () => {
  for (const p of running) p.killNow();
});

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * A child process in its own process group, with its output kept (in memory and in
 * `e2e/.logs/<name>.log`) so tests can wait for lines and show the tail when they fail. Every
 * process is killed when the test process exits, however it exits.
 */
export class ManagedProcess {
  readonly name: string;
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<(line: string) => void>();

  constructor(name: string, command: string, args: string[], opts: SpawnOptions = {}) {
    this.name = name;
    mkdirSync(LOG_DIR, { recursive: true });
    const file = createWriteStream(join(LOG_DIR, `${name}.log`));
    this.#child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(this);
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      stream.pipe(file, { end: false });
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        for (const w of this.#waiters) w(line);
      });
    }
    this.exited = new Promise((resolve) =>
      this.#child.once('exit', (code, signal) => {
        running.delete(this);
        // The last line of every log says how the process ended: a crash shows here, not as silence.
        file.end(`[${name} exited: ${signal ? `signal ${signal}` : `code ${code}`}]\n`);
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** Resolves with the first line (past or future) that matches, or rejects after `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what = 'line'): Promise<string> {
    const seen = this.lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onLine = (line: string) => {
        if (!match(line)) return;
        cleanup();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      void this.exited.then(({ code, signal }) => {
        cleanup();
        reject(new Error(`${this.name} exited (${code ?? signal}) before ${what}\n${this.tail()}`));
      });
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(onLine);
      };
      this.#waiters.add(onLine);
    });
  }

  tail(n = 30): string {
    return this.lines
      .slice(-n)
      .map((l) => `  [${this.name}] ${l}`)
      .join('\n');
  }

  /** Sends `signal` to the whole group and waits; SIGKILL after `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000) {
    if (!running.has(this)) return this.exited;
    this.#signal(signal);
    const timer = setTimeout(() => this.#signal('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  killNow(): void {
    this.#signal('SIGKILL');
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stops every process this test file started (use in `after`). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGTERM', 5_000)));
}
