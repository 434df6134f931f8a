import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const E2E_ROOT = join(REPO_ROOT, 'e2e');
export const LOG_DIR = join(
  E2E_ROOT,
  '.logs',
  basename(process.argv[1] ?? `run-${process.pid}`).replace(/\.test\.ts$/, ''),
);
export const CACHE_DIR = join(REPO_ROOT, '.cache', 'e2e');
