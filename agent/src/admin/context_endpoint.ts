import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import {
  UpdateRefused,
  applyContextUpdate,
  parseContextUpdate,
  type RoomContexts,
} from './context_update.js';
import { verifyRoomAdmin } from './room_admin.js';

/** Largest update body read. */
const MAX_BODY_BYTES = 64 * 1024;
const PATH = /^\/rooms\/([^/?#]+)\/context\/?(?:\?.*)?$/;

export interface ContextEndpointOptions {
  contexts: RoomContexts;
  apiKey: string;
  apiSecret: string;
  log: Logger;
}

/**
 * `POST /rooms/<room>/context` with `Authorization: Bearer <LiveKit token with roomAdmin for
 * that room>` and a JSON body `{ "instructions"?: string, "facts"?: string[] }`. Returns a
 * handler that answers the requests it owns (true) and leaves the others (false). Every answer
 * is JSON; a refused update changes nothing. The checks, in order: the token (401, 403), the
 * room served by this process (404), the body (400, 413).
 */
export function contextEndpoint(opts: ContextEndpointOptions) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const match = PATH.exec(req.url ?? '');
    if (!match) return false;
    void answer(req, match[1]!, opts).then(
      ({ status, body }) => {
        res.writeHead(status, {
          'Content-Type': 'application/json',
          'Cache-Control': 'no-store',
          ...(status === 405 ? { Allow: 'POST' } : {}),
        });
        res.end(JSON.stringify(body));
      },
      (err: unknown) => {
        opts.log.error({ err: String(err) }, 'context update failed');
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal error' }));
      },
    );
    return true;
  };
}

async function answer(
  req: IncomingMessage,
  rawRoom: string,
  opts: ContextEndpointOptions,
): Promise<{ status: number; body: unknown }> {
  try {
    if (req.method !== 'POST') throw new UpdateRefused(405, 'method not allowed; use POST');
    let room: string;
    try {
      room = decodeURIComponent(rawRoom);
    } catch {
      throw new UpdateRefused(400, 'the room name is not valid');
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const admin = await verifyRoomAdmin(bearer, room, opts);
    const context = opts.contexts.get(room);
    if (!context) throw new UpdateRefused(404, `this agent is not in room "${room}"`);
    const update = parseContextUpdate(await readBody(req));
    applyContextUpdate(context, update);
    const applied = {
      instructions: update.instructions !== undefined,
      facts: update.facts?.length ?? 0,
    };
    opts.log.info({ room, by: admin.identity, via: 'http', ...applied }, 'context updated');
    return { status: 200, body: { room, applied } };
  } catch (err) {
    if (!(err instanceof UpdateRefused)) throw err;
    opts.log.warn({ status: err.status, reason: err.message }, 'context update refused');
    return { status: err.status, body: { error: err.message } };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new UpdateRefused(413, `the body must be at most ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
