/**
 * Turn latency benchmark through the real SFU, measured at a listening participant (see "How we
 * measure latency" in the project brief). Not a test: it prints figures and fails only when a
 * turn fails (no reply, a wrong reply, a reply before the question ended).
 *
 * Scenario 1, turns: a speaker asks registered questions, the OpenAI fixture answers at fixed
 * latencies, a listener records voice-to-voice (last speech sample of the question leaving the
 * speaker's AudioSource -> first agent sound arriving at the listener) and the agent's own
 * per-turn breakdown (METRICS_TOPIC).
 * Scenario 2, barge-in: the speaker asks for a long story and says "wait" 1-4 s into its audio;
 * stop time = the story falls silent at the listener - onset of "wait".
 *
 *   npm run bench:turns [-- --turns 30 --interruptions 20 --seed 1 --quick --agent-env K=V]
 *
 * Runs inside a private network namespace (run-in-netns.mjs), like the e2e tests; needs root,
 * livekit-server, espeak-ng, sox, pocketsphinx and a built agent (npm run build -w agent).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ParticipantKind, RoomEvent } from '@livekit/rtc-node';
import { findDotenv, readEnv } from '@voice-agent/common';
import type { TurnMetrics } from '@voice-agent/common';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture, RecordedRequest } from '@voice-agent/fixtures';
import { askAndHear, SimParticipant } from '../src/participants.js';
import { LOG_DIR, REPO_ROOT } from '../src/paths.js';
import { timeline } from '../src/speech.js';
import { AgentProcess, agentEnvOverrides, startLivekit } from '../src/stack.js';
import { percentile, seededRandom, sleep, stats, table } from '../src/stats.js';
import { teardown } from '../src/teardown.js';
import {
  BENCH_ANSWERS,
  BENCH_FIXTURE,
  BENCH_QUESTIONS,
  BENCH_REPLY,
  INTERRUPTION,
  STORY,
  STORY_QUESTION,
} from '../src/script.js';

// --- options -----------------------------------------------------------------------------------
const { values: args } = parseArgs({
  options: {
    turns: { type: 'string' },
    interruptions: { type: 'string' },
    quick: { type: 'boolean', default: false },
    seed: { type: 'string', default: '1' },
    /** Overrides one agent variable (e.g. AGENT_TURN_HOLD_MS=300); repeatable. */
    'agent-env': { type: 'string', multiple: true, default: [] },
  },
});
function count(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag}: expected a whole number >= 1`);
  return n;
}
const TURNS = count('turns', args.turns, args.quick ? 5 : 30);
const INTERRUPTIONS = count('interruptions', args.interruptions, args.quick ? 5 : 20);
const SEED = count('seed', args.seed, 1);
const AGENT_OVERRIDES = agentEnvOverrides(args['agent-env']);

// --- the conversation the fixture scripts (shared with bench/) ----------------------------------
const ANSWERS = BENCH_ANSWERS;
const QUESTIONS = BENCH_QUESTIONS;
const FIXTURE = BENCH_FIXTURE;

// --- the agent ---------------------------------------------------------------------------------
const TIMING_KEYS = [
  'AGENT_TURN_HOLD_MS',
  'AGENT_VAD_SILENCE_MS',
  'AGENT_STT_DRAFT_SILENCE_MS',
  'AGENT_VAD_MIN_SPEECH_MS',
  'AGENT_VAD_THRESHOLD',
  'AGENT_INTERRUPT_MIN_SPEECH_MS',
] as const;
type Timing = Record<(typeof TIMING_KEYS)[number], number>;

/**
 * The timing knobs the agent will run with, read by the built agent's own config loader
 * (agent/dist/config.js: defaults from agent/src/config.ts, then .env, then the environment).
 */
async function effectiveTiming(env: Record<string, string>) {
  const url = pathToFileURL(join(REPO_ROOT, 'agent', 'dist', 'config.js')).href;
  const { loadAgentConfig } = (await import(url)) as {
    loadAgentConfig(env: Record<string, string | undefined>): Timing;
  };
  const merged = readEnv({ ...process.env, ...env }, findDotenv(join(REPO_ROOT, 'agent')));
  const config = loadAgentConfig(merged);
  return TIMING_KEYS.map((key) => ({
    key,
    value: config[key],
    source: merged[key] === undefined ? 'default' : 'set',
  }));
}

// --- statistics and output ---------------------------------------------------------------------
const statRow = (label: string, values: number[]) => {
  const s = stats(values);
  return [label, s.p50, s.p95, s.min, s.max];
};
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Epoch ms of a fixture request (its `at` is performance.now() of this process). */
const epochOf = (r: RecordedRequest) => performance.timeOrigin + r.at;

// --- the room (as in test/voice-loop.test.ts) --------------------------------------------------
const STATE_ATTRIBUTE = 'lk.agent.state';
/**
 * Silence (ms) that separates two stretches of the agent's sound at the listener. Longer than
 * the pauses inside the story's sentences, shorter than the turn hold that precedes any reply.
 */
const STOP_GAP_MS = 400;

interface Pair {
  sam: SimParticipant;
  lee: SimParticipant;
  /** The agent's state changes (lk.agent.state) as Lee saw them arrive, epoch ms. */
  states: { at: number; state: string }[];
}

/** Everything the agent said in the room (its own transcripts), greetings excluded. */
const agentSaid = (sim: SimParticipant) =>
  sim.transcripts
    .filter((t) => t.from === sim.agent()?.identity && !t.speaker && !t.text.startsWith('Hello '))
    .map((t) => t.text);
const listening = (sim: SimParticipant) => sim.agent()?.attributes[STATE_ATTRIBUTE] === 'listening';

/** Joins a speaker (with a microphone) and a listener, and waits until both were greeted. */
async function joinPair(room: string): Promise<Pair> {
  const sam = await SimParticipant.join(room, `sam-${room}`, 'Sam');
  await sam.publishMicrophone();
  const lee = await SimParticipant.join(room, `lee-${room}`, 'Lee');
  const states: Pair['states'] = [];
  lee.room.on(RoomEvent.ParticipantAttributesChanged, (changed, p) => {
    const state = changed[STATE_ATTRIBUTE];
    if (state !== undefined && p.kind === ParticipantKind.AGENT) {
      states.push({ at: Date.now(), state });
    }
  });
  const greeted = (name: string) =>
    lee.transcripts.some((t) => t.text.startsWith(`Hello ${name},`));
  await lee.waitFor('greetings', () => greeted('Sam') && greeted('Lee'), 30_000);
  await lee.waitFor('greetings played', () => listening(lee), 15_000);
  return { sam, lee, states };
}

// --- scenario 1: turns -------------------------------------------------------------------------
interface TurnRecord {
  question: string;
  v2vMs: number;
  /** The agent's own breakdown of this turn (TurnMetrics). */
  agent: Pick<
    TurnMetrics,
    'endOfUtteranceMs' | 'sttFinalMs' | 'llmTtftMs' | 'ttsTtfbMs' | 'endToEndMs'
  >;
  /** At this process's clock, from the question's end (the last speech sample leaving Sam). */
  toThinkingSeenMs: number;
  /** The previous reply's 'listening' seen at the listener -> this turn's 'thinking' seen. */
  listeningToThinkingMs: number;
  toLlmRequestMs: number;
  llmToTtsRequestMs: number;
  ttsRequestToHeardMs: number;
}
const AGENT_STAGES = [
  'endOfUtteranceMs',
  'sttFinalMs',
  'llmTtftMs',
  'ttsTtfbMs',
  'endToEndMs',
] as const satisfies (keyof TurnRecord['agent'])[];

async function turns(fixture: OpenAiFixture, { sam, lee, states }: Pair, n: number) {
  const out: TurnRecord[] = [];
  for (let i = 0; i < n; i++) {
    const question = QUESTIONS[i % QUESTIONS.length]!;
    const what = `turn ${i + 1}/${n} ("${question}")`;
    const said = agentSaid(lee).length;
    const reported = lee.turnMetrics.length;
    const since = fixture.requests.length;
    const { spoken, heardAt } = await askAndHear(sam, lee, question, what, 15_000);
    if (heardAt <= spoken.endAt) {
      throw new Error(`${what}: the reply began ${spoken.endAt - heardAt} ms before it ended`);
    }
    await lee.waitFor(
      `${what}: the reply's transcript`,
      () => agentSaid(lee).length > said,
      20_000,
    );
    const answer = agentSaid(lee).slice(said).join(' | ');
    if (answer !== ANSWERS[question]) {
      throw new Error(`${what}: the agent said "${answer}", expected "${ANSWERS[question]}"`);
    }
    await lee.waitFor(`${what}: agent listening again`, () => listening(lee), 20_000);
    const metrics = await lee.waitFor(
      `${what}: the agent's turn report`,
      () => lee.turnMetrics.length > reported && lee.turnMetrics.at(-1),
      5_000,
    );
    const requests = fixture.requests.slice(since);
    const chat = requests.find((r) => r.endpoint === 'chat');
    const tts = requests.find((r) => r.endpoint === 'speech' && chat && r.at >= chat.at);
    if (!chat || !tts) throw new Error(`${what}: no LLM or TTS request reached the fixture`);
    const thinking = states.find((s) => s.at >= spoken.startAt && s.state === 'thinking');
    if (!thinking) throw new Error(`${what}: the agent's 'thinking' state was not seen`);
    const listened = states.findLast((s) => s.at <= thinking.at && s.state === 'listening');
    const record: TurnRecord = {
      question,
      v2vMs: heardAt - spoken.endAt,
      agent: {
        endOfUtteranceMs: metrics.endOfUtteranceMs,
        sttFinalMs: metrics.sttFinalMs,
        llmTtftMs: metrics.llmTtftMs,
        ttsTtfbMs: metrics.ttsTtfbMs,
        endToEndMs: metrics.endToEndMs,
      },
      toThinkingSeenMs: thinking.at - spoken.endAt,
      listeningToThinkingMs: thinking.at - (listened?.at ?? NaN),
      toLlmRequestMs: epochOf(chat) - spoken.endAt,
      llmToTtsRequestMs: tts.at - chat.at,
      ttsRequestToHeardMs: heardAt - epochOf(tts),
    };
    out.push(record);
    progress(
      `${what}: v2v ${Math.round(record.v2vMs)} ms (agent e2e ${metrics.endToEndMs}, ` +
        `'thinking' seen ${Math.round(record.toThinkingSeenMs)}, ` +
        `LLM request ${Math.round(record.toLlmRequestMs)} ms after the question)`,
    );
  }
  return out;
}

// --- scenario 2: barge-in ----------------------------------------------------------------------
interface BargeInRecord {
  /** How far into the story's audio (at the listener) "wait" was started. */
  intoStoryMs: number;
  stopMs: number;
  /** The agent's own log: onset of the speech (its VAD) -> reply aborted. */
  agentOnsetToStopMs: number | undefined;
  /** Whether the agent reacted to "wait" at all (a barge-in, or a turn). */
  heard: boolean;
  /** Whether the agent's hearing report showed Sam's microphone active during "wait". */
  levelActive: boolean;
}

async function bargeIns(fixture: OpenAiFixture, agent: AgentProcess, pair: Pair, m: number) {
  const { sam, lee } = pair;
  const rand = seededRandom(SEED);
  const bargeLogs = () => agent.logs().filter((l) => l.msg === 'barge-in');
  const out: BargeInRecord[] = [];
  for (let i = 0; i < m; i++) {
    const what = `interruption ${i + 1}/${m}`;
    const said = agentSaid(lee).length;
    const since = fixture.requests.length;
    const logged = bargeLogs().length;
    const [asked] = await sam.speak(
      timeline([{ silenceMs: 100 }, { say: STORY_QUESTION }, { silenceMs: 300 }]),
    );
    if (!asked) throw new Error(`${what}: the question was not played`);
    const storyAt = await lee.waitFor(
      `${what}: the story`,
      () => lee.firstSoundAfter(asked.endAt),
      15_000,
    );
    const intoStoryMs = Math.round(1_000 + rand() * 3_000);
    await sleep(storyAt + intoStoryMs - Date.now());
    const [interruption] = await sam.speak(timeline([{ say: INTERRUPTION }, { silenceMs: 300 }]));
    if (!interruption) throw new Error(`${what}: "wait" was not played`);
    // The story ends: cut short, or played out if "wait" went unheard (up to ~25 s).
    await lee.waitFor(`${what}: the end of the story`, () => agentSaid(lee).length > said, 40_000);
    const heardStory = agentSaid(lee)[said] ?? '';
    if (!STORY.startsWith(heardStory)) throw new Error(`${what}: unexpected story "${heardStory}"`);
    // Whether "wait" became a turn: the agent publishes what it transcribed of Sam as soon as
    // the final arrives (~0.4 s after "wait" ends), whatever its reply is doing.
    const storyEndedAt = Date.now();
    const transcribed = await lee.waitFor(
      `${what}: the transcript of "wait"`,
      () =>
        lee.transcripts.some(
          (t) => t.speaker === sam.identity && t.final && t.receivedAt >= interruption.startAt,
        ) || (Date.now() - storyEndedAt > 3_000 ? null : undefined),
      5_000,
    );
    if (transcribed) {
      await lee.waitFor(
        `${what}: the reply to "wait"`,
        () => agentSaid(lee).length > said + 1,
        30_000,
      );
    }
    await lee.waitFor(`${what}: agent listening again`, () => listening(lee), 20_000);
    // The story's audio is everything heard before the reply to "wait" was synthesised (the
    // agent speaks one reply at a time, so that reply cannot start before the story stopped).
    const requests = fixture.requests.slice(since);
    const replyChat = requests.filter((r) => r.endpoint === 'chat')[1];
    const replyTts = requests.find(
      (r) => r.endpoint === 'speech' && replyChat && r.at >= replyChat.at,
    );
    const cutoff = replyTts ? epochOf(replyTts) : Date.now();
    const log = bargeLogs()
      .slice(logged)
      .find((l) => l.participant === sam.identity);
    const agentOnsetToStopMs =
      typeof log?.onsetToStopMs === 'number' ? log.onsetToStopMs : undefined;
    const heard = log !== undefined || transcribed === true;
    // The story's sound at the listener from the onset of "wait" on, in stretches separated by
    // STOP_GAP_MS of silence. If the agent reacted, it stopped when the stretch in progress at
    // the onset ended (0 if it was silent then); if not, the story went on to its last sound.
    const onset = interruption.startAt;
    const spans = lee
      .soundSpans(STOP_GAP_MS, storyAt)
      .filter((sp) => sp.endAt >= onset && sp.startAt < cutoff);
    const stopSpan = heard ? spans[0] : spans.at(-1);
    const stopMs =
      stopSpan && (!heard || stopSpan.startAt <= onset + STOP_GAP_MS) ? stopSpan.endAt - onset : 0;
    const levelActive = lee.hearingHistory.some(
      (h) => h.at >= onset && h.at <= onset + 2_000 && h.report[sam.identity]?.active === true,
    );
    out.push({ intoStoryMs, stopMs, agentOnsetToStopMs, heard, levelActive });
    const heardAfter = spans
      .map((sp) => `${Math.round(sp.startAt - onset)}..${Math.round(sp.endAt - onset)}`)
      .join(', ');
    progress(
      `${what}: "wait" ${intoStoryMs} ms into the story, stopped after ${Math.round(stopMs)} ms` +
        ` (story sound after its onset, ms: ${heardAfter || 'none'})` +
        (heard
          ? ''
          : '; the agent did not hear "wait": no barge-in, no turn; its hearing report ' +
            (levelActive ? 'showed the microphone active' : 'did not show the microphone active')),
    );
  }
  return out;
}

// --- report ------------------------------------------------------------------------------------
interface Setup {
  floorMs: number;
  floorDefinition: string;
  holdMs: number;
  fixture: typeof FIXTURE;
  agent: Record<string, number>;
}

function reportTurns(t: TurnRecord[], s: Setup): Record<string, unknown> {
  const { realtime, chat, speech } = s.fixture;
  const v2v = t.map((r) => r.v2vMs);
  const overhead = v2v.map((v) => v - s.floorMs);
  const stage = (k: keyof TurnRecord['agent']) => t.map((r) => r.agent[k]);
  const outside = {
    "question end -> 'thinking' seen": t.map((r) => r.toThinkingSeenMs),
    'question end -> LLM request': t.map((r) => r.toLlmRequestMs),
    'LLM request -> TTS request': t.map((r) => r.llmToTtsRequestMs),
    'TTS request -> heard': t.map((r) => r.ttsRequestToHeardMs),
  };
  const f = s.floorMs;
  console.log(`\nScenario 1: turns (${t.length}, 1:1 room, speaker + listener), ms`);
  console.log(
    table(
      ['', 'p50', 'p95', 'min', 'max'],
      [
        statRow('voice-to-voice at the listener', v2v),
        ['floor (see below)', f, f, f, f],
        statRow('overhead = v2v - floor', overhead),
        ['agent breakdown (its TurnMetrics):', '', '', '', ''],
        statRow(`  endOfUtteranceMs (hold ${s.holdMs})`, stage('endOfUtteranceMs')),
        statRow(`  sttFinalMs (fixture ${realtime.finalDelayMs})`, stage('sttFinalMs')),
        statRow(`  llmTtftMs (fixture ${chat.ttftMs})`, stage('llmTtftMs')),
        statRow(`  ttsTtfbMs (fixture ${speech.ttfbMs})`, stage('ttsTtfbMs')),
        statRow('  endToEndMs (VAD end -> audio out)', stage('endToEndMs')),
        ['seen from outside (bench clock):', '', '', '', ''],
        ...Object.entries(outside).map(([label, values]) => statRow(`  ${label}`, values)),
      ],
    ),
  );
  console.log(`floor = ${s.floorDefinition}`);

  const perAnswer = QUESTIONS.map((q) => {
    const rs = t.filter((r) => r.question === q);
    const p50 = rs.length ? stats(rs.map((r) => r.llmToTtsRequestMs)).p50 : '-';
    return [`"${ANSWERS[q]}"`, rs.length, p50];
  });
  console.log('\nLLM request -> first TTS request, by answer (the chunker waits for a clause), ms');
  console.log(table(['answer', 'turns', 'p50'], perAnswer));

  const slowLimit = percentile(v2v, 50) + 1_000;
  const slow = t.flatMap((r, i) => (r.v2vMs > slowLimit ? [{ turn: i + 1, ...r }] : []));
  console.log(`\nslow turns (v2v > p50 + 1000 ms): ${slow.length} of ${t.length}`);
  if (slow.length) {
    console.log(
      table(
        [
          'turn',
          'v2v',
          'EOU',
          'e2e',
          "'thinking' seen",
          'LLM request',
          'TTS request',
          "prev 'listening' -> 'thinking'",
        ],
        slow.map((r) => [
          r.turn,
          Math.round(r.v2vMs),
          r.agent.endOfUtteranceMs,
          r.agent.endToEndMs,
          Math.round(r.toThinkingSeenMs),
          Math.round(r.toLlmRequestMs),
          Math.round(r.toLlmRequestMs + r.llmToTtsRequestMs),
          Math.round(r.listeningToThinkingMs),
        ]),
      ),
    );
  }
  return {
    scenario: 'turns',
    turns: t.length,
    v2vMs: stats(v2v),
    floorMs: s.floorMs,
    floorDefinition: s.floorDefinition,
    overheadMs: stats(overhead),
    agentP50Ms: Object.fromEntries(AGENT_STAGES.map((k) => [k, stats(stage(k)).p50])),
    outsideP50Ms: Object.fromEntries(
      Object.entries(outside).map(([label, values]) => [label, stats(values).p50]),
    ),
    slowTurns: slow.map((r) => r.turn),
    v2vValuesMs: v2v.map(Math.round),
    fixture: s.fixture,
    agent: s.agent,
  };
}

function reportBargeIns(b: BargeInRecord[], s: Setup): Record<string, unknown> {
  const stops = b.map((r) => r.stopMs);
  const late = b.filter((r) => r.stopMs > 2_000).length;
  const agentStops = b.flatMap((r) =>
    r.agentOnsetToStopMs === undefined ? [] : [r.agentOnsetToStopMs],
  );
  console.log(`\nScenario 2: barge-in (${b.length}, "wait" 1-4 s into a story), ms`);
  console.log(
    table(
      ['', 'p50', 'p95', 'min', 'max'],
      [
        statRow('stop: "wait" onset -> story silent at the listener', stops),
        ...(agentStops.length ? [statRow('  agent log: its VAD onset -> abort', agentStops)] : []),
      ],
    ),
  );
  const unheard = b.filter((r) => !r.heard).length;
  console.log(`not stopped within 2 s: ${late} of ${b.length}`);
  const levelOnly = b.filter((r) => !r.heard && r.levelActive).length;
  console.log(
    `"wait" not heard at all (no barge-in, no turn): ${unheard} of ${b.length}` +
      (unheard ? `; in ${levelOnly} of them its hearing report showed the microphone active` : ''),
  );
  return {
    scenario: 'barge-in',
    interruptions: b.length,
    stopMs: stats(stops),
    notStoppedWithin2s: late,
    notHeard: unheard,
    notHeardButLevelActive: levelOnly,
    agentOnsetToStopMs: agentStops.length ? stats(agentStops) : null,
    stopValuesMs: stops.map(Math.round),
    intoStoryValuesMs: b.map((r) => r.intoStoryMs),
    seed: SEED,
    fixture: s.fixture,
    agent: s.agent,
  };
}

// --- main --------------------------------------------------------------------------------------
let fixture: OpenAiFixture | undefined;

async function main(): Promise<void> {
  await startLivekit();
  fixture = await startOpenAiFixture({
    phrases: [...QUESTIONS, STORY_QUESTION, INTERRUPTION],
    apiKey: 'bench-key',
    script: {
      chat: { ...FIXTURE.chat, reply: BENCH_REPLY },
      realtime: FIXTURE.realtime,
      speech: FIXTURE.speech,
    },
  });
  if (fixture.warnings.length) throw new Error(`fixture: ${fixture.warnings.join('; ')}`);
  const agentEnv = {
    OPENAI_BASE_URL: fixture.baseUrl,
    OPENAI_API_KEY: 'bench-key',
    AGENT_STT: 'openai-realtime',
    AGENT_LLM: 'openai',
    AGENT_TTS: 'openai',
    // The agent's own default (the e2e harness raises it to debug).
    LOG_LEVEL: 'info',
    ...AGENT_OVERRIDES,
  };
  const timing = await effectiveTiming(agentEnv);
  const knob = (key: (typeof TIMING_KEYS)[number]) => timing.find((t) => t.key === key)!.value;
  const agent = await AgentProcess.start(agentEnv);

  const { realtime, chat, speech } = FIXTURE;
  const holdMs = knob('AGENT_TURN_HOLD_MS');
  const vadSilenceMs = knob('AGENT_VAD_SILENCE_MS');
  // The floor. A turn ends at max(speech end + hold, arrival of the final transcript)
  // (agent/src/conversation/turn_detector.ts); the final arrives STT-final after the commit, and
  // the commit happens once VAD has seen vadSilence of silence after the speech. Then the LLM's
  // first token, then the TTS's first byte. Not in the floor, because it cannot be known here:
  // the network both ways (speaker -> SFU -> agent, agent -> SFU -> listener) with its jitter
  // buffers; nor what is the agent's own cost: VAD windows, the chunker waiting for a clause,
  // the audio pipeline.
  const floorMs =
    Math.max(holdMs, vadSilenceMs + realtime.finalDelayMs) + chat.ttftMs + speech.ttfbMs;
  const setup: Setup = {
    floorMs,
    floorDefinition:
      `max(hold ${holdMs}, VAD silence ${vadSilenceMs} + STT final ${realtime.finalDelayMs}) + ` +
      `LLM TTFT ${chat.ttftMs} + TTS TTFB ${speech.ttfbMs} = ${floorMs} ms; the network both ` +
      'ways (speaker -> SFU -> agent -> SFU -> listener) is not in it: it cannot be known here',
    holdMs,
    fixture: FIXTURE,
    agent: Object.fromEntries(timing.map((x) => [x.key, x.value])),
  };

  console.log(
    'fixture (OpenAI-compatible, 127.0.0.1):\n' +
      `  realtime STT: finalDelayMs ${realtime.finalDelayMs}, deltaIntervalMs ${realtime.deltaIntervalMs}\n` +
      `  chat:         ttftMs ${chat.ttftMs}, tokenIntervalMs ${chat.tokenIntervalMs}\n` +
      `  speech:       ttfbMs ${speech.ttfbMs}, chunkMs ${speech.chunkMs}, realtimeFactor ${speech.realtimeFactor}\n` +
      `agent (${Object.entries(agentEnv)
        .filter(([k]) => k.startsWith('AGENT_') || k === 'LOG_LEVEL')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}):`,
  );
  for (const t of timing) console.log(`  ${t.key.padEnd(30)} ${t.value} (${t.source})`);
  console.log(`run: ${TURNS} turns, ${INTERRUPTIONS} interruptions, seed ${SEED}`);

  const started = Date.now();
  // One 1:1 room for both scenarios (a second room would cost two more greetings).
  const pair = await joinPair(`bench-${Date.now()}`);
  const t = await turns(fixture, pair, TURNS);
  const b = await bargeIns(fixture, agent, pair, INTERRUPTIONS);
  const runS = Math.round((Date.now() - started) / 1000);

  const turnsJson = reportTurns(t, setup);
  const bargeJson = reportBargeIns(b, setup);
  console.log(`\nrun time: ${runS} s (both scenarios, greetings included)\n`);
  console.log(JSON.stringify(turnsJson));
  console.log(JSON.stringify(bargeJson));
}

process.once('SIGINT', () => {
  progress('interrupted: tearing down');
  void teardown().finally(() => process.exit(130));
});
try {
  await main();
} catch (err) {
  console.error(`bench:turns failed: ${(err as Error).message}`);
  console.error(`logs of the agent and livekit-server: ${LOG_DIR}`);
  process.exitCode = 1;
} finally {
  await teardown();
  await fixture?.close();
}
// rtc-node was disposed by teardown(); nothing else should keep the process alive.
setTimeout(() => process.exit(), 10_000).unref();
