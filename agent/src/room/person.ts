/** Someone in a room: their identity and their name (a display name, or as `nameOf` gives it). */
export interface RoomPerson {
  identity: string;
  name: string;
}

/** What to call someone: their display name, or their identity if they gave none. */
export function nameOf(p: { identity: string; name?: string | undefined }): string {
  return p.name || p.identity;
}
