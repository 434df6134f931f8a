/** Someone in a room: their identity and their display name ('' if they gave none). */
export interface RoomPerson {
  identity: string;
  name: string;
}

/** What to call someone: their display name, or their identity if they gave none. */
export function nameOf(p: { identity: string; name?: string | undefined }): string {
  return p.name || p.identity;
}
