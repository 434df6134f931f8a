/**
 * `npm run bench:soak`: the museum conversation (museum.ts) through the real SFU for 30 minutes
 * (`--minutes N`), at a human pace: Ana asks, hears the answer, and pauses 3-12 s (seeded)
 * before asking again; now and then a visitor joins, asks a question, stays for Ana's next one
 * and leaves (a visit every VISIT_EVERY of the run: every 6 minutes of 30). The agent runs with the same
 * small context as bench:session (AGENT_CONTEXT_TOKENS=1000), so its summary is folded over and
 * over as in a long day.
 *
 * The agent's RSS is read after every turn. Warm-up is the first quarter of the run, at most 5
 * minutes; the figure is the largest RSS after it against RSS at its end. Printed: a row per
 * REPORT_ROWS-th of the run (turns, answered, voice-to-voice p50/p95, the agent's memory in its
 * parts at the row's end), the growth after warm-up against the 10% bound, the agent's garbage
 * collections, and a JSON line.
 *
 * Exit code 1 when a question went unanswered or the agent left the room, and, for runs of
 * JUDGED_MINUTES or more, when RSS grew past the bound after warm-up (a shorter run, such as the
 * 2-minute one in `npm test`, prints the figure but is too short to judge it).
 *
 *   npm run bench:soak [-- --minutes N]
 */
import { parseArgs } from 'node:util';
import { askForAnswer, joinPerson, leaveAll } from '@voice-agent/e2e/participants';
import type { SimParticipant } from '@voice-agent/e2e/participants';
import type { AgentMemory } from '@voice-agent/e2e/stack';
import { percentile, seededRandom, sleep, table } from '@voice-agent/e2e/stats';
import {
  ANSWERS,
  endMuseum,
  MEMORY_COLUMNS,
  memoryCells,
  QUESTIONS,
  startMuseum,
} from './museum.js';

const { values: args } = parseArgs({ options: { minutes: { type: 'string', default: '30' } } });
const MINUTES = Number(args.minutes);
if (!(MINUTES >= 1)) throw new Error('--minutes: at least 1');
const RUN_MS = MINUTES * 60_000;
const WARM_UP_MS = Math.min(5 * 60_000, RUN_MS / 4);
const BOUND_PCT = 10;
const JUDGED_MINUTES = 10;
const REPORT_ROWS = 10;
/** A visit every this share of the run (30 minutes: every 6). */
const VISIT_EVERY = 1 / 5;
const PAUSE_MS = [3_000, 12_000] as const;

interface Turn {
  /** Ms since the start of the run, when the answer was over. */
  at: number;
  who: string;
  answered: boolean;
  v2vMs: number | undefined;
  memory: AgentMemory;
}

async function main(): Promise<void> {
  const { fixture, agent } = await startMuseum(QUESTIONS, 1_000, 'agent-soak');
  const rand = seededRandom(25);
  const room = `soak-${Date.now()}`;
  const turns: Turn[] = [];
  let left = false;
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  try {
    const ana = await joinPerson(room, 'Ana');
    const visitEveryMs = RUN_MS * VISIT_EVERY;
    let visitor: SimParticipant | undefined;
    let visits = 0;
    /** Turns taken since the visitor joined. */
    let visitTurns = 0;
    let nextReport = RUN_MS / REPORT_ROWS;
    for (let n = 0; elapsed() < RUN_MS; n++) {
      // A visit: a visitor joins, asks once (Ana once after), and leaves.
      if (visitor && visitTurns === 2) {
        await visitor.leave();
        visitor = undefined;
      } else if (!visitor && elapsed() >= (visits + 0.5) * visitEveryMs) {
        visits++;
        visitor = await joinPerson(room, `Visitor${visits}`);
        visitTurns = 0;
      }
      const sim = visitor && visitTurns === 0 ? visitor : ana;
      if (visitor) visitTurns++;
      const said = QUESTIONS[Math.floor(rand() * QUESTIONS.length)]!;
      const { answered, silenceMs } = await askForAnswer(sim, said, ANSWERS[said]!.slice(0, 10));
      turns.push({
        at: elapsed(),
        who: sim.name,
        answered,
        v2vMs: silenceMs,
        memory: await agent.memory(),
      });
      if (elapsed() >= nextReport) {
        const last = turns.at(-1)!.memory;
        process.stdout.write(
          `${(elapsed() / 60_000).toFixed(1)} min: ${turns.length} turns, ` +
            `RSS ${last.rss.toFixed(1)} MB, heap used ${last.heapUsed.toFixed(1)} MB\n`,
        );
        nextReport += RUN_MS / REPORT_ROWS;
      }
      if (!(await agent.status()).jobs.some((j) => j.room === room)) {
        left = true;
        break;
      }
      await sleep(PAUSE_MS[0] + rand() * (PAUSE_MS[1] - PAUSE_MS[0]));
    }
  } finally {
    await leaveAll();
  }
  const code = report(turns, left);
  await endMuseum({ fixture, agent }, code);
}

function report(turns: Turn[], left: boolean): number {
  const failures: string[] = [];
  if (left) failures.push('the agent left the room');
  const unanswered = turns.filter((t) => !t.answered).length;
  if (unanswered) failures.push(`${unanswered} questions unanswered`);
  const warmTurn = turns.findLast((t) => t.at <= WARM_UP_MS) ?? turns[0];
  if (!warmTurn) {
    console.log('FAIL: no turn was taken');
    return 1;
  }
  const after = turns.filter((t) => t.at > warmTurn.at);
  const warm = warmTurn.memory.rss;
  const largest = Math.max(warm, ...after.map((t) => t.memory.rss));
  const growthPct = ((largest - warm) / warm) * 100;
  const judged = MINUTES >= JUDGED_MINUTES;
  const within = growthPct <= BOUND_PCT;
  if (judged && !within) {
    failures.push(`RSS grew ${growthPct.toFixed(1)}% after warm-up (bound ${BOUND_PCT}%)`);
  }

  const rowMs = RUN_MS / REPORT_ROWS;
  const rows = Array.from({ length: REPORT_ROWS }, (_, k) => {
    const end = k === REPORT_ROWS - 1 ? Infinity : (k + 1) * rowMs;
    const slice = turns.filter((t) => t.at > k * rowMs && t.at <= end);
    if (!slice.length) return undefined;
    const v = slice.flatMap((t) => (t.v2vMs === undefined ? [] : [t.v2vMs]));
    return [
      `${((k * rowMs) / 60_000).toFixed(1)}-${(((k + 1) * rowMs) / 60_000).toFixed(1)}`,
      slice.length,
      slice.filter((t) => t.answered).length,
      Math.round(percentile(v, 50)),
      Math.round(percentile(v, 95)),
      ...memoryCells(slice.at(-1)!.memory),
    ];
  }).filter((r) => r !== undefined);
  console.log(
    `\nbench:soak: ${MINUTES} min, ${turns.length} turns ` +
      `(${turns.filter((t) => t.who !== 'Ana').length} by visitors), warm-up ` +
      `${(WARM_UP_MS / 60_000).toFixed(1)} min\n` +
      table(['minutes', 'turns', 'answered', 'v2v p50', 'v2v p95', ...MEMORY_COLUMNS], rows),
  );
  const verdict = within ? 'within' : 'OVER';
  console.log(
    `\nagent RSS after warm-up (turn ${turns.indexOf(warmTurn) + 1}, ` +
      `${(warmTurn.at / 60_000).toFixed(1)} min): ${warm.toFixed(1)} MB; largest after it ` +
      `${largest.toFixed(1)} MB; at the end ${turns.at(-1)!.memory.rss.toFixed(1)} MB; growth ` +
      `${growthPct.toFixed(1)}%: ${verdict} the ${BOUND_PCT}% bound` +
      (judged ? '' : ` (not judged: shorter than ${JUDGED_MINUTES} minutes)`),
  );
  console.log(
    JSON.stringify({
      bench: 'soak',
      minutes: MINUTES,
      turns: turns.length,
      unanswered,
      warmRssMb: Number(warm.toFixed(1)),
      largestRssMb: Number(largest.toFixed(1)),
      endRssMb: Number(turns.at(-1)!.memory.rss.toFixed(1)),
      growthPct: Number(growthPct.toFixed(1)),
      boundPct: BOUND_PCT,
      judged,
    }),
  );
  for (const f of failures) console.log(`FAIL: ${f}`);
  return failures.length ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
