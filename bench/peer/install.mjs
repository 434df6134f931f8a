#!/usr/bin/env node
// Installs the peer's own package (LiveKit Agents JS 1.9; about 30 s and 500 MB the first time)
// unless it is there already. Runs before the benchmark enters its network namespace, which has
// no route to the npm registry.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
if (!existsSync(join(dir, 'node_modules', '@livekit', 'agents', 'package.json'))) {
  console.error('installing the peer (LiveKit Agents JS 1.9) into bench/peer ...');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
}
