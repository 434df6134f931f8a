/** 16-bit little-endian PCM on the wire <-> Int16Array samples, for provider streams. */
import { endianness } from 'node:os';
import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** The samples as s16le bytes (a view on little-endian hosts, a swapped copy otherwise). */
export function pcmToBytes(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN_HOST)
    return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = Buffer.alloc(samples.byteLength);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, i * 2);
  return out;
}

/**
 * Turns a byte stream of s16le PCM into Int16Array chunks. Network chunks may split a sample
 * (odd lengths, odd offsets): the dangling byte is kept for the next chunk.
 */
export class Pcm16Assembler {
  #carry: number | undefined;

  /** The whole samples completed by `bytes` (possibly empty). */
  push(bytes: Uint8Array): Int16Array {
    const total = bytes.length + (this.#carry === undefined ? 0 : 1);
    const out = new Int16Array(total >> 1);
    let i = 0;
    let s = 0;
    if (this.#carry !== undefined && bytes.length > 0) {
      out[s++] = toInt16(this.#carry, bytes[0] ?? 0);
      this.#carry = undefined;
      i = 1;
    }
    for (; i + 1 < bytes.length; i += 2) out[s++] = toInt16(bytes[i] ?? 0, bytes[i + 1] ?? 0);
    if (i < bytes.length) this.#carry = bytes[i];
    return out;
  }

  /** True when a byte is waiting for its pair (at the end of a stream: a truncated sample). */
  get pending(): boolean {
    return this.#carry !== undefined;
  }
}

function toInt16(lo: number, hi: number): number {
  return ((hi << 24) >> 16) | lo;
}

/** Resamples a mono stream chunk by chunk (filter state carries across chunks). */
export class StreamResampler {
  readonly #from: number;
  readonly #resampler: AudioResampler;
  #closed = false;

  constructor(from: number, to: number) {
    this.#from = from;
    this.#resampler = new AudioResampler(from, to, 1, AudioResamplerQuality.MEDIUM);
  }

  push(samples: Int16Array): Int16Array {
    if (samples.length === 0) return samples;
    return concat(
      this.#resampler
        .push(new AudioFrame(samples, this.#from, 1, samples.length))
        .map((f) => f.data),
    );
  }

  /** The tail held in the filter; closes the resampler. */
  flush(): Int16Array {
    try {
      return concat(this.#resampler.flush().map((f) => f.data));
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#resampler.close();
  }
}

export function concat(parts: readonly Int16Array[]): Int16Array {
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
