import type { ProviderKind } from '../providers/types.js';
import { counter, histogram } from './registry.js';

/** How one logical provider request ended (after any retries). */
export type RequestOutcome = 'ok' | 'error' | 'aborted';

const requests = counter({
  name: 'voice_agent_provider_requests_total',
  help: 'Provider requests (one per logical request, retries included), by outcome.',
  labelNames: ['provider', 'kind', 'outcome'],
});

const retries = counter({
  name: 'voice_agent_provider_retries_total',
  help: 'Provider attempts retried after a retryable failure (and STT reconnects).',
  labelNames: ['provider', 'kind'],
});

const errors = counter({
  name: 'voice_agent_provider_errors_total',
  help: 'Provider failures of single attempts, by whether they were retryable.',
  labelNames: ['provider', 'kind', 'retryable'],
});

/** Milliseconds, for first chunks from ~20 ms (local fixtures) to 5 s (a slow cloud model). */
export const FIRST_CHUNK_BUCKETS_MS = [
  20, 40, 60, 80, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000,
];

const firstChunk = histogram({
  name: 'voice_agent_provider_first_chunk_ms',
  help:
    'Request -> first chunk in ms, retries included: LLM first token, TTS first audio, ' +
    'STT commit -> final transcript.',
  labelNames: ['provider', 'kind'],
  buckets: FIRST_CHUNK_BUCKETS_MS,
});

/** The provider metrics every provider records through ../providers/base.ts. */
export const providerMetrics = {
  request(provider: string, kind: ProviderKind, outcome: RequestOutcome): void {
    requests.inc({ provider, kind, outcome });
  },
  retry(provider: string, kind: ProviderKind): void {
    retries.inc({ provider, kind });
  },
  error(provider: string, kind: ProviderKind, retryable: boolean): void {
    errors.inc({ provider, kind, retryable: String(retryable) });
  },
  firstChunk(provider: string, kind: ProviderKind, ms: number): void {
    firstChunk.observe({ provider, kind }, ms);
  },
};
