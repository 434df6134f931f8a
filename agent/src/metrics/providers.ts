import type { ProviderKind } from '../providers/types.js';
import { counter, gauge, histogram } from './registry.js';

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

const switches = counter({
  name: 'voice_agent_provider_fallbacks_total',
  help:
    'Requests moved off a provider of a fallback chain (AGENT_STT/LLM/TTS with several), by ' +
    'reason: error (after its retries), slow (missed the stage budget), empty (nothing in it); ' +
    'resume: an LLM reply cut mid-way, continued by the same stage (from = to).',
  labelNames: ['kind', 'from', 'to', 'reason'],
});

const recoveries = counter({
  name: 'voice_agent_provider_recoveries_total',
  help: 'Failed providers of a fallback chain back in use after a probe succeeded.',
  labelNames: ['kind', 'provider'],
});

const up = gauge({
  name: 'voice_agent_provider_up',
  help: 'Whether a provider of a fallback chain is in use (1) or passed over until a probe succeeds (0).',
  labelNames: ['kind', 'provider'],
});

/** The fallback chains' metrics (../providers/fallback/chain.ts). */
export const fallbackMetrics = {
  switched(kind: ProviderKind, from: string, to: string, reason: string): void {
    switches.inc({ kind, from, to, reason });
  },
  recovered(kind: ProviderKind, provider: string): void {
    recoveries.inc({ kind, provider });
  },
  up(kind: ProviderKind, provider: string, isUp: boolean): void {
    up.set({ kind, provider }, isUp ? 1 : 0);
  },
};

const cacheHits = counter({
  name: 'voice_agent_tts_cache_hits_total',
  help: 'Texts spoken from the TTS cache (AGENT_TTS_CACHE_BYTES), without a provider request.',
  labelNames: ['provider'],
});

const cacheMisses = counter({
  name: 'voice_agent_tts_cache_misses_total',
  help: 'Texts the TTS cache did not hold: synthesised by the provider (and kept if complete).',
  labelNames: ['provider'],
});

const cacheBytes = gauge({
  name: 'voice_agent_tts_cache_bytes',
  help: 'Audio bytes held by the TTS cache.',
});

/** The TTS cache's metrics (../providers/tts/cache.ts). */
export const ttsCacheMetrics = {
  hit(provider: string): void {
    cacheHits.inc({ provider });
  },
  miss(provider: string): void {
    cacheMisses.inc({ provider });
  },
  bytes(bytes: number): void {
    cacheBytes.set(bytes);
  },
};
