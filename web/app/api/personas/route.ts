import { handlePersonasRequest } from '../../../lib/personas';

// Read per request: the personas file may change without a rebuild.
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

function handle(req: Request): Response {
  return handlePersonasRequest(req);
}

export {
  handle as GET,
  handle as POST,
  handle as HEAD,
  handle as PUT,
  handle as PATCH,
  handle as DELETE,
  handle as OPTIONS,
};
