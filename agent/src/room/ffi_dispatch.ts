/**
 * Keeps @livekit/rtc-node's event delivery from growing with the square of the rooms in a
 * process.
 *
 * rtc-node (1.1) hands every event of the native layer (each 10 ms audio frame received, each
 * frame-captured callback, each room event) to every listener in the process: every Room,
 * every AudioStream, every pending request. A Room's listener is the costly one: for each event,
 * of any room, it takes the Room's async lock before it looks whether the event is its own.
 * With k rooms that is about k x 200 events a second, each to k Rooms: at 10 rooms the Rooms'
 * listeners took more CPU than voice activity detection, and the lock queues delayed joins.
 *
 * A Room only ever handles room events and RPC invocations (Room.processFfiEvent returns on
 * anything else); so the Room listeners are given only those, and every other listener gets
 * every event as before. Installed once per process, before the first Room connects.
 */
import { Room } from '@livekit/rtc-node';

/** The two event kinds Room.processFfiEvent handles; it returns on anything else. */
const ROOM_EVENT_KINDS = new Set(['roomEvent', 'rpcMethodInvocation']);

type Listener = (event: unknown) => unknown;
interface FfiClientLike {
  emit(name: string | symbol, ...args: unknown[]): boolean;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- EventEmitter's own type
  rawListeners(name: string | symbol): Function[];
}
interface FfiEventLike {
  message?: { case?: string };
}

const roomListeners = new WeakSet<Listener>();
let installed = false;

/** Counts, for tests and benchmarks: listener calls made, and Room listener calls skipped. */
export const ffiDispatchStats = { events: 0, skipped: 0 };

export function installFfiDispatch(): void {
  if (installed) return;
  installed = true;
  const connect = Room.prototype.connect;
  Room.prototype.connect = function (this: Room, ...args) {
    // A private field of Room: its listener, registered by connect() itself.
    const listener = (this as unknown as { onFfiEvent?: Listener }).onFfiEvent;
    if (listener) markRoomListener(listener);
    return connect.apply(this, args);
  };
  // rtc-node creates its one client lazily, as globalThis._ffiClientInstance.
  const g = globalThis as { _ffiClientInstance?: FfiClientLike };
  if (g._ffiClientInstance) {
    routeFfiEvents(g._ffiClientInstance);
    return;
  }
  let client: FfiClientLike | undefined;
  Object.defineProperty(globalThis, '_ffiClientInstance', {
    configurable: true,
    enumerable: false,
    get: () => client,
    set: (value: FfiClientLike) => {
      client = value;
      routeFfiEvents(value);
    },
  });
}

/** A Room's event listener: it gets room events and RPC invocations only. */
export function markRoomListener(listener: Listener): void {
  roomListeners.add(listener);
}

/** Makes `client` (rtc-node's FfiClient) deliver other events to everyone but Room listeners. */
export function routeFfiEvents(client: FfiClientLike): void {
  const emit = client.emit.bind(client);
  client.emit = (name, ...args) => {
    const event = args[0] as FfiEventLike | undefined;
    if (name !== 'ffi_event' || ROOM_EVENT_KINDS.has(event?.message?.case ?? '')) {
      return emit(name, ...args);
    }
    // EventEmitter semantics kept: a copy of the listeners, called in order, synchronously.
    const listeners = client.rawListeners(name);
    ffiDispatchStats.events++;
    for (const listener of listeners) {
      if (roomListeners.has(listener as Listener)) {
        ffiDispatchStats.skipped++;
        continue;
      }
      (listener as Listener).call(client, event);
    }
    return listeners.length > 0;
  };
}

interface RoomEventLike {
  message?: {
    case?: string;
    value?: { roomHandle?: bigint; message?: { case?: string; value?: { trackSid?: string } } };
  };
}

/**
 * Watches `room` for someone subscribing to one of its own tracks, from rtc-node's raw events:
 * rtc-node 1.1 drops LocalTrackSubscribed when it comes before publishTrack() has returned
 * (it logs "Publication not found"), which under load it does. Watch from before publishing;
 * close() when done (the watcher sees every event of the process meanwhile).
 */
export function watchLocalSubscriptions(room: Room): {
  subscribed(trackSid: string): Promise<void>;
  close(): void;
} {
  const client = (globalThis as { _ffiClientInstance?: NodeJS.EventEmitter })._ffiClientInstance;
  const handle = (room as unknown as { ffiHandle?: { handle: bigint } }).ffiHandle?.handle;
  const seen = new Set<string>();
  const waiting = new Map<string, () => void>();
  const listener = (event: RoomEventLike) => {
    const m = event.message;
    if (m?.case !== 'roomEvent' || m.value?.roomHandle !== handle) return;
    const inner = m.value?.message;
    const sid = inner?.case === 'localTrackSubscribed' ? inner.value?.trackSid : undefined;
    if (!sid) return;
    seen.add(sid);
    waiting.get(sid)?.();
  };
  client?.on('ffi_event', listener);
  return {
    subscribed: (trackSid) =>
      seen.has(trackSid)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiting.set(trackSid, resolve)),
    close: () => {
      client?.off('ffi_event', listener);
      waiting.clear();
    },
  };
}
