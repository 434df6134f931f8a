'use client';

import type { TurnMetrics } from '@voice-agent/common/conventions';
import { formatTurnMetrics, summarizeTurns, turnMetricsAttributes } from '../lib/metrics';

function ms(v: number | undefined): string {
  return v === undefined ? '–' : `${Math.round(v)} ms`;
}

/** A data attribute's value: whole ms, or '' where the stage does not apply. */
function attr(v: number | undefined): string {
  return v === undefined ? '' : String(Math.round(v));
}

/**
 * The session's latency, turn by turn: one bar per stage for the latest turn (end of utterance,
 * STT final, LLM first token, TTS first audio, end to end), with the session's p50 and p95 as
 * ticks on the same scale and as figures beside it.
 *
 * Test hooks: `data-testid="latency-panel"` with `data-turns` (reports received); one
 * `data-testid="latency-row"` per stage in that order, `data-stage` (the TurnMetrics field),
 * `data-last-ms`, `data-p50-ms`, `data-p95-ms` (whole ms; '' where the stage does not apply: end
 * of utterance and STT for typed input); the latest report as `data-testid="turn-metrics"`.
 */
export function LatencyPanel({ turns }: { turns: readonly TurnMetrics[] }) {
  const latest = turns.at(-1);
  const rows = summarizeTurns(turns);
  const scale = Math.max(1, ...rows.flatMap((r) => [r.lastMs ?? 0, r.p95Ms ?? 0]));
  const pct = (v: number) => `${Math.min(100, (v / scale) * 100).toFixed(1)}%`;
  return (
    <section
      className="latency-panel"
      aria-labelledby="latency-heading"
      data-testid="latency-panel"
      data-turns={turns.length}
    >
      <h2 id="latency-heading">
        Latency <span className="muted small">{turnsText(turns.length)}</span>
      </h2>
      {latest === undefined ? (
        <p className="muted small">Each answered turn shows here, stage by stage.</p>
      ) : (
        <>
          <table className="latency-table">
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col" className="visually-hidden">
                  Last turn, as a bar
                </th>
                <th scope="col">Last</th>
                <th scope="col">p50</th>
                <th scope="col">p95</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.field}
                  className={`latency-row stage-${r.field}`}
                  data-testid="latency-row"
                  data-stage={r.field}
                  data-last-ms={attr(r.lastMs)}
                  data-p50-ms={attr(r.p50Ms)}
                  data-p95-ms={attr(r.p95Ms)}
                >
                  <th scope="row">{r.label}</th>
                  <td className="latency-bar-cell" aria-hidden="true">
                    <span className="latency-track">
                      {r.lastMs !== undefined && (
                        <span className="latency-bar" style={{ width: pct(r.lastMs) }} />
                      )}
                      {r.p50Ms !== undefined && (
                        <span className="latency-tick p50" style={{ left: pct(r.p50Ms) }} />
                      )}
                      {r.p95Ms !== undefined && (
                        <span className="latency-tick p95" style={{ left: pct(r.p95Ms) }} />
                      )}
                    </span>
                  </td>
                  <td>{ms(r.lastMs)}</td>
                  <td className="muted">{ms(r.p50Ms)}</td>
                  <td className="muted">{ms(r.p95Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p
            className="turn-metrics visually-hidden"
            data-testid="turn-metrics"
            {...turnMetricsAttributes(latest)}
          >
            Last turn: {formatTurnMetrics(latest)}
          </p>
        </>
      )}
    </section>
  );
}

function turnsText(n: number): string {
  return n === 0 ? '' : n === 1 ? '· 1 turn' : `· ${n} turns, ticks at p50 and p95`;
}
