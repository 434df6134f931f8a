/**
 * Scenarios 2-4: the person asks for a long story and, 1-4 s into it, says a backchannel
 * ("mm-hmm"), interrupts ("wait", "stop", a new question) or makes a noise (a cough, a door).
 * Each round is a new room: the person leaves once the round is measured, so a story that goes
 * on (as it should after a backchannel or a noise) does not have to be waited out.
 */
import {
  joinPerson,
  meanBufferMs,
  STOP_GAP_MS,
  type SimParticipant,
} from '@voice-agent/e2e/participants';
import type { PlayedSegment } from '@voice-agent/e2e/participants';
import { normalise } from '@voice-agent/e2e/script';
import { cough, doorSlam, timeline, type Timeline } from '@voice-agent/e2e/speech';
import { sleep, stats } from '@voice-agent/e2e/stats';
import { errorText, type ScenarioContext, type ScenarioResult } from './context.js';
import {
  firstSoundBetween,
  rate,
  requestEpoch,
  requestsBetween,
  speechInput,
  storyStopMs,
} from './measure.js';
import { BACKCHANNELS, BENCH_QUESTIONS, STOP_WORDS, STORY, STORY_QUESTION } from './script.js';

/** The story goes on if it is heard again within this long after the interjection ends. */
export const RESUME_WITHIN_MS = 2_000;
/** An interruption stopped the story if its last sound came within this long after the onset. */
export const STOPPED_WITHIN_MS = 1_500;
/** The resume gap is the longest silence in [onset, onset + this]. */
export const RESUME_WINDOW_MS = 3_000;
/** A silence counts for the resume gap from this long (10 ms frames below SOUND_PEAK). */
export const SILENCE_MIN_MS = 60;

export interface StoryRound {
  asked: PlayedSegment;
  /** First story sound heard. */
  storyAt: number;
  intoMs: number;
  /** The interjection's speech (or noise) as played. */
  burst: PlayedSegment;
  /** Chat requests after the story began (its own came before). */
  newChats: number;
  /** Epoch ms of the first TTS request after the onset for text that is not the story's. */
  replyRequestedAt: number | undefined;
  /** The longest silence in the story before the onset (its own pauses, for reference). */
  ownPauseMs: number;
  /**
   * The story was sounding at the onset (sound in the STOP_GAP_MS before it). Rounds where it
   * was not (it had already stopped by itself) measure nothing about the interjection and are
   * left out of the rates.
   */
  playingAtOnset: boolean;
  /** Epoch ms until which the round was observed. */
  observedUntil: number;
  /**
   * Mean delay of the listener's receive jitter buffer over the story until just before the
   * onset (ms): part of how late the listener hears the agent fall silent. Null if unread.
   */
  listenerBufferMs: number | null;
}

/** The jitter buffer is read this long before the onset (not awaited: the onset keeps its time). */
const BUFFER_READ_BEFORE_MS = 50;
/** A diagnostic: a failed stats call leaves the reading out, not the round. */
const readBuffer = (sim: SimParticipant) => sim.receiveBuffer().catch(() => undefined);

/**
 * Asks for the story, plays `interjection` `intoMs` after the story was first heard, and
 * observes until max(burst end + 2.5 s, onset + 4 s).
 */
export async function storyRound(
  sim: SimParticipant,
  ctx: ScenarioContext,
  interjection: Timeline,
  intoMs: number,
): Promise<StoryRound> {
  const [asked] = await sim.speak(
    timeline([{ silenceMs: 100 }, { say: STORY_QUESTION }, { silenceMs: 300 }]),
  );
  if (!asked) throw new Error('the story question was not played');
  const storyAt = await sim.waitFor('the story', () => sim.firstSoundAfter(asked.startAt), 20_000);
  const storyBuffer = readBuffer(sim);
  await sleep(storyAt + intoMs - BUFFER_READ_BEFORE_MS - Date.now());
  const onsetBuffer = readBuffer(sim);
  await sleep(storyAt + intoMs - Date.now());
  const [burst] = await sim.speak(interjection);
  const listenerBufferMs = meanBufferMs(await storyBuffer, await onsetBuffer);
  if (!burst) throw new Error('the interjection was not played');
  const observedUntil = Math.max(burst.endAt + 2_500, burst.startAt + 4_000);
  await sleep(observedUntil - Date.now());
  const reqs = ctx.fixture.requests;
  const story = normalise(STORY);
  const reply = requestsBetween(reqs, 'speech', burst.startAt).find(
    (r) => !story.includes(normalise(speechInput(r))),
  );
  return {
    asked,
    storyAt,
    intoMs,
    burst,
    newChats: requestsBetween(reqs, 'chat', storyAt).length,
    replyRequestedAt: reply ? requestEpoch(reply) : undefined,
    ownPauseMs: sim.longestSilence(storyAt, burst.startAt, SILENCE_MIN_MS),
    playingAtOnset: sim.soundMs(burst.startAt - STOP_GAP_MS, burst.startAt) > 0,
    observedUntil,
    listenerBufferMs,
  };
}

/**
 * Runs `count` rounds, each in a new room; `round` measures one and returns its summary line,
 * or undefined for a round whose story was already silent at the onset.
 */
async function rounds<T>(
  ctx: ScenarioContext,
  name: string,
  count: number,
  round: (sim: SimParticipant, i: number) => Promise<{ result?: T; line: string }>,
): Promise<{ results: T[]; failed: number; silentAtOnset: number }> {
  const results: T[] = [];
  let failed = 0;
  let silentAtOnset = 0;
  for (let i = 0; i < count; i++) {
    const what = `${name} ${i + 1}/${count}`;
    let sim: SimParticipant | undefined;
    try {
      sim = await joinPerson(ctx.room(name), 'Ana');
      const { result, line } = await round(sim, i);
      if (result === undefined) silentAtOnset++;
      else results.push(result);
      ctx.progress(`  ${what}: ${line}`);
    } catch (err) {
      failed++;
      ctx.progress(`  ${what}: failed: ${errorText(err)}`);
    } finally {
      await sim?.leave();
    }
  }
  return { results, failed, silentAtOnset };
}

const SILENT_AT_ONSET = 'the story was already silent at the onset: left out';

const intoStory = (ctx: ScenarioContext, minMs: number, maxMs: number) =>
  Math.round(minMs + ctx.rand() * (maxMs - minMs));

/** "Ignored" (the story went on) as the backchannel and noise scenarios define it. */
function wentOn(sim: SimParticipant, r: StoryRound): { wentOn: boolean; heardAgainMs: number } {
  const again = sim.firstSoundAfter(r.burst.endAt);
  const heardAgainMs = again === undefined ? Infinity : again - r.burst.endAt;
  return { wentOn: heardAgainMs <= RESUME_WITHIN_MS && r.newChats === 0, heardAgainMs };
}

export async function runBackchannels(ctx: ScenarioContext, n: number): Promise<ScenarioResult> {
  const { results, failed, silentAtOnset } = await rounds(ctx, 'backchannel', n, async (sim, i) => {
    const word = BACKCHANNELS[i % BACKCHANNELS.length]!;
    const r = await storyRound(
      sim,
      ctx,
      timeline([{ say: word }, { silenceMs: 300 }]),
      intoStory(ctx, 1_000, 4_000),
    );
    if (!r.playingAtOnset) return { line: `"${word}" ${r.intoMs} ms in: ${SILENT_AT_ONSET}` };
    const { wentOn: ignored, heardAgainMs } = wentOn(sim, r);
    const gapMs = sim.longestSilence(
      r.burst.startAt,
      r.burst.startAt + RESUME_WINDOW_MS,
      SILENCE_MIN_MS,
    );
    return {
      result: {
        word,
        intoMs: r.intoMs,
        ignored,
        gapMs,
        heardAgainMs: Number.isFinite(heardAgainMs) ? Math.round(heardAgainMs) : null,
        newChats: r.newChats,
        ownPauseMs: r.ownPauseMs,
      },
      line:
        `"${word}" ${r.intoMs} ms in: ${ignored ? 'ignored' : 'NOT ignored'} ` +
        `(heard again ${Number.isFinite(heardAgainMs) ? `${Math.round(heardAgainMs)} ms` : 'never'} after it, ` +
        `${r.newChats} new chat requests), longest silence ${Math.round(gapMs)} ms ` +
        `(the story's own before it: ${Math.round(r.ownPauseMs)} ms)`,
    };
  });
  const ignored = results.filter((r) => r.ignored);
  const gaps = stats(ignored.map((r) => r.gapMs));
  return {
    scenario: 'backchannels',
    rows: [
      {
        metric: 'ignored (story went on)',
        value: rate(ignored.length, results.length),
        n: results.length,
        target: '>= 90%',
        met: results.length ? ignored.length / results.length >= 0.9 : undefined,
      },
      {
        metric: 'resume gap p50 / p95 (ignored rounds)',
        value: ignored.length ? `${gaps.p50} / ${gaps.p95} ms` : '-',
        n: ignored.length,
        target: '<= 300 ms (p95)',
        met: ignored.length ? gaps.p95 <= 300 : undefined,
      },
    ],
    json: {
      rounds: results.length,
      ignored: ignored.length,
      resumeGapMs: ignored.length ? gaps : null,
      silenceDefinition: `10 ms frames below SOUND_PEAK for >= ${SILENCE_MIN_MS} ms, in [onset, onset + ${RESUME_WINDOW_MS} ms]`,
      storyOwnPauseMaxMs: Math.max(0, ...results.map((r) => r.ownPauseMs)),
      storySilentAtOnset: silentAtOnset,
      failedRounds: failed,
      perRound: results,
    },
    ...(results.length || silentAtOnset ? {} : { broken: 'no round got a story' }),
  };
}

/** Interruptions in turn: "wait", "stop", then a new question (one of BENCH_QUESTIONS). */
const INTERRUPTION_KINDS = [...STOP_WORDS, 'question'] as const;

export async function runInterruptions(ctx: ScenarioContext, n: number): Promise<ScenarioResult> {
  const { results, failed, silentAtOnset } = await rounds(
    ctx,
    'interruption',
    n,
    async (sim, i) => {
      const kind = INTERRUPTION_KINDS[i % INTERRUPTION_KINDS.length]!;
      const say =
        kind === 'question' ? BENCH_QUESTIONS[Math.floor(i / 3) % BENCH_QUESTIONS.length]! : kind;
      const r = await storyRound(
        sim,
        ctx,
        timeline([{ say }, { silenceMs: 300 }]),
        intoStory(ctx, 1_000, 4_000),
      );
      if (!r.playingAtOnset) return { line: `"${say}" ${r.intoMs} ms in: ${SILENT_AT_ONSET}` };
      const m = measureStop(sim, r);
      return {
        result: { kind, say, intoMs: r.intoMs, ...m },
        line:
          `"${say}" ${r.intoMs} ms in: ${m.stopped ? 'stopped' : 'NOT stopped'}, ` +
          `last story sound ${Math.round(m.stopMs)} ms after the onset` +
          `${m.replyRequested ? '' : ' (no reply to it requested)'}` +
          (m.listenerBufferMs === null
            ? ''
            : ` (listener's jitter buffer ${m.listenerBufferMs} ms)`),
      };
    },
  );
  return stopResult('interruptions', results, failed, silentAtOnset, {
    kinds: Object.fromEntries(
      INTERRUPTION_KINDS.map((k) => {
        const of = results.filter((r) => r.kind === k);
        return [k, { rounds: of.length, stopped: of.filter((r) => r.stopped).length }];
      }),
    ),
  });
}

/**
 * Stop latency as scenario 3 defines it (also used by the echo scenario's real interruptions):
 * the story's last sound after the onset (storyStopMs). A story that falls silent and then goes
 * on (sound again before the reply to the interruption was requested, within the observed
 * time) was paused, not stopped.
 */
export function measureStop(sim: SimParticipant, r: StoryRound) {
  const onset = r.burst.startAt;
  const stopMs = storyStopMs(sim.heard, onset, r.replyRequestedAt);
  const resumedAt = firstSoundBetween(
    sim.heard,
    onset + stopMs,
    Math.min(r.replyRequestedAt ?? Infinity, r.observedUntil),
  );
  return {
    /** Epoch ms of the onset, to find the round in the agent's log. */
    onsetAt: Math.round(onset),
    stopMs: Math.round(stopMs),
    stopped: stopMs <= STOPPED_WITHIN_MS && resumedAt === undefined,
    resumedAfterMs: resumedAt === undefined ? null : Math.round(resumedAt - onset),
    replyRequested: r.replyRequestedAt !== undefined,
    listenerBufferMs: r.listenerBufferMs === null ? null : Math.round(r.listenerBufferMs),
  };
}

export function stopResult(
  scenario: string,
  results: { stopped: boolean; stopMs: number }[],
  failed: number,
  silentAtOnset: number,
  extra: Record<string, unknown>,
): ScenarioResult {
  const stopped = results.filter((r) => r.stopped);
  const s = stats(stopped.map((r) => r.stopMs));
  return {
    scenario,
    rows: [
      {
        metric: 'stopped (within 1.5 s)',
        value: rate(stopped.length, results.length),
        n: results.length,
        target: '>= 98%',
        met: results.length ? stopped.length / results.length >= 0.98 : undefined,
      },
      {
        metric: 'stop latency p50 / p95',
        value: stopped.length ? `${s.p50} / ${s.p95} ms` : '-',
        n: stopped.length,
        target: '<= 250 ms (p95)',
        met: stopped.length ? s.p95 <= 250 : undefined,
      },
    ],
    json: {
      rounds: results.length,
      stopped: stopped.length,
      stopMs: stopped.length ? s : null,
      storySilentAtOnset: silentAtOnset,
      failedRounds: failed,
      ...extra,
      perRound: results,
    },
    ...(results.length || silentAtOnset ? {} : { broken: 'no round got a story' }),
  };
}

export async function runNoise(ctx: ScenarioContext, n: number): Promise<ScenarioResult> {
  const { results, failed, silentAtOnset } = await rounds(ctx, 'noise', n, async (sim, i) => {
    const seed = 100 + i;
    const kind = ctx.rand() < 0.5 ? 'cough' : 'door';
    const r = await storyRound(
      sim,
      ctx,
      kind === 'cough' ? cough(seed) : doorSlam(seed),
      intoStory(ctx, 1_000, 4_000),
    );
    if (!r.playingAtOnset) return { line: `${kind} ${r.intoMs} ms in: ${SILENT_AT_ONSET}` };
    const { wentOn: notStopped, heardAgainMs } = wentOn(sim, r);
    return {
      result: { kind, intoMs: r.intoMs, notStopped, heardAgainMs, newChats: r.newChats },
      line:
        `${kind} ${r.intoMs} ms in: ${notStopped ? 'not stopped' : 'STOPPED'} (heard again ` +
        `${Number.isFinite(heardAgainMs) ? `${Math.round(heardAgainMs)} ms` : 'never'} after it, ` +
        `${r.newChats} new chat requests)`,
    };
  });
  const ok = results.filter((r) => r.notStopped).length;
  return {
    scenario: 'noise',
    rows: [
      {
        metric: 'not stopped',
        value: rate(ok, results.length),
        n: results.length,
        target: '>= 95%',
        met: results.length ? ok / results.length >= 0.95 : undefined,
      },
    ],
    json: {
      rounds: results.length,
      notStopped: ok,
      kinds: {
        cough: results.filter((r) => r.kind === 'cough').length,
        door: results.filter((r) => r.kind === 'door').length,
      },
      storySilentAtOnset: silentAtOnset,
      failedRounds: failed,
      perRound: results.map((r) => ({
        ...r,
        heardAgainMs: Number.isFinite(r.heardAgainMs) ? Math.round(r.heardAgainMs) : null,
      })),
    },
    ...(results.length || silentAtOnset ? {} : { broken: 'no round got a story' }),
  };
}
