import type { ChatContext } from './context.js';

/**
 * What the agent remembers of a room between its jobs there: the conversation so far and who
 * has been greeted. A job that ends (the server restarted, the agent's connection dropped, the
 * room emptied for a moment) leaves it behind; the room's next job takes it up.
 */
export interface RoomMemory {
  readonly context: ChatContext;
  /** Identities greeted in this room: nobody is greeted twice. */
  readonly greeted: Set<string>;
}

/** One job's hold on its room's memory. */
export interface MemoryLease {
  readonly memory: RoomMemory;
  /** Whether the memory was left by an earlier job (and so holds a conversation). */
  readonly restored: boolean;
  /** The job is over: the memory is kept for the room's next job (once; later calls do nothing). */
  release(): void;
}

interface Held {
  memory: RoomMemory;
  /** The job holding it now; none: kept, waiting for the room's next job. */
  holder: { leave: () => void } | undefined;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

/** A memory of a job's own, forgotten when the job ends (no memory kept between jobs). */
export function freshMemory(create: () => ChatContext): MemoryLease {
  const context = create();
  return {
    memory: { context, greeted: new Set() },
    restored: false,
    release: () => context.close(),
  };
}

/**
 * Every room's memory in this process, by room name. One job holds a room's memory at a time:
 * a second job for the same room (the server dispatched a new one after a restart while the old
 * connection still lingered) takes it over and the first is told to leave, so a room never has
 * two agents of this process answering from one conversation. Released memory is kept for
 * `keepMs`, then closed and forgotten.
 */
export class RoomMemories {
  readonly #keepMs: number;
  readonly #rooms = new Map<string, Held>();

  constructor(opts: { keepMs: number }) {
    this.#keepMs = opts.keepMs;
  }

  /**
   * Takes `room`'s memory for a job: the one kept or held by another job (told to `leave` by
   * its own callback), else a new one made by `create`.
   */
  take(room: string, create: () => ChatContext, leave: () => void): MemoryLease {
    const held = this.#rooms.get(room);
    const holder = { leave };
    let entry: Held;
    if (held) {
      clearTimeout(held.expiry);
      held.expiry = undefined;
      const previous = held.holder;
      held.holder = holder;
      previous?.leave();
      entry = held;
    } else {
      entry = { memory: { context: create(), greeted: new Set() }, holder, expiry: undefined };
      this.#rooms.set(room, entry);
    }
    let released = false;
    return {
      memory: entry.memory,
      restored: held !== undefined,
      release: () => {
        if (released) return;
        released = true;
        // Taken over by a newer job: that job releases it.
        if (entry.holder !== holder || this.#rooms.get(room) !== entry) return;
        entry.holder = undefined;
        entry.expiry = setTimeout(() => this.#forget(room, entry), this.#keepMs);
        entry.expiry.unref?.();
      },
    };
  }

  /** Rooms whose memory is held or kept now. */
  get size(): number {
    return this.#rooms.size;
  }

  /** Closes and forgets every kept memory (the process is shutting down). */
  close(): void {
    for (const [room, entry] of this.#rooms) {
      if (entry.holder === undefined) this.#forget(room, entry);
    }
  }

  #forget(room: string, entry: Held): void {
    clearTimeout(entry.expiry);
    if (this.#rooms.get(room) !== entry || entry.holder !== undefined) return;
    this.#rooms.delete(room);
    entry.memory.context.close();
  }
}
