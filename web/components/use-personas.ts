'use client';

import { useEffect, useState } from 'react';
import type { PersonasResponse } from '../lib/personas';

/**
 * The personas the deployment offers (GET /api/personas), once loaded; undefined before, or when
 * the route failed (the page then joins without choosing, and the room gets the default).
 */
export function usePersonas(): PersonasResponse | undefined {
  const [personas, setPersonas] = useState<PersonasResponse>();
  useEffect(() => {
    const abort = new AbortController();
    fetch('/api/personas', { cache: 'no-store', signal: abort.signal })
      .then((res) => (res.ok ? (res.json() as Promise<PersonasResponse>) : undefined))
      .then((body) => body && setPersonas(body))
      .catch(() => {
        // Left undefined: no choice offered.
      });
    return () => abort.abort();
  }, []);
  return personas;
}
