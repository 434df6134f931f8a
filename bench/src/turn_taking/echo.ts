/**
 * Scenario 5, echo: a person whose microphone carries the agent's voice back (-10 dB and -3 dB
 * in turn, 30-300 ms after it arrived, a new delay every turn, and on every 3rd answer a delay
 * that moves while the agent speaks) asks questions; the agent must not interrupt itself, nor
 * take its own echo for a turn. The fixture recognises its own speech heard back (its
 * recogniseOwnSpeech), so its STT transcribes leaked echo as the agent's own words, as real ones do.
 * Every 6th turn the person asks for the story and interrupts it for real with "wait".
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

/** Echo levels, in turn: a laptop's speaker, and a phone on speaker held close. */
export const ECHO_GAINS_DB = [-10, -3] as const;
export const ECHO_DELAY_MS = { min: 30, max: 300 } as const;
/** Every this many turns, a real "wait" into the story. */
const WAIT_EVERY = 6;
/** Every this many answers, the delay moves this long into the reply. */
const MOVE_EVERY = 3;
const MOVE_AFTER_MS = 1_000;
/** A reply heard for less than this share of the fixture's audio of it counts as cut short. */
const SHORT_REPLY_SHARE = 0.8;

interface EchoTurn {
  question: string;
  gainDb: number;
  delayMs: number;
  /** The delay it moved to during the reply, if it moved. */
  movedToMs?: number;
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
  moveTo: number | undefined,
): Promise<EchoTurn> {
  const answer = BENCH_ANSWERS[normalise(question)]!;
  const { spoken, heardAt } = await askAndHear(sim, sim, question, what, 20_000);
  // The echo path changes while the agent speaks (the person moved their phone).
  const move =
    moveTo === undefined
      ? undefined
      : setTimeout(() => sim.setEcho({ ...echo, delayMs: moveTo }), MOVE_AFTER_MS);
  await untilQuiet(sim, heardAt, 1_500, 40_000).finally(() => clearTimeout(move));
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
    gainDb: echo.gainDb,
    delayMs: echo.delayMs,
    ...(moveTo === undefined ? {} : { movedToMs: moveTo }),
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
  const delay = () =>
    Math.round(ECHO_DELAY_MS.min + ctx.rand() * (ECHO_DELAY_MS.max - ECHO_DELAY_MS.min));
  // Answers and "wait"s each alternate between the levels.
  const echoAt = (t: number): EchoOptions => ({
    gainDb: ECHO_GAINS_DB[(t % WAIT_EVERY === 0 ? t / WAIT_EVERY : t) % ECHO_GAINS_DB.length]!,
    delayMs: delay(),
  });
  const sim = await joinPerson(ctx.room('echo'), 'Ben', { echo: echoAt(0) });
  const replies: EchoTurn[] = [];
  const stops: (ReturnType<typeof measureStop> & {
    intoMs: number;
    gainDb: number;
    delayMs: number;
  })[] = [];
  let failed = 0;
  let silentAtOnset = 0;
  try {
    for (let t = 1; t <= turns; t++) {
      const echo = echoAt(t);
      sim.setEcho(echo);
      const what = `echo turn ${t}/${turns} (${echo.gainDb} dB)`;
      try {
        if (t % WAIT_EVERY === 0) {
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
          stops.push({ ...m, intoMs: into, gainDb: echo.gainDb, delayMs: echo.delayMs });
          ctx.progress(
            `  ${what} (echo ${echo.delayMs} ms): "wait" ${into} ms into the story: ` +
              `${m.stopped ? 'stopped' : 'NOT stopped'}, last story sound ${m.stopMs} ms after the onset` +
              `${m.resumedAfterMs === null ? '' : `, then went on ${m.resumedAfterMs} ms after it`}`,
          );
          await untilQuiet(sim, r.burst.startAt, 1_500, 40_000);
        } else {
          const q = BENCH_QUESTIONS[(t - 1) % BENCH_QUESTIONS.length]!;
          const moveTo = (replies.length + 1) % MOVE_EVERY === 0 ? delay() : undefined;
          const turn = await questionTurn(sim, ctx, q, echo, what, moveTo);
          replies.push(turn);
          const moved = moveTo === undefined ? '' : ` -> ${moveTo} ms`;
          ctx.progress(
            `  ${what} (echo ${echo.delayMs}${moved} ms): ${turn.selfInterrupted ? 'CUT SHORT' : 'complete'} ` +
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
  const fromEcho = replies.filter((r) => r.extraChats > 0).length;
  const stop = stopResult('echo', stops, 0, silentAtOnset, {});
  const stopped = stops.filter((s) => s.stopped).length;
  const byGain = ECHO_GAINS_DB.map((gainDb) => {
    const at = replies.filter((r) => r.gainDb === gainDb);
    const moved = at.filter((r) => r.movedToMs !== undefined);
    return {
      gainDb,
      turns: at.length,
      selfInterruptions: at.filter((r) => r.selfInterrupted).length,
      turnsFromEcho: at.filter((r) => r.extraChats > 0).length,
      movedDelayTurns: moved.length,
      movedDelaySelfInterruptions: moved.filter((r) => r.selfInterrupted).length,
    };
  });
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
      ...byGain.map((g) => ({
        metric: `  at ${g.gainDb} dB (of them with a moving delay)`,
        value:
          `${g.selfInterruptions} in ${g.turns} ` +
          `(${g.movedDelaySelfInterruptions} in ${g.movedDelayTurns})`,
        n: g.turns,
        target: '0',
        met: g.turns ? g.selfInterruptions === 0 : undefined,
      })),
      {
        metric: 'turns from its own echo (extra chat requests)',
        value: rate(fromEcho, replies.length),
        n: replies.length,
        target: '0',
        met: replies.length ? fromEcho === 0 : undefined,
      },
      {
        metric: 'real "wait" stopped (within 1.5 s)',
        value:
          rate(stopped, stops.length) +
          (silentAtOnset ? `; ${silentAtOnset} left out (story already silent at the onset)` : ''),
        n: stops.length,
        target: '>= 90%',
        met: stops.length ? stopped >= 0.9 * stops.length : undefined,
      },
      ...ECHO_GAINS_DB.map((gainDb) => {
        const at = stops.filter((s) => s.gainDb === gainDb);
        return {
          metric: `  at ${gainDb} dB`,
          value: rate(at.filter((s) => s.stopped).length, at.length),
          n: at.length,
          target: '',
          met: undefined,
        };
      }),
      { ...stop.rows[1]!, met: undefined, target: '' },
    ],
    json: {
      echo: {
        gainsDb: ECHO_GAINS_DB,
        delayMs: `${ECHO_DELAY_MS.min}-${ECHO_DELAY_MS.max}, seeded per turn`,
        movingDelay: `every ${MOVE_EVERY}rd answer, ${MOVE_AFTER_MS} ms into the reply`,
      },
      byGain,
      turnsFromEcho: fromEcho,
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
