export declare const LIVEKIT_SERVER_VERSION: string;
export declare const livekitConfigPath: string;
export declare function ensureLivekitServer(opts?: { log?: (message: string) => void }): string;
export declare function spawnLivekitServer(
  extraArgs?: string[],
  options?: import('node:child_process').SpawnOptions,
): import('node:child_process').ChildProcess;
