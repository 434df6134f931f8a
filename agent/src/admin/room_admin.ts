/**
 * Who may change a room's conversation: the bearer of a LiveKit access token signed with this
 * deployment's API key and secret, unexpired, whose video grant has `roomAdmin` for that room.
 * Operators already mint such tokens (livekit-server-sdk, the `lk` CLI) with the key pair the
 * agent has; one token is good for one room and a short time, so no new long-lived secret is
 * needed and a leaked one does little.
 */
import { TokenVerifier } from 'livekit-server-sdk';
import { UpdateRefused } from './refused.js';

export interface RoomAdmin {
  /** The token's subject (identity), '' when it has none. */
  identity: string;
}

/**
 * Checks `token` for a room-admin grant on `room`. Throws UpdateRefused: 401 when the token is
 * missing, malformed, expired, or signed with another key; 403 when it is valid but grants no
 * admin of that room.
 */
export async function verifyRoomAdmin(
  token: string | undefined,
  room: string,
  keys: { apiKey: string; apiSecret: string },
): Promise<RoomAdmin> {
  if (!token) throw new UpdateRefused(401, 'expected a bearer token with a room-admin grant');
  let claims;
  try {
    claims = await new TokenVerifier(keys.apiKey, keys.apiSecret).verify(token, 0);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') throw new UpdateRefused(401, 'the token has expired');
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
      throw new UpdateRefused(401, `the token was refused: ${(err as Error).message}`);
    }
    throw new UpdateRefused(401, 'the token is not one of this deployment (bad signature or form)');
  }
  const video = claims.video;
  if (!video?.roomAdmin) throw new UpdateRefused(403, 'the token has no room-admin grant');
  if (video.room !== room) {
    throw new UpdateRefused(403, `the token's room-admin grant is for another room`);
  }
  return { identity: claims.sub ?? '' };
}
