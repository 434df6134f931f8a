import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concat, Pcm16Assembler, pcmToBytes } from './pcm.js';

const SAMPLES = Int16Array.from([0, 1, -1, 32767, -32768, 258, -258, 12345, -12345]);

describe('Pcm16Assembler', () => {
  it('rebuilds the samples whatever the network chunk boundaries', () => {
    const bytes = new Uint8Array(pcmToBytes(SAMPLES));
    for (const size of [1, 2, 3, 5, 7, bytes.length]) {
      const pcm = new Pcm16Assembler();
      const parts: Int16Array[] = [];
      for (let at = 0; at < bytes.length; at += size)
        parts.push(pcm.push(bytes.subarray(at, at + size)));
      assert.deepEqual(concat(parts), SAMPLES, `chunks of ${size} bytes`);
      assert.equal(pcm.pending, false);
    }
  });

  it('holds a dangling byte (also from a chunk at an odd offset of its buffer)', () => {
    const backing = new Uint8Array([0xff, 0x34, 0x12, 0x78]);
    const pcm = new Pcm16Assembler();
    assert.deepEqual(pcm.push(backing.subarray(1, 2)), new Int16Array(0));
    assert.equal(pcm.pending, true);
    assert.deepEqual(pcm.push(backing.subarray(2, 3)), Int16Array.from([0x1234]));
    assert.deepEqual(pcm.push(backing.subarray(3)), new Int16Array(0));
    assert.equal(pcm.pending, true);
  });
});
