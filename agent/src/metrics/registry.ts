import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The agent's one Prometheus registry, served at `/metrics`. Every metric of the agent registers
 * here (never in prom-client's global default registry, so tests and embedders stay isolated).
 */
export const registry = new Registry();

/** What every metric states: its Prometheus name, its help text, and its labels if any. */
export interface MetricSpec<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

/** A counter in the agent's registry. */
export function counter<L extends string = never>(spec: MetricSpec<L>): Counter<L> {
  return new Counter({ ...spec, registers: [registry] });
}

/** A histogram in the agent's registry, over `buckets` (upper bounds). */
export function histogram<L extends string = never>(
  spec: MetricSpec<L> & { buckets: number[] },
): Histogram<L> {
  return new Histogram({ ...spec, registers: [registry] });
}

/** A gauge in the agent's registry; `collect` (if given) sets it at each scrape. */
export function gauge<L extends string = never>(
  spec: MetricSpec<L> & { collect?: (this: Gauge<L>) => void },
): Gauge<L> {
  return new Gauge({ ...spec, registers: [registry] });
}
