/** Summary statistics and plain-text tables for the benchmarks. */
import type { DeepgramRecord, RealtimeRecord, RecordedRequest } from '@voice-agent/fixtures';

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export function stats(values: number[]) {
  return {
    p50: Math.round(percentile(values, 50)),
    p95: Math.round(percentile(values, 95)),
    min: Math.round(Math.min(...values)),
    max: Math.round(Math.max(...values)),
  };
}

/** Columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows].map((r) => r.map(String));
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  return cells
    .map((r) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
}

export { seededRandom } from '@voice-agent/common';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * The fixture's STT finals as it sent them, over every realtime and Deepgram session: from the
 * commit (or Finalize) to the final, and how long recognition took where the decoder ran. Where
 * recognition outlasts the scripted delay, it is what delays the final.
 */
export function sttFinals(requests: readonly RecordedRequest[]) {
  const finals = requests.flatMap((r) =>
    r.endpoint === 'realtime' || r.endpoint === 'deepgram'
      ? (r.body as RealtimeRecord | DeepgramRecord).finals
      : [],
  );
  const decoded = finals.filter((f) => f.by === 'decoder');
  return {
    finals: finals.length,
    byReference: finals.filter((f) => f.by === 'reference').length,
    finalMs: finals.length ? stats(finals.map((f) => f.finalMs)) : null,
    decodeMs: decoded.length ? stats(decoded.map((f) => f.recognitionMs)) : null,
  };
}

export function sttFinalsLine(s: ReturnType<typeof sttFinals>): string {
  if (!s.finalMs) return 'STT finals as sent: none';
  return (
    `STT finals as sent: ${s.finals} (${s.byReference} by reference utterance), ` +
    `commit -> final p50 / p95 ${s.finalMs.p50} / ${s.finalMs.p95} ms (max ${s.finalMs.max})` +
    (s.decodeMs ? `; decoder ${s.decodeMs.p50} / ${s.decodeMs.p95} ms (max ${s.decodeMs.max})` : '')
  );
}
