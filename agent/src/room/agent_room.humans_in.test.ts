import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ParticipantInfo, ParticipantInfo_Kind } from '@livekit/protocol';
import { humansIn } from './agent_room.js';

it('lists the humans of a room as the server gives them, without agents', async () => {
  const asked: string[] = [];
  const people = humansIn({
    listParticipants: (room: string) => {
      asked.push(room);
      return Promise.resolve([
        new ParticipantInfo({ identity: 'ana', name: 'Ana' }),
        new ParticipantInfo({ identity: 'agent-1', name: 'Sam', kind: ParticipantInfo_Kind.AGENT }),
        new ParticipantInfo({ identity: 'ben' }),
        new ParticipantInfo({ identity: 'sip-1', name: 'Caller', kind: ParticipantInfo_Kind.SIP }),
      ]);
    },
  });
  assert.deepEqual(await people('kitchen'), [
    { identity: 'ana', name: 'Ana' },
    { identity: 'ben', name: '' },
    { identity: 'sip-1', name: 'Caller' },
  ]);
  assert.deepEqual(asked, ['kitchen']);
});
