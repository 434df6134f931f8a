import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeWav, parseWav } from './wav.js';

/** A RIFF chunk: 4-character id, little-endian size, body, and a pad byte when the size is odd. */
function chunk(id: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length & 1));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  view.setUint32(4, body.length, true);
  out.set(body, 8);
  return out;
}

function fmtBody(format: number, channels: number, sampleRate: number, bits: number): Uint8Array {
  const body = new Uint8Array(16);
  const view = new DataView(body.buffer);
  const blockAlign = (channels * bits) / 8;
  view.setUint16(0, format, true);
  view.setUint16(2, channels, true);
  view.setUint32(4, sampleRate, true);
  view.setUint32(8, sampleRate * blockAlign, true);
  view.setUint16(12, blockAlign, true);
  view.setUint16(14, bits, true);
  return body;
}

function riff(...chunks: Uint8Array[]): Uint8Array {
  const size = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(12 + size);
  const view = new DataView(out.buffer);
  out.set([...'RIFF'].map((c) => c.charCodeAt(0)));
  view.setUint32(4, 4 + size, true);
  out.set(
    [...'WAVE'].map((c) => c.charCodeAt(0)),
    8,
  );
  let at = 12;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function pcmBytes(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((s, i) => view.setInt16(i * 2, s, true));
  return out;
}

const SAMPLES = Int16Array.from([0, 1, -1, 32767, -32768, 12345, -12345, 256, -256, 7]);

describe('WAV round trip', () => {
  it('encodeWav -> parseWav keeps rate, channels and every sample', () => {
    const parsed = parseWav(encodeWav({ samples: SAMPLES, sampleRate: 24_000, channels: 1 }));
    assert.equal(parsed.sampleRate, 24_000);
    assert.equal(parsed.channels, 1);
    assert.deepEqual([...parsed.samples], [...SAMPLES]);
  });

  it('stereo at 48 kHz', () => {
    const stereo = Int16Array.from({ length: 960 }, (_, i) => ((i * 997) % 65536) - 32768);
    const parsed = parseWav(encodeWav({ samples: stereo, sampleRate: 48_000, channels: 2 }));
    assert.equal(parsed.sampleRate, 48_000);
    assert.equal(parsed.channels, 2);
    assert.deepEqual([...parsed.samples], [...stereo]);
  });

  it('an empty recording round-trips to no samples', () => {
    const parsed = parseWav(
      encodeWav({ samples: new Int16Array(0), sampleRate: 16_000, channels: 1 }),
    );
    assert.equal(parsed.samples.length, 0);
    assert.equal(parsed.sampleRate, 16_000);
  });

  it('the encoded file is a canonical 44-byte header plus the data', () => {
    const wav = encodeWav({ samples: SAMPLES, sampleRate: 24_000, channels: 1 });
    assert.equal(wav.length, 44 + SAMPLES.length * 2);
    const view = new DataView(wav.buffer, wav.byteOffset, wav.byteLength);
    assert.equal(view.getUint32(4, true), wav.length - 8, 'RIFF size');
    assert.equal(view.getUint32(28, true), 24_000 * 2, 'byte rate');
    assert.equal(view.getUint16(32, true), 2, 'block align');
  });

  it('parses a file that sits at an offset inside a larger buffer', () => {
    const wav = encodeWav({ samples: SAMPLES, sampleRate: 8_000, channels: 1 });
    const big = new Uint8Array(wav.length + 7);
    big.set(wav, 3);
    const parsed = parseWav(big.subarray(3, 3 + wav.length));
    assert.deepEqual([...parsed.samples], [...SAMPLES]);
    assert.equal(parsed.sampleRate, 8_000);
  });
});

describe('WAV chunks before the data', () => {
  it('an odd-sized LIST chunk between fmt and data is skipped with its pad byte', () => {
    const list = chunk('LIST', new TextEncoder().encode('INFOx')); // 5 bytes: padded to 6
    assert.equal(list.length, 8 + 6);
    const wav = riff(
      chunk('fmt ', fmtBody(1, 1, 16_000, 16)),
      list,
      chunk('data', pcmBytes(SAMPLES)),
    );
    const parsed = parseWav(wav);
    assert.equal(parsed.sampleRate, 16_000);
    assert.deepEqual([...parsed.samples], [...SAMPLES]);
  });

  it('an odd-sized chunk before fmt is skipped too', () => {
    const wav = riff(
      chunk('JUNK', new Uint8Array([1, 2, 3])),
      chunk('fmt ', fmtBody(1, 2, 44_100, 16)),
      chunk('data', pcmBytes(SAMPLES)),
    );
    const parsed = parseWav(wav);
    assert.equal(parsed.sampleRate, 44_100);
    assert.equal(parsed.channels, 2);
    assert.deepEqual([...parsed.samples], [...SAMPLES]);
  });

  it('a data chunk that claims more than the file holds yields the samples present', () => {
    const data = chunk('data', pcmBytes(SAMPLES));
    new DataView(data.buffer).setUint32(4, 1_000_000, true);
    const parsed = parseWav(riff(chunk('fmt ', fmtBody(1, 1, 16_000, 16)), data));
    assert.deepEqual([...parsed.samples], [...SAMPLES]);
  });
});

describe('WAV rejection', () => {
  it('a non-WAV buffer', () => {
    const text = new TextEncoder().encode('this is not a wave file at all');
    assert.throws(() => parseWav(text), { message: 'not a RIFF/WAVE file' });
  });

  it('a buffer shorter than the RIFF header', () => {
    assert.throws(() => parseWav(new TextEncoder().encode('RIFF')), {
      message: 'not a RIFF/WAVE file',
    });
  });

  it('a RIFF file that is not WAVE', () => {
    const avi = riff();
    avi.set(
      [...'AVI '].map((c) => c.charCodeAt(0)),
      8,
    );
    assert.throws(() => parseWav(avi), { message: 'not a RIFF/WAVE file' });
  });

  it('8-bit PCM', () => {
    const wav = riff(chunk('fmt ', fmtBody(1, 1, 8_000, 8)), chunk('data', new Uint8Array(10)));
    assert.throws(() => parseWav(wav), /unsupported WAV encoding \(format 1, 8 bits\)/);
  });

  it('32-bit float', () => {
    const wav = riff(chunk('fmt ', fmtBody(3, 1, 48_000, 32)), chunk('data', new Uint8Array(16)));
    assert.throws(() => parseWav(wav), /unsupported WAV encoding \(format 3, 32 bits\)/);
  });

  it('data before fmt', () => {
    const wav = riff(chunk('data', pcmBytes(SAMPLES)), chunk('fmt ', fmtBody(1, 1, 8_000, 16)));
    assert.throws(() => parseWav(wav), /data chunk before fmt/);
  });

  it('no data chunk', () => {
    const wav = riff(chunk('fmt ', fmtBody(1, 1, 8_000, 16)));
    assert.throws(() => parseWav(wav), /no data chunk/);
  });
});
