import type { ChildProcess, SpawnOptions } from 'node:child_process';

export declare const LIVEKIT_SERVER_VERSION: string;
export declare const livekitConfigPath: string;
export declare function ensureLivekitServer(opts?: { log?: (message: string) => void }): string;
export declare function spawnLivekitServer(
  extraArgs?: string[],
  options?: SpawnOptions,
): ChildProcess;
