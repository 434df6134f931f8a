import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { ffiDispatchStats, markRoomListener, routeFfiEvents } from './ffi_dispatch.js';

const event = (kind: string) => ({ message: { case: kind, value: {} } });

describe('FFI event routing', () => {
  it('gives Room listeners room events and RPC invocations only; everyone else everything', () => {
    const client = new EventEmitter();
    routeFfiEvents(client);
    const got: string[] = [];
    const room = (ev: unknown) =>
      void got.push(`room ${(ev as ReturnType<typeof event>).message.case}`);
    const stream = (ev: unknown) =>
      void got.push(`stream ${(ev as ReturnType<typeof event>).message.case}`);
    markRoomListener(room);
    client.on('ffi_event', room);
    client.on('ffi_event', stream);
    const skipped = ffiDispatchStats.skipped;
    for (const kind of [
      'audioStreamEvent',
      'roomEvent',
      'captureAudioFrame',
      'rpcMethodInvocation',
    ])
      client.emit('ffi_event', event(kind));
    assert.deepEqual(got, [
      'stream audioStreamEvent',
      'room roomEvent',
      'stream roomEvent',
      'stream captureAudioFrame',
      'room rpcMethodInvocation',
      'stream rpcMethodInvocation',
    ]);
    assert.equal(ffiDispatchStats.skipped - skipped, 2);
  });

  it('keeps EventEmitter semantics: once-listeners run once, removal inside a call holds', () => {
    const client = new EventEmitter();
    routeFfiEvents(client);
    let once = 0;
    let later = 0;
    client.once('ffi_event', () => once++);
    const off = () => client.off('ffi_event', laterListener);
    const laterListener = () => later++;
    client.on('ffi_event', off);
    client.on('ffi_event', laterListener);
    client.emit('ffi_event', event('audioStreamEvent'));
    client.emit('ffi_event', event('audioStreamEvent'));
    assert.equal(once, 1);
    assert.equal(later, 1, 'called on the first event (the copy), removed before the second');
    assert.equal(client.emit('other', 1), false, 'other event names pass through');
  });
});
