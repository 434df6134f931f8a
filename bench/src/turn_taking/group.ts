/**
 * Scenario 6, group: Ana and Ben talk with each other and, when they name it, with the agent
 * (Sam, reply policy `addressed`). The script is played turn by turn; the agent must answer the
 * turns that address it and stay quiet during the others.
 */
import { joinPerson, STOP_GAP_MS, untilQuiet } from '@voice-agent/e2e/participants';
import type { SimParticipant } from '@voice-agent/e2e/participants';
import { timeline } from '@voice-agent/e2e/speech';
import { errorText, type ScenarioContext, type ScenarioResult } from './context.js';
import { judgeReplyDecisions, QUIET_FOR_MS, rate, REPLY_WITHIN_MS } from './measure.js';
import type { PlayedTurn } from './measure.js';
import type { GroupScript } from './script.js';

/** Plays the script once in a new room with Ana and Ben; returns the turns as played. */
async function playScript(
  ctx: ScenarioContext,
  script: GroupScript,
  maxTurns: number,
): Promise<{ turns: PlayedTurn[]; listener: SimParticipant; error?: string }> {
  const room = ctx.room('group');
  const ana = await joinPerson(room, 'Ana');
  let ben: SimParticipant | undefined;
  const turns: PlayedTurn[] = [];
  try {
    ben = await joinPerson(room, 'Ben');
    let previousEnd = Date.now();
    for (const [index, turn] of script.turns.slice(0, maxTurns).entries()) {
      // gapMs of silence before this turn, after the previous one and any reply to it.
      await untilQuiet(ana, previousEnd, turn.gapMs ?? script.defaultGapMs, 120_000);
      const sim = turn.speaker === 'Ana' ? ana : ben;
      const [seg] = await sim.speak(timeline([{ say: turn.text }, { silenceMs: 100 }]));
      if (!seg) throw new Error(`turn ${index + 1} was not played`);
      turns.push({ index, ...turn, startAt: seg.startAt, endAt: seg.endAt });
      previousEnd = seg.endAt;
      if (turn.expectReply) {
        await ana
          .waitFor('a reply', () => ana.firstSoundAfter(seg.startAt), REPLY_WITHIN_MS)
          .catch(() => undefined);
      }
    }
    await untilQuiet(ana, previousEnd, QUIET_FOR_MS, 60_000);
    return { turns, listener: ana };
  } catch (err) {
    return { turns, listener: ana, error: errorText(err) };
  } finally {
    await ben?.leave();
    await ana.leave();
  }
}

export async function runGroup(
  ctx: ScenarioContext,
  script: GroupScript,
  rounds: number,
  maxTurns: number,
): Promise<ScenarioResult> {
  const all: ReturnType<typeof judgeReplyDecisions> = [];
  let failed = 0;
  for (let round = 1; round <= rounds; round++) {
    const { turns, listener, error } = await playScript(ctx, script, maxTurns);
    if (error) {
      failed++;
      ctx.progress(`  group round ${round}: failed after ${turns.length} turns: ${error}`);
    }
    const spans = listener.soundSpans(STOP_GAP_MS, turns[0]?.startAt ?? Infinity);
    for (const t of judgeReplyDecisions(spans, turns)) {
      all.push(t);
      const what = t.replied ? `replied (${t.heardAfterEndMs} ms after its end)` : 'quiet';
      ctx.progress(
        `  group ${round}.${t.index + 1} ${t.speaker}: "${t.text}" expects ` +
          `${t.expectReply ? 'a reply' : 'none'}: ${what}: ${t.correct ? 'ok' : 'WRONG'}`,
      );
    }
  }
  const correct = all.filter((t) => t.correct).length;
  const wrong = all.filter((t) => !t.correct);
  if (wrong.length) {
    ctx.progress(`  wrong decisions: ${wrong.map((t) => `turn ${t.index + 1}`).join(', ')}`);
  }
  return {
    scenario: 'group',
    rows: [
      {
        metric: 'reply decisions correct',
        value: rate(correct, all.length),
        n: all.length,
        target: '>= 95%',
        met: all.length ? correct / all.length >= 0.95 : undefined,
      },
    ],
    json: {
      script: script.source,
      scriptTurns: script.turns.length,
      defaultGapMs: script.defaultGapMs,
      turnsPlayed: all.length,
      rounds,
      correct,
      missedReplies: wrong.filter((t) => t.expectReply).length,
      unwantedReplies: wrong.filter((t) => !t.expectReply).length,
      wrong: wrong.map((t) => ({
        turn: t.index + 1,
        speaker: t.speaker,
        text: t.text,
        expectReply: t.expectReply,
        heardAfterEndMs: t.heardAfterEndMs,
      })),
      failedRounds: failed,
    },
    ...(all.some((t) => t.replied) ? {} : { broken: 'the agent replied to no turn' }),
  };
}
