import { handleTokenRequest } from '../../../lib/token';

// Tokens are minted per request; configuration is read then, never at build time.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

function handle(req: Request): Promise<Response> {
  return handleTokenRequest(req);
}

// Every method goes through the handler so that the others get a JSON 405 with no-store.
export {
  handle as POST,
  handle as GET,
  handle as HEAD,
  handle as PUT,
  handle as PATCH,
  handle as DELETE,
  handle as OPTIONS,
};
