/**
 * A stage's providers in preference order (AGENT_LLM=openai,anthropic), and which of them are
 * failing. A provider that fails (an error after its own retries, a missed time-to-first-result
 * budget, an empty stream) is passed over until a background probe says it is back: the probe
 * is the provider's cheap `probe()` (a model list, a connection opened and closed), never a user's
 * request sent again. Probes back off (1 s, 2 s, 4 s, 5 s) while the provider stays down.
 * Every switch and every recovery is a log line and a metric.
 */
import type { Logger } from '../../log.js';
import { errorFields } from '../../log.js';
import { fallbackMetrics } from '../../metrics/providers.js';
import { backoffDelayMs, sleep } from '../../util/backoff.js';
import { abortable, LinkedAbort } from '../base.js';
import type { ProviderKind } from '../types.js';

/** What every stage's provider has that a chain needs. */
export interface ChainMember {
  readonly label: string;
  probe?(signal: AbortSignal): Promise<void>;
}

/** Why a provider was passed over. */
export type FailReason = 'error' | 'slow' | 'empty';

export interface ChainOptions {
  kind: ProviderKind;
  log?: Logger | undefined;
  /** The first wait before probing a failed provider; it doubles while probes fail. Default 1000. */
  recheckMs?: number | undefined;
  /** The longest wait between probes. Default 5000: a recovered provider is back within 5 s. */
  maxRecheckMs?: number | undefined;
  /** A probe that takes longer has failed. Default 3000. */
  probeTimeoutMs?: number | undefined;
}

interface Health {
  down: boolean;
  /** Failures since the provider last served a request (the probe's backoff step). */
  failures: number;
}

export class ProviderChain<P extends ChainMember> {
  readonly providers: readonly P[];
  readonly #health = new Map<P, Health>();
  readonly #opts: ChainOptions;
  readonly #closing = new AbortController();

  constructor(providers: readonly P[], opts: ChainOptions) {
    if (providers.length === 0) throw new Error('a provider chain needs at least one provider');
    this.providers = providers;
    this.#opts = opts;
    for (const p of providers) {
      this.#health.set(p, { down: false, failures: 0 });
      fallbackMetrics.up(opts.kind, p.label, true);
    }
  }

  /** Labels joined in chain order, e.g. `openai,anthropic`. */
  get label(): string {
    return this.providers.map((p) => p.label).join(',');
  }

  /**
   * The order to try for a new request: working providers in chain order, then failed ones in
   * chain order (a last resort beats silence).
   */
  order(): P[] {
    const up = this.providers.filter((p) => !this.#state(p).down);
    return [...up, ...this.providers.filter((p) => this.#state(p).down)];
  }

  /** The provider a new request starts with. */
  preferred(): P {
    return this.order()[0]!;
  }

  isDown(p: P): boolean {
    return this.#state(p).down;
  }

  /**
   * Whether a working provider comes after position `i` of `order`: only then is a slow
   * provider worth leaving (a failed one is a last resort for errors, not for slowness).
   */
  hasWorkingAfter(order: readonly P[], i: number): boolean {
    return order.slice(i + 1).some((p) => !this.#state(p).down);
  }

  /** `p` served a request: its next failure starts the probes' backoff from the beginning. */
  succeeded(p: P): void {
    this.#state(p).failures = 0;
  }

  /** `p` failed: pass it over until a probe says it is back. Logs the switch. */
  failed(p: P, reason: FailReason, err?: unknown): void {
    const health = this.#state(p);
    health.failures++;
    const next = this.order().find((q) => q !== p);
    const { kind, log } = this.#opts;
    log?.warn(
      {
        kind,
        provider: p.label,
        reason,
        next: next?.label,
        ...(err === undefined ? {} : { err: errorFields(err) }),
      },
      next ? `${kind} provider failed, switching` : `${kind} provider failed, no other to use`,
    );
    fallbackMetrics.switched(kind, p.label, next?.label ?? 'none', reason);
    if (health.down) return;
    health.down = true;
    fallbackMetrics.up(kind, p.label, false);
    void this.#recheck(p, health);
  }

  /** Stops the probes. */
  close(): void {
    this.#closing.abort();
  }

  #state(p: P): Health {
    const health = this.#health.get(p);
    if (!health) throw new Error(`${p.label} is not in this chain`);
    return health;
  }

  async #recheck(p: P, health: Health): Promise<void> {
    const { kind, log } = this.#opts;
    const signal = this.#closing.signal;
    const backoff = {
      baseMs: this.#opts.recheckMs ?? 1_000,
      maxMs: this.#opts.maxRecheckMs ?? 5_000,
    };
    for (let step = health.failures - 1; health.down; step++) {
      try {
        await sleep(backoffDelayMs(step, backoff), signal);
        await this.#probe(p, signal);
      } catch (err) {
        if (signal.aborted) return;
        log?.debug({ kind, provider: p.label, err: errorFields(err) }, 'provider probe failed');
        continue;
      }
      health.down = false;
      fallbackMetrics.up(kind, p.label, true);
      fallbackMetrics.recovered(kind, p.label);
      log?.info({ kind, provider: p.label }, `${kind} provider recovered`);
    }
  }

  async #probe(p: P, signal: AbortSignal): Promise<void> {
    if (!p.probe) return; // no probe: back on trial after the wait
    const attempt = new LinkedAbort(signal);
    const timeoutMs = this.#opts.probeTimeoutMs ?? 3_000;
    const timer = setTimeout(
      () => attempt.abort(new Error(`probe timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    try {
      await abortable(p.probe(attempt.signal), attempt.signal);
    } finally {
      clearTimeout(timer);
      attempt.abort();
    }
  }
}
