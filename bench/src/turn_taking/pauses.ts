/**
 * Scenario 1, pauses: a person says a sentence in two parts with a 600-900 ms pause after an
 * incomplete first part; and complete questions, for voice-to-voice against the floor.
 */
import {
  askAndHear,
  joinPerson,
  untilQuiet,
  type SimParticipant,
} from '@voice-agent/e2e/participants';
import { BENCH_FIXTURE, normalise } from '@voice-agent/e2e/script';
import { timeline } from '@voice-agent/e2e/speech';
import { sleep, stats } from '@voice-agent/e2e/stats';
import { agentSaid, errorText, type ScenarioContext, type ScenarioResult } from './context.js';
import { containsPhrase, lastUserText, rate, requestsBetween, speechInput } from './measure.js';
import {
  BENCH_QUESTIONS,
  HALF_REPLY,
  PAUSE_SENTENCES,
  REST_REPLY,
  wholeSentence,
} from './script.js';

/** VAD end of speech + STT final + LLM time to first token + TTS time to first byte. */
export const VAD_END_MS = 250;
export const FLOOR_MS =
  VAD_END_MS +
  BENCH_FIXTURE.realtime.finalDelayMs +
  BENCH_FIXTURE.chat.ttftMs +
  BENCH_FIXTURE.speech.ttfbMs;
export const FLOOR_FORMULA =
  `floor = VAD end ${VAD_END_MS} + STT final ${BENCH_FIXTURE.realtime.finalDelayMs} + ` +
  `LLM TTFT ${BENCH_FIXTURE.chat.ttftMs} + TTS TTFB ${BENCH_FIXTURE.speech.ttfbMs} = ${FLOOR_MS} ms`;

export interface PauseRound {
  sentence: string;
  pauseMs: number;
  /** Agent sound heard between the first part's start and the second part's last sample. */
  cutOff: boolean;
  /** The last chat request of the round held the whole sentence as its last user message. */
  oneTurn: boolean;
  /** The reply to the first part alone was spoken (the agent's transcript of what it played). */
  halfReply: boolean;
  /** The reply to the first part alone was requested from the TTS (perhaps never played). */
  halfReplyRequested: boolean;
  /** The reply to the second part alone was requested from the TTS (answered as two turns). */
  restReply: boolean;
  answered: boolean;
}

/**
 * One sentence said in two parts with a 600-900 ms pause between them; `label` heads its
 * progress line.
 */
export async function pauseRound(
  sim: SimParticipant,
  ctx: ScenarioContext,
  s: { first: string; rest: string },
  label: string,
): Promise<PauseRound> {
  const pauseMs = Math.round(600 + ctx.rand() * 300);
  const [first, rest] = await sim.speak(
    timeline([
      { silenceMs: 100 },
      { say: s.first, trim: true },
      { silenceMs: pauseMs },
      { say: s.rest, trim: true },
      { silenceMs: 300 },
    ]),
  );
  if (!first || !rest) throw new Error('the sentence was not played');
  const heardAt = sim.firstSoundAfter(first.startAt);
  const cutOff = heardAt !== undefined && heardAt <= rest.endAt;
  const answered = await sim
    .waitFor('the reply', () => sim.firstSoundAfter(rest.endAt), 10_000)
    .then(() => true)
    .catch(() => false);
  await untilQuiet(sim, first.startAt, 1_200, 40_000);
  await sleep(300);
  const reqs = ctx.fixture.requests;
  const chats = requestsBetween(reqs, 'chat', first.startAt);
  const last = chats.at(-1);
  const spoken = requestsBetween(reqs, 'speech', first.startAt).map(speechInput);
  const round: PauseRound = {
    sentence: wholeSentence(s),
    pauseMs,
    cutOff,
    oneTurn: last !== undefined && containsPhrase(lastUserText(last), wholeSentence(s)),
    halfReply: agentSaid(sim, first.startAt).some((t) =>
      normalise(HALF_REPLY).startsWith(normalise(t).split(' ').slice(0, 2).join(' ') || '-'),
    ),
    halfReplyRequested: spoken.includes(HALF_REPLY),
    restReply: spoken.includes(REST_REPLY),
    answered,
  };
  ctx.progress(
    `  ${label}: ${pauseMs} ms pause after "${s.first}": ` +
      `${cutOff ? `CUT OFF (agent heard ${Math.round(heardAt! - rest.endAt)} ms vs the end)` : 'not cut off'}, ` +
      `${round.oneTurn ? 'one turn' : 'not one turn'}` +
      `${round.halfReply ? ', REPLIED to the first part' : round.halfReplyRequested ? ', a reply to the first part was requested, not played' : ''}` +
      `${answered ? '' : ', no reply after the end'}`,
  );
  return round;
}

/**
 * A complete sentence said whole: v2v is the first agent sound after its end; sound during
 * it is a cut-in.
 */
export async function questionRound(
  sim: SimParticipant,
  ctx: ScenarioContext,
  q: string,
  what: string,
): Promise<{ v2vMs: number; cutIn: boolean }> {
  const { spoken, heardAt } = await askAndHear(sim, sim, q, what, 20_000);
  const cutIn = heardAt < spoken.endAt;
  const replyAt = await sim.waitFor(
    `${what}: the reply`,
    () => sim.firstSoundAfter(spoken.endAt),
    20_000,
  );
  await untilQuiet(sim, replyAt);
  ctx.progress(
    `  ${what}: v2v ${Math.round(replyAt - spoken.endAt)} ms` +
      `${cutIn ? ' (the agent cut into the question)' : ''}`,
  );
  return { v2vMs: replyAt - spoken.endAt, cutIn };
}

export async function runPauses(
  ctx: ScenarioContext,
  counts: { pauses: number; questions: number },
): Promise<ScenarioResult> {
  const sim = await joinPerson(ctx.room('pauses'), 'Ana');
  const rounds: PauseRound[] = [];
  const v2v: number[] = [];
  let cutIns = 0;
  let failed = 0;
  try {
    for (let i = 0; i < counts.pauses; i++) {
      try {
        const s = PAUSE_SENTENCES[i % PAUSE_SENTENCES.length]!;
        rounds.push(await pauseRound(sim, ctx, s, `pause ${i + 1}/${counts.pauses}`));
      } catch (err) {
        failed++;
        ctx.progress(`  pause ${i + 1}/${counts.pauses}: failed: ${errorText(err)}`);
        await untilQuiet(sim, Date.now(), 2_500, 60_000).catch(() => undefined);
      }
    }
    for (let i = 0; i < counts.questions; i++) {
      const q = BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]!;
      const what = `question ${i + 1}/${counts.questions}`;
      try {
        const heard = await questionRound(sim, ctx, q, what);
        v2v.push(heard.v2vMs);
        if (heard.cutIn) cutIns++;
      } catch (err) {
        failed++;
        ctx.progress(`  ${what}: failed: ${errorText(err)}`);
        await untilQuiet(sim, Date.now(), 2_500, 60_000).catch(() => undefined);
      }
    }
  } finally {
    await sim.leave();
  }
  const n = rounds.length;
  const count = (f: (r: PauseRound) => boolean) => rounds.filter(f).length;
  const cutOffs = count((r) => r.cutOff);
  const v = stats(v2v);
  const overP95 = v.p95 - FLOOR_MS;
  const heardAnything = v2v.length > 0 || rounds.some((r) => r.answered || r.cutOff);
  return {
    scenario: 'pauses',
    rows: [
      {
        metric: 'false cut-offs',
        value: rate(cutOffs, n),
        n,
        target: '<= 5%',
        met: n ? cutOffs / n <= 0.05 : undefined,
      },
      {
        metric: 'answered as one turn',
        value: rate(
          count((r) => r.oneTurn),
          n,
        ),
        n,
        target: '',
        met: undefined,
      },
      {
        metric: 'replies to the first part (spoken)',
        value: rate(
          count((r) => r.halfReply),
          n,
        ),
        n,
        target: '',
        met: undefined,
      },
      {
        metric: 'v2v p50 / p95',
        value: v2v.length ? `${v.p50} / ${v.p95} ms` : '-',
        n: v2v.length,
        target: '',
        met: undefined,
      },
      {
        metric: `v2v p95 - floor (${FLOOR_MS} ms)`,
        value: v2v.length ? `${overP95} ms` : '-',
        n: v2v.length,
        target: '<= 150 ms',
        met: v2v.length ? overP95 <= 150 : undefined,
      },
    ],
    json: {
      floorMs: FLOOR_MS,
      floorFormula: FLOOR_FORMULA,
      sentences: n,
      falseCutOffs: cutOffs,
      oneTurn: count((r) => r.oneTurn),
      halfReplies: count((r) => r.halfReply),
      halfRepliesRequested: count((r) => r.halfReplyRequested),
      restReplies: count((r) => r.restReply),
      unanswered: count((r) => !r.answered),
      v2vMs: v2v.length ? v : null,
      v2vValuesMs: v2v.map(Math.round),
      v2vP95OverFloorMs: v2v.length ? overP95 : null,
      questionsCutInto: cutIns,
      failedRounds: failed,
      rounds,
    },
    ...(heardAnything ? {} : { broken: 'the agent answered nothing' }),
  };
}
