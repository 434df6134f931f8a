import { ConfigError, type Env } from '@voice-agent/common';
import { loadWebConfig } from './config';
import { jsonResponse } from './http';
import { consoleLogger, webPersonas, type ErrorBody, type TokenRouteLogger } from './token';

/** What the page may show of a persona: its name and how the agent is called, nothing else. */
export interface PersonaChoice {
  name: string;
  displayName?: string;
}

export interface PersonasResponse {
  personas: PersonaChoice[];
  default: string;
}

/**
 * GET /api/personas: the personas the page offers (names and display names; never their
 * instructions). JSON with `Cache-Control: no-store` on every path.
 */
export function handlePersonasRequest(
  req: Request,
  options: { env?: Env; log?: TokenRouteLogger } = {},
): Response {
  if (req.method !== 'GET') {
    return jsonResponse(405, { error: 'method not allowed; use GET' }, { Allow: 'GET' });
  }
  try {
    const personas = webPersonas(loadWebConfig(options.env));
    const body: PersonasResponse = {
      personas: personas.list.map(({ name, displayName }) =>
        displayName === undefined ? { name } : { name, displayName },
      ),
      default: personas.default.name,
    };
    return jsonResponse(200, body);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const variables = err.issues.map((i) => i.variable);
    (options.log ?? consoleLogger).error({ variables, err: err.message }, 'server misconfigured');
    return jsonResponse(500, { error: 'server misconfigured', variables } satisfies ErrorBody);
  }
}
