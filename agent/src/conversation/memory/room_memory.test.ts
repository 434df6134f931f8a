import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChatContext } from './context.js';
import { RoomMemories } from './room_memory.js';

const newContext = () => new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });

describe('RoomMemories', () => {
  it('gives the next job in a room the conversation the last one left', () => {
    const memories = new RoomMemories({ keepMs: 60_000 });
    const first = memories.take('kitchen', newContext, () => {});
    assert.equal(first.restored, false);
    first.memory.context.addUser('Ana', 'My flight is at nine.');
    first.memory.greeted.add('ana-1');
    first.release();

    const second = memories.take('kitchen', newContext, () => {});
    assert.equal(second.restored, true);
    assert.equal(second.memory.context, first.memory.context);
    assert.ok(second.memory.greeted.has('ana-1'), 'Ana is not greeted a second time');
    const said = second.memory.context.messages().map((m) => m.content);
    assert.ok(said.includes('Ana: My flight is at nine.'));
    second.release();
    memories.close();
  });

  it('keeps rooms apart', () => {
    const memories = new RoomMemories({ keepMs: 60_000 });
    const a = memories.take('a', newContext, () => {});
    a.memory.greeted.add('ana-1');
    a.release();
    const b = memories.take('b', newContext, () => {});
    assert.equal(b.restored, false);
    assert.equal(b.memory.greeted.size, 0);
    b.release();
    memories.close();
  });

  it('a newer job takes the memory over from a job still in the room, which is told to leave', () => {
    const memories = new RoomMemories({ keepMs: 60_000 });
    let oldLeft = 0;
    const old = memories.take('kitchen', newContext, () => oldLeft++);
    let newerLeft = 0;
    const newer = memories.take('kitchen', newContext, () => newerLeft++);
    assert.equal(oldLeft, 1);
    assert.equal(newer.restored, true);
    assert.equal(newer.memory, old.memory);
    // The old job ends after the handover: that must not start the memory's expiry.
    old.release();
    old.release();
    assert.equal(oldLeft, 1);
    assert.equal(newerLeft, 0, 'the newer job stays');
    const third = memories.take('kitchen', newContext, () => {});
    assert.equal(third.memory, old.memory, 'still the one conversation');
    assert.equal(newerLeft, 1);
    third.release();
    memories.close();
  });

  it('forgets a room kept longer than keepMs, and closes its context', async () => {
    const memories = new RoomMemories({ keepMs: 20 });
    const first = memories.take('kitchen', newContext, () => {});
    first.memory.greeted.add('ana-1');
    first.release();
    assert.equal(memories.size, 1);
    await sleep(60);
    assert.equal(memories.size, 0);
    const next = memories.take('kitchen', newContext, () => {});
    assert.equal(next.restored, false);
    assert.equal(next.memory.greeted.size, 0);
    next.release();
    memories.close();
  });

  it('a job that takes a kept memory stops its expiry', async () => {
    const memories = new RoomMemories({ keepMs: 30 });
    memories.take('kitchen', newContext, () => {}).release();
    const again = memories.take('kitchen', newContext, () => {});
    await sleep(80);
    assert.equal(memories.size, 1, 'held memory is never forgotten');
    again.release();
    memories.close();
    assert.equal(memories.size, 0, 'close forgets what is only kept');
  });
});
