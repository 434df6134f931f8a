/**
 * `npm run bench:session`: one long conversation through the real SFU (200 turns; `--quick`: 40),
 * with a second person in the room for part of it. The agent runs with a small context budget
 * (AGENT_CONTEXT_TOKENS=1000) so that older turns are folded into the summary many times over.
 * Printed, each as a figure:
 *   - every reply request's size in real tokens (GPT-4o's tokenizer, o200k), against the budget,
 *     from the turn the whole conversation would have passed it on;
 *   - voice-to-voice p95 over the last 20 questions against the first 20;
 *   - the agent's RSS after warm-up (turn 20) and its growth to the end; per ten turns, RSS in its
 *     anonymous and file-backed parts, and V8's heap in use and reserved, from the agent's
 *     /metrics (so a growth shows whether it is the JS heap, V8's sizing of it, or native memory);
 *   - the agent's garbage collections over the run (count and pauses, by kind);
 *   - whether a fact said at turn 3 is still in the last request, through the summary (the turn
 *     itself long folded away).
 *
 * The fixture's model stands in for a summariser (museum.ts museumModel).
 *
 * Exit code 1 when a turn went unanswered, a request passed the budget or the fact was lost; the
 * latency and memory figures are printed and judged in bench/results, not here (`--quick` is too
 * short for them).
 *
 *   npm run bench:session [-- --quick] [--turns N]
 */
import { parseArgs } from 'node:util';
import { SUMMARY_REQUEST_HEADER } from '@voice-agent/agent/conversation/memory/summary';
import type { ChatMessage, RecordedRequest } from '@voice-agent/fixtures';
import { askForAnswer, joinPerson, leaveAll } from '@voice-agent/e2e/participants';
import type { SimParticipant } from '@voice-agent/e2e/participants';
import type { AgentMemory } from '@voice-agent/e2e/stack';
import { percentile, table } from '@voice-agent/e2e/stats';
import { countTokens } from 'gpt-tokenizer';
import {
  ANSWERS,
  FACT,
  endMuseum,
  MEMORY_COLUMNS,
  memoryCells,
  QUESTIONS,
  startMuseum,
} from './museum.js';

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, turns: { type: 'string' } },
});
const TURNS = Number(args.turns ?? (args.quick ? 40 : 200));
if (!Number.isInteger(TURNS) || TURNS < 30) throw new Error('--turns: at least 30');
const BUDGET = 1_000;
const WINDOW = 20;
/** Turns with Ben in the room (he asks every other one): the middle fifth. */
const GROUP = [Math.round(TURNS * 0.4), Math.round(TURNS * 0.6)] as const;
const FACT_TURN = 3;

function utteranceAt(turn: number): string {
  if (turn === FACT_TURN) return FACT;
  if (turn === Math.round(TURNS * 0.25)) return 'my daughter is called maya';
  if (turn === GROUP[0] + 1) return 'we are staying until five';
  return QUESTIONS[turn % QUESTIONS.length]!;
}

interface Turn {
  turn: number;
  who: string;
  answered: boolean;
  v2vMs: number | undefined;
  memory: AgentMemory;
  /** Chat requests recorded before this turn began. */
  requestsBefore: number;
}

const messagesOf = (r: RecordedRequest) => (r.body as { messages: ChatMessage[] }).messages;
/**
 * A request's size as the model counts it: each message's text and its 4 tokens of framing, and
 * the tools' definitions (sent with every request) as their JSON.
 */
const tokensOf = (r: RecordedRequest) => {
  const { tools } = r.body as { tools?: unknown[] };
  const messages = messagesOf(r).reduce((sum, m) => sum + countTokens(m.content ?? '') + 4, 3);
  return messages + (tools?.length ? countTokens(JSON.stringify(tools)) : 0);
};
const isSummary = (r: RecordedRequest) =>
  messagesOf(r).at(-1)?.content.startsWith(SUMMARY_REQUEST_HEADER) ?? false;

async function ask(sim: SimParticipant, turn: number, requestsBefore: () => number) {
  const said = utteranceAt(turn);
  const before = requestsBefore();
  const { answered, silenceMs } = await askForAnswer(sim, said, ANSWERS[said]!.slice(0, 10));
  return { answered, v2vMs: silenceMs, before };
}

async function main(): Promise<void> {
  const phrases = [...new Set(Array.from({ length: TURNS }, (_, i) => utteranceAt(i + 1)))];
  const { fixture, agent } = await startMuseum(phrases, BUDGET, 'agent-session');
  const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat');
  const room = `session-${Date.now()}`;
  const started = Date.now();
  const turns: Turn[] = [];
  try {
    const ana = await joinPerson(room, 'Ana');
    let ben: SimParticipant | undefined;
    for (let t = 1; t <= TURNS; t++) {
      if (t === GROUP[0]) ben = await joinPerson(room, 'Ben');
      if (t === GROUP[1] && ben) {
        await ben.leave();
        ben = undefined;
      }
      const sim = ben && t % 2 === 0 ? ben : ana;
      const { answered, v2vMs, before } = await ask(sim, t, () => chats().length);
      turns.push({
        turn: t,
        who: sim.name,
        answered,
        v2vMs,
        memory: await agent.memory(),
        requestsBefore: before,
      });
      if (t % 10 === 0) {
        const elapsedS = Math.round((Date.now() - started) / 1000);
        process.stdout.write(`turn ${t}/${TURNS} (${elapsedS} s)\n`);
      }
    }
  } finally {
    await leaveAll();
  }
  const code = report(turns, chats());
  await endMuseum({ fixture, agent }, code);
}

function report(turns: Turn[], chats: RecordedRequest[]): number {
  const failures: string[] = [];
  // Each turn's largest reply request (drafts dropped for more words count too).
  const replies = turns.map((t, i) => {
    const end = turns[i + 1]?.requestsBefore ?? chats.length;
    const mine = chats.slice(t.requestsBefore, end).filter((r) => !isSummary(r));
    return mine.length ? Math.max(...mine.map(tokensOf)) : 0;
  });
  const summaries = chats.filter(isSummary);
  // What the whole conversation would weigh, unfolded: the turn the budget is reached on.
  const firstTools = (chats[0]!.body as { tools?: unknown[] }).tools;
  let whole =
    3 +
    countTokens(messagesOf(chats[0]!)[0]!.content) +
    4 +
    (firstTools?.length ? countTokens(JSON.stringify(firstTools)) : 0);
  let reachedAt: number | undefined;
  for (const t of turns) {
    const said = utteranceAt(t.turn);
    whole += countTokens(`${t.who}: ${said}`) + 4 + countTokens(ANSWERS[said]!) + 4;
    if (reachedAt === undefined && whole > BUDGET) reachedAt = t.turn;
  }
  const over = replies.filter((n) => n > BUDGET).length;
  if (over > 0) failures.push(`${over} turns with a request over the budget`);
  const unanswered = turns.filter((t) => !t.answered).map((t) => t.turn);
  if (unanswered.length) failures.push(`unanswered turns: ${unanswered.join(', ')}`);

  const last = chats.filter((r) => !isSummary(r)).at(-1);
  const lastMessages = last ? messagesOf(last) : [];
  const factInSummary = lastMessages[0]?.content.includes('four one seven') ?? false;
  const factTurnSent = lastMessages.slice(1).some((m) => m.content.includes('locker'));
  if (!factInSummary || factTurnSent) {
    failures.push(
      `the turn-${FACT_TURN} fact ${factInSummary ? 'came as the turn itself' : 'was lost'}`,
    );
  }

  // The same questions at both ends: a statement ending on a number ("... four one seven") is
  // held longer as maybe unfinished, and would weigh on whichever end it fell in.
  const asked = turns.filter((t) => QUESTIONS.includes(utteranceAt(t.turn)));
  const v2v = (window: Turn[]) => window.flatMap((t) => (t.v2vMs === undefined ? [] : [t.v2vMs]));
  const first = v2v(asked.slice(0, WINDOW));
  const lastWindow = v2v(asked.slice(-WINDOW));
  const p95First = percentile(first, 95);
  const p95Last = percentile(lastWindow, 95);
  const warm = turns[WINDOW - 1]!.memory.rss;
  const after = turns.slice(WINDOW - 1).map((t) => t.memory.rss);
  const grewPct = ((Math.max(...after) - warm) / warm) * 100;

  console.log(
    `\nbench:session: ${turns.length} turns (Ben in the room for turns ${GROUP[0]}-${GROUP[1] - 1}), ` +
      `AGENT_CONTEXT_TOKENS=${BUDGET}\n` +
      table(
        ['figure', 'value'],
        [
          ['unfolded conversation passes the budget at turn', reachedAt ?? 'never'],
          ['unfolded conversation at the end (tokens)', whole],
          ['largest reply request (o200k tokens)', Math.max(...replies)],
          ['largest from that turn on', Math.max(...replies.slice((reachedAt ?? 1) - 1))],
          ['requests over the budget', over],
          ['summary requests (folds)', summaries.length],
          [
            'last request: instructions + summary (tokens)',
            countTokens(lastMessages[0]?.content ?? ''),
          ],
          [`turn-${FACT_TURN} fact in the last request's summary`, factInSummary ? 'yes' : 'NO'],
          [`turn-${FACT_TURN} itself in the last request`, factTurnSent ? 'YES' : 'no'],
          ['answered', `${turns.length - unanswered.length}/${turns.length}`],
          [`v2v p95, first ${WINDOW} questions (ms)`, Math.round(p95First)],
          [`v2v p95, last ${WINDOW} questions (ms)`, Math.round(p95Last)],
          ['last / first', `${((p95Last / p95First - 1) * 100).toFixed(1)}%`],
          [`agent RSS at turn ${WINDOW} (MB)`, warm.toFixed(1)],
          ['agent RSS, largest after it (MB)', Math.max(...after).toFixed(1)],
          ['agent RSS at the end (MB)', turns.at(-1)!.memory.rss.toFixed(1)],
          ['growth after warm-up', `${grewPct.toFixed(1)}%`],
        ],
      ),
  );
  console.log(
    '\nper 10 turns: ' +
      table(
        ['turns', 'v2v p50', 'v2v p95', 'request max', ...MEMORY_COLUMNS],
        Array.from({ length: Math.ceil(turns.length / 10) }, (_, k) => {
          const slice = turns.slice(k * 10, k * 10 + 10);
          const v = slice.flatMap((t) => (t.v2vMs === undefined ? [] : [t.v2vMs]));
          return [
            `${k * 10 + 1}-${k * 10 + slice.length}`,
            Math.round(percentile(v, 50)),
            Math.round(percentile(v, 95)),
            Math.max(...replies.slice(k * 10, k * 10 + 10)),
            ...memoryCells(slice.at(-1)!.memory),
          ];
        }),
      ),
  );
  for (const f of failures) console.log(`FAIL: ${f}`);
  return failures.length ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
