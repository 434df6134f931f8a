import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

/** The npm workspace root: `@voice-agent/common` and the hoisted node_modules live there. */
const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `NEXT_OUTPUT=standalone` (set by the Dockerfile) builds a self-contained server,
 * `.next/standalone/web/server.js`; without it, `next start` serves the build as usual.
 */
const standalone = process.env.NEXT_OUTPUT === 'standalone';

const nextConfig: NextConfig = {
  ...(standalone ? { output: 'standalone' as const } : {}),
  outputFileTracingRoot: workspaceRoot,
  turbopack: { root: workspaceRoot },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
