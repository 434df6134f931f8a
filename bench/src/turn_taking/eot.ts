/**
 * Scenario eot (end of turn): sentences of the REPORT split of the agent's end-of-turn set
 * (agent/test/eot_cases.ts), through the SFU, per category. Each unfinished cut is said in two
 * parts with a 600-900 ms pause at the cut (a false cut-off: agent sound before the end of the
 * second part); each true end is said whole (voice-to-voice from its end, against the floor).
 *
 * The fixture's STT answers the first part as registered without its last punctuation ("I
 * wanted to buy"), and a true end with it ("I'll wait."); the agent judges those.
 */
import {
  EOT_CASES,
  EOT_CATEGORIES,
  type EotCase,
  type EotCategory,
} from '@voice-agent/agent/test/eot-cases';
import type { ChatMessage } from '@voice-agent/fixtures';
import { joinPerson, untilQuiet } from '@voice-agent/e2e/participants';
import { normalise } from '@voice-agent/e2e/script';
import { stats } from '@voice-agent/e2e/stats';
import { errorText, type Row, type ScenarioContext, type ScenarioResult } from './context.js';
import { containsPhrase, rate } from './measure.js';
import { FLOOR_MS, pauseRound, questionRound, type PauseRound } from './pauses.js';
import { HALF_REPLY, REST_REPLY, UNKNOWN_REPLY } from './script.js';

/** The fixture's answer to a whole sentence of the set. */
export const EOT_REPLY = 'Got it.';

export interface EotDraw {
  /** Unfinished cuts, said with a pause at the cut. */
  cuts: EotCase[];
  /** True ends, said whole. */
  ends: EotCase[];
}

/** The REPORT cases of one kind, one category after another: the first n cover most categories. */
function interleaved(trueEnd: boolean): EotCase[] {
  const byCategory = EOT_CATEGORIES.map((c) =>
    EOT_CASES.filter((k) => k.split === 'report' && k.category === c && k.trueEnd === trueEnd),
  );
  const longest = Math.max(...byCategory.map((l) => l.length));
  const out: EotCase[] = [];
  for (let i = 0; i < longest; i++) for (const l of byCategory) if (l[i]) out.push(l[i]!);
  return out;
}

/** `cuts` unfinished cuts and `ends` true ends, in the same order on every run. */
export function drawEot(counts: { cuts: number; ends: number }): EotDraw {
  // Past the end of a list, its sentences again (with other pauses).
  const take = (list: EotCase[], n: number) =>
    Array.from({ length: n }, (_, i) => list[i % list.length]!);
  return {
    cuts: take(interleaved(false), counts.cuts),
    ends: take(interleaved(true), counts.ends),
  };
}

/** What the eot fixture recognises: every whole sentence, every rest, every true end. */
export const eotPhrases = (draw: EotDraw): string[] => [
  ...new Set([
    ...draw.cuts.flatMap((c) => [c.sentence, c.after]),
    ...draw.ends.map((c) => c.sentence),
  ]),
];

/** The first parts, recognised as leading parts of their sentences. */
export const eotParts = (draw: EotDraw): string[] => [...new Set(draw.cuts.map((c) => c.before))];

/** The fixture's LLM: the whole sentence is answered; a part alone gets the tell-tale replies. */
export function eotReply(draw: EotDraw): (messages: ChatMessage[]) => string {
  const wholes = [...draw.cuts, ...draw.ends].map((c) => c.sentence);
  const rests = new Set(draw.cuts.map((c) => normalise(c.after)));
  return (messages) => {
    const last = (messages.filter((m) => m.role === 'user').at(-1)?.content ?? '').replace(
      /^[^:]+:\s*/,
      '',
    );
    if (wholes.some((w) => containsPhrase(last, w))) return EOT_REPLY;
    const part = normalise(last);
    if (rests.has(part)) return REST_REPLY;
    if (part && wholes.some((w) => normalise(w).startsWith(part))) return HALF_REPLY;
    return UNKNOWN_REPLY;
  };
}

interface CategoryTally {
  rounds: PauseRound[];
  v2vMs: number[];
  cutIns: number;
  failed: number;
}

async function playRounds(ctx: ScenarioContext, draw: EotDraw) {
  const sim = await joinPerson(ctx.room('eot'), 'Ana');
  const tallies = new Map<EotCategory, CategoryTally>(
    EOT_CATEGORIES.map((c) => [c, { rounds: [], v2vMs: [], cutIns: 0, failed: 0 }]),
  );
  const attempt = async (c: EotCase, what: string, run: (t: CategoryTally) => Promise<void>) => {
    const tally = tallies.get(c.category)!;
    try {
      await run(tally);
    } catch (err) {
      tally.failed++;
      ctx.progress(`  ${what}: failed: ${errorText(err)}`);
      await untilQuiet(sim, Date.now(), 2_500, 60_000).catch(() => undefined);
    }
  };
  try {
    for (const [i, c] of draw.cuts.entries()) {
      const what = `cut ${i + 1}/${draw.cuts.length} (${c.category})`;
      await attempt(c, what, async (t) => {
        t.rounds.push(await pauseRound(sim, ctx, { first: c.before, rest: c.after }, what));
      });
    }
    for (const [i, c] of draw.ends.entries()) {
      const what = `true end ${i + 1}/${draw.ends.length} (${c.category})`;
      await attempt(c, what, async (t) => {
        const heard = await questionRound(sim, ctx, c.sentence, what);
        t.v2vMs.push(heard.v2vMs);
        if (heard.cutIn) t.cutIns++;
      });
    }
  } finally {
    await sim.leave();
  }
  return tallies;
}

function categoryRows(name: string, t: Omit<CategoryTally, 'failed'>): Row[] {
  const n = t.rounds.length;
  const cutOffs = t.rounds.filter((r) => r.cutOff).length;
  const v = stats(t.v2vMs);
  return [
    {
      metric: `${name}: false cut-offs`,
      value: rate(cutOffs, n),
      n,
      target: '<= 5%',
      met: n ? cutOffs / n <= 0.05 : undefined,
    },
    {
      metric: `${name}: v2v p95 - floor (${FLOOR_MS} ms)`,
      value: t.v2vMs.length ? `${v.p95 - FLOOR_MS} ms` : '-',
      n: t.v2vMs.length,
      target: '<= 150 ms',
      met: t.v2vMs.length ? v.p95 - FLOOR_MS <= 150 : undefined,
    },
  ];
}

export async function runEot(ctx: ScenarioContext, draw: EotDraw): Promise<ScenarioResult> {
  const tallies = await playRounds(ctx, draw);
  const all = [...tallies.values()];
  const total = {
    rounds: all.flatMap((t) => t.rounds),
    v2vMs: all.flatMap((t) => t.v2vMs),
    cutIns: all.reduce((n, t) => n + t.cutIns, 0),
  };
  const played = [...tallies].filter(([, t]) => t.rounds.length + t.v2vMs.length > 0);
  const perCategory = Object.fromEntries(
    played.map(([c, t]) => [
      c,
      {
        cuts: t.rounds.length,
        falseCutOffs: t.rounds.filter((r) => r.cutOff).length,
        v2vMs: t.v2vMs.length ? stats(t.v2vMs) : null,
        v2vP95OverFloorMs: t.v2vMs.length ? stats(t.v2vMs).p95 - FLOOR_MS : null,
        trueEndsCutInto: t.cutIns,
        failedRounds: t.failed,
        cutOffSentences: t.rounds.filter((r) => r.cutOff).map((r) => r.sentence),
      },
    ]),
  );
  return {
    scenario: 'eot',
    rows: [...played.flatMap(([c, t]) => categoryRows(c, t)), ...categoryRows('all', total)],
    json: {
      floorMs: FLOOR_MS,
      cuts: total.rounds.length,
      falseCutOffs: total.rounds.filter((r) => r.cutOff).length,
      trueEnds: total.v2vMs.length,
      v2vMs: total.v2vMs.length ? stats(total.v2vMs) : null,
      trueEndsCutInto: total.cutIns,
      failedRounds: all.reduce((n, t) => n + t.failed, 0),
      perCategory,
      rounds: total.rounds,
    },
    ...(total.v2vMs.length || total.rounds.some((r) => r.answered || r.cutOff)
      ? {}
      : { broken: 'the agent answered nothing' }),
  };
}
