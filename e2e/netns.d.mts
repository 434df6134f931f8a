export interface Namespace {
  readonly name: string;
  /** `<subnet>.1`: where the test's servers listen. */
  readonly serverIp: string;
  /** `<subnet>.2`: the other end of the veth pair. */
  readonly peerIp: string;
  /** Kills every process still in the namespace and deletes it (idempotent). */
  destroy(): void;
}

export declare function assertCanCreateNamespace(): void;
export declare function createNamespace(options?: { prefix?: string; subnet?: string }): Namespace;
