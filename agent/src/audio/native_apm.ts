/**
 * WebRTC's audio processing module (its echo canceller AEC3), as built into
 * @livekit/rtc-node's native layer.
 *
 * rtc-node 1.1 carries it in its FFI protocol (NewApmRequest, ApmProcessStreamRequest,
 * ApmProcessReverseStreamRequest) but not in its JS API, so this makes those requests itself,
 * through @livekit/rtc-ffi-bindings: the package rtc-node loads its native library from. Its
 * version is pinned to the one rtc-node 1.1 depends on, so both use the one library.
 *
 * The requests are synchronous: each processes one 10 ms frame in place.
 */
import {
  FfiHandle,
  FfiRequest,
  FfiResponse,
  livekitFfiRequest,
  livekitRetrievePtr,
} from '@livekit/rtc-ffi-bindings';
import type { PartialMessage } from '@livekit/rtc-ffi-bindings';

type Request = NonNullable<PartialMessage<FfiRequest>['message']>;

function request(message: Request): FfiResponse['message'] {
  const bytes = livekitFfiRequest(new FfiRequest({ message }).toBinary());
  return FfiResponse.fromBinary(bytes).message;
}

/** One echo canceller: the far end (what was played) in, the near end (a microphone) cleaned. */
export class NativeEchoCanceller {
  readonly #handle: FfiHandle;
  readonly #id: bigint;
  #closed = false;

  constructor() {
    const res = request({
      case: 'newApm',
      value: {
        echoCancellerEnabled: true,
        // VAD and STT get the microphone otherwise as it is.
        gainControllerEnabled: false,
        highPassFilterEnabled: false,
        noiseSuppressionEnabled: false,
      },
    });
    const id = res.case === 'newApm' ? res.value.apm?.handle?.id : undefined;
    if (id === undefined) throw new Error('the native audio processing module was not created');
    this.#id = id;
    this.#handle = new FfiHandle(id);
  }

  /** Gives the canceller 10 ms of what was played, aligned with the next capture frame. */
  farEnd(frame: Int16Array, sampleRate: number): void {
    this.#process('apmProcessReverseStream', frame, sampleRate);
  }

  /** Removes the echo from 10 ms of microphone audio, in place. */
  nearEnd(frame: Int16Array, sampleRate: number): void {
    this.#process('apmProcessStream', frame, sampleRate);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handle.dispose();
  }

  #process(
    kind: 'apmProcessReverseStream' | 'apmProcessStream',
    frame: Int16Array,
    sampleRate: number,
  ): void {
    if (this.#closed) throw new Error('echo canceller closed');
    if (frame.length * 100 !== sampleRate) {
      throw new Error(`echo canceller: ${frame.length} samples is not 10 ms at ${sampleRate} Hz`);
    }
    const bytes = new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
    const value = {
      apmHandle: this.#id,
      dataPtr: livekitRetrievePtr(bytes),
      size: bytes.byteLength,
      sampleRate,
      numChannels: 1,
    };
    const res = request({ case: kind, value } as Request);
    const error = res.case === kind ? res.value.error : `unexpected response ${String(res.case)}`;
    if (error) throw new Error(`echo canceller: ${error}`);
  }
}
