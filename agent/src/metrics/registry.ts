import { Registry } from 'prom-client';

/**
 * The agent's one Prometheus registry, served at `/metrics`. Every metric of the agent registers
 * here (never in prom-client's global default registry, so tests and embedders stay isolated).
 */
export const registry = new Registry();
