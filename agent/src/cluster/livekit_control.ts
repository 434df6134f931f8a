import { AgentDispatchClient, RoomServiceClient, ServerError } from 'livekit-server-sdk';
import { humansIn } from '../room/agent_room.js';
import type { RoomControl } from './room_leases.js';

/** A recovery's calls to LiveKit's server API: "not there" is an answer, any other error is not. */
export function livekitControl(url: string, apiKey: string, apiSecret: string): RoomControl {
  const rooms = new RoomServiceClient(url, apiKey, apiSecret);
  const dispatches = new AgentDispatchClient(url, apiKey, apiSecret);
  const people = humansIn(rooms);
  return {
    humansIn: (room) => people(room).catch(notThere([])),
    remove: (room, identity) => rooms.removeParticipant(room, identity).catch(notThere(undefined)),
    dispatch: async (room, agentName, metadata) => {
      await dispatches.createDispatch(room, agentName, { metadata });
    },
  };
}

function notThere<T>(value: T): (err: unknown) => T {
  return (err) => {
    if (err instanceof ServerError && (err.status === 404 || err.code === 'not_found'))
      return value;
    throw err;
  };
}
