/**
 * Scenario 5, echo: a person whose microphone carries the agent's voice back (-10 dB, 50-150 ms
 * after it arrived, a new delay every turn) asks questions; the agent must not interrupt
 * itself. Every 5th turn the person asks for the story and interrupts it for real with "wait".
 */
import { askAndHear, joinPerson, untilQuiet } from '@voice-agent/e2e/participants';
import type { EchoOptions, SimParticipant } from '@voice-agent/e2e/participants';
import { normalise } from '@voice-agent/e2e/script';
import { timeline } from '@voice-agent/e2e/speech';
import { sleep } from '@voice-agent/e2e/stats';
import { agentSaid, errorText, type ScenarioContext, type ScenarioResult } from './context.js';
import { containsPhrase, rate, requestsBetween } from './measure.js';
import { BENCH_ANSWERS, BENCH_QUESTIONS } from './script.js';
import { measureStop, stopResult, storyRound } from './story.js';

export const ECHO_GAIN_DB = -10;
/** A reply heard for less than this share of the fixture's audio of it counts as cut short. */
const SHORT_REPLY_SHARE = 0.8;

interface EchoTurn {
  question: string;
  delayMs: number;
  /** What the agent's transcript of its reply holds (what it played). */
  said: string;
  /** The agent's reply was cut short (see selfInterrupted). */
  selfInterrupted: boolean;
  /** How it was judged: the agent's transcript, or (none arrived) heard duration. */
  judgedBy: 'transcript' | 'duration';
  heardMs: number;
  /** Chat requests after the reply began: the agent taking its own echo for a new turn. */
  extraChats: number;
  /** What the agent transcribed of the person during the turn (final), echo included. */
  heardFromPerson: string[];
}

/** Heard duration of speech the fixture synthesises for `text` (espeak-ng, its default voice). */
function referenceMs(text: string): number {
  const seg = timeline([{ say: text, voice: 'en' }]).segments[0]!;
  return ((seg.endSample - seg.startSample) * 1000) / 48_000;
}

async function questionTurn(
  sim: SimParticipant,
  ctx: ScenarioContext,
  question: string,
  echo: EchoOptions,
  what: string,
): Promise<EchoTurn> {
  const answer = BENCH_ANSWERS[normalise(question)]!;
  const { spoken, heardAt } = await askAndHear(sim, sim, question, what, 20_000);
  await untilQuiet(sim, heardAt, 1_500, 40_000);
  await sleep(300); // the transcript stream closes once the reply's audio is done
  const said = agentSaid(sim, spoken.startAt).join(' ');
  const spans = sim.soundSpans(600, heardAt);
  const heardMs = spans.length ? spans.at(-1)!.endAt - spans[0]!.startAt : 0;
  const judgedBy = said ? 'transcript' : 'duration';
  const selfInterrupted = said
    ? !containsPhrase(said, answer)
    : heardMs < SHORT_REPLY_SHARE * referenceMs(answer);
  return {
    question,
    delayMs: echo.delayMs,
    said,
    selfInterrupted,
    judgedBy,
    heardMs: Math.round(heardMs),
    extraChats: requestsBetween(ctx.fixture.requests, 'chat', heardAt).length,
    heardFromPerson: sim.transcripts
      .filter((t) => t.speaker === sim.identity && t.final && t.receivedAt >= spoken.startAt)
      .map((t) => t.text),
  };
}

export async function runEcho(ctx: ScenarioContext, turns: number): Promise<ScenarioResult> {
  const echoAt = () => ({ gainDb: ECHO_GAIN_DB, delayMs: Math.round(50 + ctx.rand() * 100) });
  const sim = await joinPerson(ctx.room('echo'), 'Ben', { echo: echoAt() });
  const replies: EchoTurn[] = [];
  const stops: (ReturnType<typeof measureStop> & { intoMs: number; delayMs: number })[] = [];
  let failed = 0;
  let silentAtOnset = 0;
  try {
    for (let t = 1; t <= turns; t++) {
      const echo = echoAt();
      sim.setEcho(echo);
      const what = `echo turn ${t}/${turns}`;
      try {
        if (t % 5 === 0) {
          const into = Math.round(1_000 + ctx.rand() * 2_000);
          const r = await storyRound(
            sim,
            ctx,
            timeline([{ say: 'wait' }, { silenceMs: 300 }]),
            into,
          );
          if (!r.playingAtOnset) {
            silentAtOnset++;
            ctx.progress(
              `  ${what} (echo ${echo.delayMs} ms): "wait" ${into} ms into the story: ` +
                'the story was already silent at the onset (cut short by itself): left out',
            );
            await untilQuiet(sim, r.burst.startAt, 1_500, 40_000);
            continue;
          }
          const m = measureStop(sim, r);
          stops.push({ ...m, intoMs: into, delayMs: echo.delayMs });
          ctx.progress(
            `  ${what} (echo ${echo.delayMs} ms): "wait" ${into} ms into the story: ` +
              `${m.stopped ? 'stopped' : 'NOT stopped'}, last story sound ${m.stopMs} ms after the onset` +
              `${m.resumedAfterMs === null ? '' : `, then went on ${m.resumedAfterMs} ms after it`}`,
          );
          await untilQuiet(sim, r.burst.startAt, 1_500, 40_000);
        } else {
          const q = BENCH_QUESTIONS[(t - 1) % BENCH_QUESTIONS.length]!;
          const turn = await questionTurn(sim, ctx, q, echo, what);
          replies.push(turn);
          ctx.progress(
            `  ${what} (echo ${echo.delayMs} ms): ${turn.selfInterrupted ? 'CUT SHORT' : 'complete'} ` +
              `(by ${turn.judgedBy}; heard ${turn.heardMs} ms${turn.extraChats ? `, ${turn.extraChats} extra chat requests` : ''})`,
          );
        }
      } catch (err) {
        failed++;
        ctx.progress(`  ${what}: failed: ${errorText(err)}`);
        await untilQuiet(sim, Date.now(), 2_500, 60_000).catch(() => undefined);
      }
    }
  } finally {
    await sim.leave();
  }
  const cut = replies.filter((r) => r.selfInterrupted).length;
  const stop = stopResult('echo', stops, 0, silentAtOnset, {});
  const stopped = stops.filter((s) => s.stopped).length;
  return {
    scenario: 'echo',
    rows: [
      {
        metric: 'self-interruptions',
        value: `${cut} in ${replies.length} turns`,
        n: replies.length,
        target: '0',
        met: replies.length ? cut === 0 : undefined,
      },
      {
        metric: 'replies to its own echo (extra chat requests)',
        value: rate(replies.filter((r) => r.extraChats > 0).length, replies.length),
        n: replies.length,
        target: '',
        met: undefined,
      },
      {
        metric: 'real "wait" stopped (within 1.5 s)',
        value:
          rate(stopped, stops.length) +
          (silentAtOnset ? `; ${silentAtOnset} left out (story already silent at the onset)` : ''),
        n: stops.length,
        target: '',
        met: undefined,
      },
      { ...stop.rows[1]!, met: undefined, target: '' },
    ],
    json: {
      echo: { gainDb: ECHO_GAIN_DB, delayMs: '50-150, seeded per turn' },
      selfInterruptionDefinition:
        "the agent's transcript of its reply (lk.transcription, written as it plays) lacks the " +
        `fixture's full answer; if no transcript arrived, heard duration < ${SHORT_REPLY_SHARE} x ` +
        "espeak-ng's duration of the answer",
      turns: replies.length,
      selfInterruptions: cut,
      stopAttempts: stops.length,
      stopped,
      stopMs: stop.json.stopMs,
      storySilentAtOnset: silentAtOnset,
      failedRounds: failed,
      perTurn: replies,
      perStop: stops,
    },
    ...(replies.length + stops.length ? {} : { broken: 'the agent answered nothing' }),
  };
}
