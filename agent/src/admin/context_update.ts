/**
 * Live context updates: new instructions or facts for one room's conversation, applied from its
 * next LLM request, without restarting anything. They come over HTTP (./context_endpoint.ts) or
 * as a LiveKit RPC from a participant (room/room_io.ts); both carry a LiveKit access token with
 * a room-admin grant for that room (./room_admin.ts).
 */
import { z } from 'zod';
import type { ChatContext } from '../conversation/memory/context.js';
import { UpdateRefused } from './refused.js';
import { verifyRoomAdmin } from './room_admin.js';

export { UpdateRefused };

export const MAX_FACTS_PER_UPDATE = 20;

export const contextUpdateSchema = z
  .strictObject({
    /** Replaces the room's instructions. */
    instructions: z
      .string()
      .trim()
      .min(1, 'instructions must not be empty')
      .max(8000, 'instructions must be at most 8000 characters')
      .optional(),
    /** Added to what the model is told in every request from now on. */
    facts: z
      .array(
        z
          .string()
          .trim()
          .min(1, 'a fact must not be empty')
          .max(500, 'a fact must be at most 500 characters'),
      )
      .max(MAX_FACTS_PER_UPDATE, `at most ${MAX_FACTS_PER_UPDATE} facts at a time`)
      .optional(),
  })
  .refine((u) => u.instructions !== undefined || (u.facts?.length ?? 0) > 0, {
    message: 'expected instructions, facts, or both',
  });
export type ContextUpdate = z.infer<typeof contextUpdateSchema>;

/** Parses an update from JSON text; throws UpdateRefused (400) naming every bad field. */
export function parseContextUpdate(text: string): ContextUpdate {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpdateRefused(400, 'the body is not valid JSON');
  }
  const parsed = contextUpdateSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`,
    );
    throw new UpdateRefused(400, `invalid update: ${issues.join('; ')}`);
  }
  return parsed.data;
}

export function applyContextUpdate(context: ChatContext, update: ContextUpdate): void {
  if (update.instructions !== undefined) context.setInstructions(update.instructions);
  for (const fact of update.facts ?? []) context.addFact(fact);
}

/**
 * The context-update RPC's payload: `{ token, instructions?, facts? }`. The token must grant
 * room admin of `room` and be the caller's own (its subject is the caller's identity): a
 * participant shows the grant it joined with. Applies the update and answers its JSON; throws
 * UpdateRefused (nothing changed) otherwise.
 */
export async function rpcContextUpdate(
  payload: string,
  caller: string,
  room: string,
  context: ChatContext,
  keys: { apiKey: string; apiSecret: string },
): Promise<{ answer: string; update: ContextUpdate }> {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new UpdateRefused(400, 'the payload is not valid JSON');
  }
  const { token, ...rest } = (json ?? {}) as { token?: unknown };
  const admin = await verifyRoomAdmin(typeof token === 'string' ? token : undefined, room, keys);
  if (admin.identity !== caller) {
    throw new UpdateRefused(403, "the token is not the caller's own");
  }
  const update = parseContextUpdate(JSON.stringify(rest));
  applyContextUpdate(context, update);
  const applied = {
    instructions: update.instructions !== undefined,
    facts: update.facts?.length ?? 0,
  };
  return { answer: JSON.stringify({ applied }), update };
}

/** The conversations of this process by room name, for updates to find theirs. */
export class RoomContexts {
  readonly #byRoom = new Map<string, { context: ChatContext }>();

  /**
   * Registers a room's context; the function returned unregisters this registration only (a
   * newer job in the room may have registered the same context since).
   */
  add(room: string, context: ChatContext): () => void {
    const entry = { context };
    this.#byRoom.set(room, entry);
    return () => {
      if (this.#byRoom.get(room) === entry) this.#byRoom.delete(room);
    };
  }

  get(room: string): ChatContext | undefined {
    return this.#byRoom.get(room)?.context;
  }
}
