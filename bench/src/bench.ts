/**
 * `npm run bench`: our agent against LiveKit Agents JS 1.9 in one run, on the same
 * livekit-server, the same OpenAI-compatible fixture at fixed latencies and the same simulated
 * participants, all inside a private network namespace. Everything is measured at the
 * participants, from audio alone (the first and last sound of the agent's track), so both systems
 * are measured the same way.
 *
 * Scenarios, per system:
 *   join      a person joins a new room -> first sample of the agent's greeting heard
 *   turns     questions in a 1:1 room -> voice-to-voice (end of the question -> first reply sound)
 *   barge-in  "wait" 1-4 s into a long reply -> the reply falls silent; and 300 ms cough-like
 *             noise bursts during a reply: how often they stop it
 *   density   k rooms at once, each with one person asking a question every ~15 s: v2v p95 per
 *             k, turns unanswered or begun over the speaker, the system's CPU and memory (its
 *             whole process tree) per conversation. The people are the Go load generator
 *             (bench/loadgen, pre-encoded Opus, replies found by RTP packet size) or, with
 *             --load-generator rtc-node, rtc-node participants; go,rtc-node runs both on the
 *             same turns to calibrate one against the other.
 *
 *   npm run bench [-- --quick] [--systems ours,peer,peer-tuned] [--turns N] [--interruptions M]
 *                 [--coughs C] [--joins J] [--density 1,5,10] [--peer-density 1,5]
 *                 [--load-generator go|rtc-node|go,rtc-node] [--density-turns N]
 *                 [--period-ms 15000] [--chart out.png]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import {
  askAndHear,
  joinPerson,
  SimParticipant,
  STOP_GAP_MS,
  untilQuiet,
} from '@voice-agent/e2e/participants';
import { REPO_ROOT } from '@voice-agent/e2e/paths';
import { roomService, startLivekit } from '@voice-agent/e2e/stack';
import { teardown } from '@voice-agent/e2e/teardown';
import {
  BENCH_FIXTURE,
  BENCH_QUESTIONS,
  BENCH_REPLY,
  INTERRUPTION,
  STORY_QUESTION,
} from '@voice-agent/e2e/script';
import { cough, referenceUtterances, timeline } from '@voice-agent/e2e/speech';
import { renderChart } from './chart.js';
import { buildLoadgen, encodeQuestions, runLoadgen } from './loadgen.js';
import {
  seededRandom,
  sleep,
  stats,
  sttFinals,
  sttFinalsLine,
  table,
} from '@voice-agent/e2e/stats';
import {
  cpuSeconds,
  assertPeerInstalled,
  startSystem,
  TreeMeter,
  type RunningSystem,
  type SystemSpec,
} from './systems.js';

// --- options -----------------------------------------------------------------------------------
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    systems: { type: 'string' },
    turns: { type: 'string' },
    interruptions: { type: 'string' },
    coughs: { type: 'string' },
    joins: { type: 'string' },
    density: { type: 'string' },
    'peer-density': { type: 'string' },
    'load-generator': { type: 'string' },
    'density-turns': { type: 'string' },
    'period-ms': { type: 'string' },
    chart: { type: 'string' },
  },
});
const whole = (flag: string, v: string | undefined, fallback: number) => {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: expected a whole number`);
  return n;
};
const QUICK = args.quick;
const TURNS = whole('turns', args.turns, QUICK ? 3 : 30);
const INTERRUPTIONS = whole('interruptions', args.interruptions, QUICK ? 2 : 20);
const COUGHS = whole('coughs', args.coughs, QUICK ? 2 : 20);
const JOINS = whole('joins', args.joins, QUICK ? 3 : 20);
const rooms = (flag: string, list: string) =>
  list
    .split(',')
    .filter(Boolean)
    .map((k) => whole(flag, k, 1));
const DENSITY = rooms('density', args.density ?? (QUICK ? '2' : '1,5,10,20,40,50'));
/** The peer runs a process per job (~250 MB each): 20 rooms is about 5 GB already. */
const PEER_DENSITY = rooms('peer-density', args['peer-density'] ?? (QUICK ? '2' : '1,5,10,20'));
const GENERATORS = (args['load-generator'] ?? 'go').split(',').map((g) => {
  if (g !== 'go' && g !== 'rtc-node') throw new Error(`--load-generator: unknown "${g}"`);
  return g;
});
const DENSITY_TURNS = whole('density-turns', args['density-turns'], 3);
/** How often each person asks, on average (jittered +-30% by the generator). */
const PERIOD_MS = whole('period-ms', args['period-ms'], 15_000);
const CHART = args.chart ?? join(REPO_ROOT, 'bench', 'results', 'latency.png');

const ALL_SYSTEMS: Record<string, SystemSpec> = {
  ours: { name: 'ours', kind: 'ours', settings: 'defaults', env: {} },
  // The same agent with rtc-node's own event delivery (every event to every listener), to show
  // what room/ffi_dispatch.ts changes; run it with --systems ours,ours-broadcast.
  'ours-broadcast': {
    name: 'ours-broadcast',
    kind: 'ours',
    settings: 'AGENT_FFI_EVENT_ROUTING=off',
    env: { AGENT_FFI_EVENT_ROUTING: 'off' },
  },
  // The same agent with its voice track kept published while idle (room/voice_track.ts), to
  // show what withdrawing it saves; run it with --systems ours-voice-kept,ours.
  'ours-voice-kept': {
    name: 'ours-voice-kept',
    kind: 'ours',
    settings: 'AGENT_VOICE_IDLE_MS=0',
    env: { AGENT_VOICE_IDLE_MS: '0' },
  },
  peer: {
    name: 'peer',
    kind: 'peer',
    settings:
      'LiveKit Agents 1.9 defaults (silero VAD, openai STT/LLM/TTS at the fixture); worker load reported as 0',
    env: { PEER_PROFILE: 'defaults' },
  },
  'peer-tuned': {
    name: 'peer-tuned',
    kind: 'peer',
    settings:
      'turnDetection vad, endpointing minDelay 250 maxDelay 1500, silero minSilence 250 ' +
      'minSpeech 64, interruption vad minDuration 200, preemptive LLM+TTS, aecWarmup off, ' +
      'worker load reported as 0',
    env: { PEER_PROFILE: 'tuned' },
  },
};
const SYSTEMS = (args.systems ?? 'ours,peer,peer-tuned').split(',').map((name) => {
  const spec = ALL_SYSTEMS[name];
  if (!spec) throw new Error(`--systems: unknown "${name}" (${Object.keys(ALL_SYSTEMS)})`);
  return spec;
});

// --- the conversation the fixture scripts (shared with bench:turns) -----------------------------
const QUESTIONS = BENCH_QUESTIONS;
const FIXTURE = BENCH_FIXTURE;

// --- helpers -----------------------------------------------------------------------------------
const progress = (line: string) => process.stderr.write(`${line}\n`);
/** Asks one question and returns voice-to-voice (ms), once the reply is over. */
async function askOnce(sim: SimParticipant, question: string, what: string): Promise<number> {
  const { spoken, heardAt } = await askAndHear(sim, sim, question, what, 20_000);
  await untilQuiet(sim, heardAt);
  return heardAt - spoken.endAt;
}

// --- scenarios ---------------------------------------------------------------------------------
async function scenarioJoin(n: number, tag: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const sim = await SimParticipant.join(`join-${tag}-${i}-${Date.now()}`, `j${i}`, 'Joiner');
    const joinedAt = Date.now();
    const heard = await sim.waitFor(
      `join ${i + 1}: greeting`,
      () => sim.firstSoundAfter(0),
      30_000,
    );
    out.push(heard - joinedAt);
    progress(`  join ${i + 1}/${n}: first greeting sample ${heard - joinedAt} ms after joining`);
    await sim.leave();
  }
  return out;
}

async function scenarioTurns(
  n: number,
  tag: string,
): Promise<{ v2v: number[]; unanswered: number }> {
  let unanswered = 0;
  const sim = await joinPerson(`turns-${tag}-${Date.now()}`, 'Sam');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = QUESTIONS[i % QUESTIONS.length]!;
    try {
      const v2v = await askOnce(sim, q, `turn ${i + 1}`);
      out.push(v2v);
      progress(`  turn ${i + 1}/${n}: v2v ${Math.round(v2v)} ms`);
    } catch (err) {
      unanswered++;
      progress(`  turn ${i + 1}/${n}: ${(err as Error).message}`);
      await untilQuiet(sim, Date.now(), 2_500, 60_000).catch(() => undefined);
    }
  }
  await sim.leave();
  return { v2v: out, unanswered };
}

interface BargeResult {
  stops: number[];
  notStopped: number;
  coughStops: number;
  coughs: number;
  /** Rounds with no story or no recovery (the system did not answer). */
  failed: number;
}

async function scenarioBargeIn(m: number, c: number, tag: string): Promise<BargeResult> {
  const sim = await joinPerson(`barge-${tag}-${Date.now()}`, 'Sam');
  const rand = seededRandom(1);
  const stops: number[] = [];
  let notStopped = 0;
  let coughStops = 0;
  const rounds = [
    ...Array.from({ length: m }, () => 'wait' as const),
    ...Array.from({ length: c }, () => 'cough' as const),
  ];
  let failed = 0;
  for (const [i, kind] of rounds.entries()) {
    const what = kind === 'wait' ? `wait ${i + 1}/${m}` : `cough ${i + 1 - m}/${c}`;
    try {
      const [asked] = await sim.speak(
        timeline([{ silenceMs: 100 }, { say: STORY_QUESTION }, { silenceMs: 300 }]),
      );
      if (!asked) throw new Error('the story question was not played');
      const storyAt = await sim.waitFor(
        `${what}: the story`,
        () => sim.firstSoundAfter(asked.endAt),
        20_000,
      );
      const into = Math.round(1_000 + rand() * 3_000);
      await sleep(storyAt + into - Date.now());
      const [burst] = await sim.speak(
        kind === 'wait' ? timeline([{ say: INTERRUPTION }, { silenceMs: 300 }]) : cough(),
      );
      if (!burst) throw new Error(`${kind} was not played`);
      const onset = burst.startAt;
      await untilQuiet(sim, storyAt, 2_500, 60_000);
      // The story is everything heard before the reply to "wait" was requested from the TTS
      // (both systems ask the fixture for "Okay."); the stop is its last sound after the onset.
      const okay = fixture!.requests.find(
        (r) =>
          r.endpoint === 'speech' &&
          performance.timeOrigin + r.at > onset &&
          (r.body as { input?: string }).input?.trim() === 'Okay.',
      );
      const cutoff = okay ? performance.timeOrigin + okay.at : Infinity;
      const story = sim.soundSpans(STOP_GAP_MS, onset).filter((sp) => sp.startAt < cutoff);
      const stopMs = story.length ? Math.min(story.at(-1)!.endAt, cutoff) - onset : 0;
      if (kind === 'wait') {
        if (stopMs < 2_000) stops.push(stopMs);
        else notStopped++;
        progress(`  ${what}: ${into} ms into the story, silent after ${Math.round(stopMs)} ms`);
      } else {
        // A cough stopped the agent if the story's last sound came within 1.5 s of the burst
        // (a pause that the story resumes from is not counted).
        const ended = stopMs < 1_500;
        if (ended) coughStops++;
        progress(`  ${what}: ${ended ? `stopped it (${Math.round(stopMs)} ms)` : 'ignored'}`);
      }
    } catch (err) {
      failed++;
      progress(`  ${what}: failed: ${(err as Error).message}`);
      await untilQuiet(sim, Date.now(), 2_500, 60_000).catch(() => undefined);
    }
  }
  await sim.leave();
  return { stops, notStopped, coughStops, coughs: c, failed };
}

interface DensityPoint {
  k: number;
  generator: 'go' | 'rtc-node';
  v2v: number[];
  /** Rooms that failed to join or to be greeted (rtc-node: also a turn that failed). */
  failed: number;
  unanswered: number;
  /** Replies whose first sound came before the question ended. */
  overSpeaker: number;
  /** The load generator's own CPU per simulated person, % of a core (go only). */
  loadgenCpuPerPersonPct: number | undefined;
  livekitCpuPct: number;
  cpuPerConversationPct: number;
  rssPerConversationMb: number;
  peakRssMb: number;
  benchCpuPct: number;
  /** The agent process's CPU by thread name, % of a core over the run (all k conversations). */
  threadsPct: [string, number][];
}

let questionClips: string[] | undefined;

/** The people of one density point: the Go load generator's, or rtc-node participants. */
async function densityPeople(
  k: number,
  tag: string,
  generator: 'go' | 'rtc-node',
): Promise<
  Pick<DensityPoint, 'v2v' | 'failed' | 'unanswered' | 'overSpeaker' | 'loadgenCpuPerPersonPct'>
> {
  if (generator === 'go') {
    questionClips ??= encodeQuestions(QUESTIONS);
    const r = await runLoadgen({
      people: k,
      turns: DENSITY_TURNS,
      periodMs: PERIOD_MS,
      prefix: `density-${tag}-${k}-${Date.now()}`,
      questions: questionClips,
      sizes: true,
    });
    for (const e of r.errors) progress(`  ${e}`);
    // What separates the agent's silence from its speech on the wire (payload bytes: packets).
    const sizes = Object.entries(r.agentPayloadBytes ?? {}).sort(([a], [b]) => +a - +b);
    progress(
      `  agent RTP payload sizes (bytes:packets): ${sizes.map((e) => e.join(':')).join(' ')}`,
    );
    return {
      v2v: r.turns.flatMap((t) => (t.v2vMs === undefined ? [] : [t.v2vMs])),
      failed: r.errors.length,
      unanswered: r.turns.filter((t) => t.unanswered).length,
      overSpeaker: r.turns.filter((t) => t.overSpeakerMs !== undefined).length,
      loadgenCpuPerPersonPct: r.cpuPerPersonPct,
    };
  }
  const v2v: number[] = [];
  let failed = 0;
  let overSpeaker = 0;
  await Promise.all(
    Array.from({ length: k }, async (_, r) => {
      await sleep(r * 150); // joins spread a little, as people arrive
      try {
        const sim = await joinPerson(`density-${tag}-${k}-${r}-${Date.now()}`, 'Sam');
        let next = Date.now() + Math.random() * PERIOD_MS;
        for (let t = 0; t < DENSITY_TURNS; t++) {
          await sleep(next - Date.now());
          const started = Date.now();
          next = started + PERIOD_MS * (0.7 + 0.6 * Math.random());
          const q = QUESTIONS[(r + t) % QUESTIONS.length]!;
          const ms = await askOnce(sim, q, `room ${r + 1} turn ${t + 1}`);
          if (ms < 0) overSpeaker++;
          else v2v.push(ms);
        }
        await sim.leave();
      } catch (err) {
        failed++;
        progress(`  room ${r + 1}/${k}: ${(err as Error).message}`);
      }
    }),
  );
  return { v2v, failed, unanswered: 0, overSpeaker, loadgenCpuPerPersonPct: undefined };
}

/**
 * Ends every room still open. An earlier point's rooms linger until LiveKit's departure timeout,
 * and their jobs count against the agent's AGENT_MAX_JOBS: k=50 right after k=30 had 27 rooms
 * left without an agent ("no servers available"). Then waits out one load report.
 */
async function closeRooms(): Promise<void> {
  const service = roomService();
  const rooms = await service.listRooms();
  await Promise.all(rooms.map((r) => service.deleteRoom(r.name)));
  if (rooms.length) await sleep(3_000);
}

async function scenarioDensity(
  k: number,
  sys: RunningSystem,
  tag: string,
  generator: 'go' | 'rtc-node',
): Promise<DensityPoint> {
  await closeRooms();
  const meter = new TreeMeter(sys.pid);
  const idle = new TreeMeter(sys.pid);
  idle.start();
  await sleep(1_000);
  const baseline = idle.stop();
  const benchCpu0 = cpuSeconds(process.pid);
  const livekitCpu0 = cpuSeconds(livekitPid);
  meter.start();
  const started = Date.now();
  const people = await densityPeople(k, `${tag}-${generator}`, generator);
  const seconds = (Date.now() - started) / 1000;
  const used = meter.stop();
  const benchCpu = cpuSeconds(process.pid) - benchCpu0;
  return {
    k,
    generator,
    ...people,
    livekitCpuPct: (100 * (cpuSeconds(livekitPid) - livekitCpu0)) / seconds,
    cpuPerConversationPct: (100 * used.cpuS) / seconds / k,
    rssPerConversationMb: (used.peakRssMb - baseline.peakRssMb) / k,
    peakRssMb: used.peakRssMb,
    benchCpuPct: (100 * benchCpu) / seconds,
    threadsPct: used.threads.map(([name, s]) => [name, (100 * s) / seconds]),
  };
}

// --- main --------------------------------------------------------------------------------------
interface SystemResult {
  spec: SystemSpec;
  join: number[];
  turns: number[];
  /** Questions that got no reply within 20 s. */
  unanswered: number;
  barge: BargeResult | undefined;
  density: DensityPoint[];
  warnings: string[];
  /** The fixture's STT finals while this system ran (commit -> final, as sent). */
  stt: ReturnType<typeof sttFinals>;
}

let fixture: OpenAiFixture | undefined;

async function runSystem(spec: SystemSpec): Promise<SystemResult> {
  const requestsBefore = fixture!.requests.length;
  const sys = await startSystem(spec, {
    OPENAI_BASE_URL: fixture!.baseUrl,
    OPENAI_API_KEY: 'bench-key',
  });
  try {
    progress(`\n[${spec.name}] join`);
    const joinMs = JOINS ? await scenarioJoin(JOINS, spec.name) : [];
    progress(`[${spec.name}] turns`);
    const turns = TURNS ? await scenarioTurns(TURNS, spec.name) : { v2v: [], unanswered: 0 };
    progress(`[${spec.name}] barge-in`);
    const barge =
      INTERRUPTIONS + COUGHS ? await scenarioBargeIn(INTERRUPTIONS, COUGHS, spec.name) : undefined;
    const density: DensityPoint[] = [];
    for (const k of spec.kind === 'ours' ? DENSITY : PEER_DENSITY) {
      let exhausted = false;
      for (const generator of GENERATORS) {
        progress(`[${spec.name}] density k=${k} (${generator})`);
        const point = await scenarioDensity(k, sys, spec.name, generator);
        density.push(point);
        const p95 = stats(point.v2v).p95;
        progress(
          `  k=${k}: v2v p95 ${p95} ms, ${point.failed} rooms failed, ` +
            `${point.unanswered} unanswered, ${point.overSpeaker} over the speaker`,
        );
        if (point.failed > k / 2) exhausted = true; // the machine (or the system) has run out
      }
      if (exhausted) break;
    }
    return {
      spec,
      join: joinMs,
      turns: turns.v2v,
      unanswered: turns.unanswered,
      barge,
      density,
      warnings: sys.warnings(),
      stt: sttFinals(fixture!.requests.slice(requestsBefore)),
    };
  } finally {
    await sys.stop();
  }
}

let livekitPid = -1;

async function main(): Promise<void> {
  if (SYSTEMS.some((s) => s.kind === 'peer')) assertPeerInstalled();
  if (GENERATORS.includes('go')) buildLoadgen();
  livekitPid = (await startLivekit()).pid;
  const phrases = [...QUESTIONS, STORY_QUESTION, INTERRUPTION];
  fixture = await startOpenAiFixture({
    phrases,
    references: referenceUtterances(phrases),
    apiKey: 'bench-key',
    script: {
      chat: {
        ...FIXTURE.chat,
        reply: BENCH_REPLY,
      },
      realtime: FIXTURE.realtime,
      speech: FIXTURE.speech,
    },
  });
  const results: SystemResult[] = [];
  for (const spec of SYSTEMS) results.push(await runSystem(spec));
  report(results);
  // The figures are only worth printing if the run itself worked: every system answered, and
  // ours answered every question and recovered from every interruption.
  const broken = results.flatMap((r) => {
    const problems: string[] = [];
    if (TURNS && r.turns.length === 0) problems.push('answered no question');
    if (JOINS && r.join.length === 0) problems.push('greeted nobody');
    if (r.spec.kind === 'ours' && r.unanswered) problems.push(`left ${r.unanswered} unanswered`);
    if (r.spec.kind === 'ours' && r.barge?.failed) problems.push(`failed ${r.barge.failed} rounds`);
    const first = r.density[0];
    if (r.spec.kind === 'ours' && first && first.failed + first.unanswered + first.overSpeaker)
      problems.push(`failed turns or rooms at k=${first.k} (${first.generator})`);
    return problems.map((p) => `${r.spec.name} ${p}`);
  });
  if (broken.length) throw new Error(broken.join('; '));
}

function report(results: SystemResult[]): void {
  const { realtime, chat, speech } = FIXTURE;
  console.log(
    `\nfixture: STT final ${realtime.finalDelayMs} ms, LLM TTFT ${chat.ttftMs} ms ` +
      `(${chat.tokenIntervalMs} ms/token), TTS TTFB ${speech.ttfbMs} ms, speech in real time`,
  );
  for (const r of results) console.log(`${r.spec.name}: ${r.spec.settings}`);
  for (const r of results) console.log(`${r.spec.name}: ${sttFinalsLine(r.stt)}`);
  const ours = results.find((r) => r.spec.kind === 'ours');
  const ratio = (mine: number, theirs: number) => (theirs ? (mine / theirs).toFixed(2) : '-');
  const rows = results.map((r) => {
    const t = stats(r.turns);
    const j = stats(r.join);
    const b = r.barge ? stats(r.barge.stops) : undefined;
    return [
      r.spec.name,
      t.p50,
      t.p95,
      ours && r !== ours ? ratio(stats(ours.turns).p50, t.p50) : '',
      `${r.unanswered}/${r.turns.length + r.unanswered}`,
      b?.p50 ?? '-',
      b?.p95 ?? '-',
      r.barge ? `${r.barge.notStopped}/${INTERRUPTIONS}` : '-',
      r.barge ? `${r.barge.coughStops}/${r.barge.coughs}` : '-',
      r.barge ? r.barge.failed : '-',
      j.p50,
      j.p95,
    ];
  });
  console.log('\nms; ratio = ours / this system, p50 against p50, same run');
  console.log(
    table(
      [
        'system',
        'v2v p50',
        'v2v p95',
        'ours/it',
        'unanswered',
        'stop p50',
        'stop p95',
        'not stopped',
        'coughs stopped',
        'rounds failed',
        'greeting p50',
        'greeting p95',
      ],
      rows,
    ),
  );
  console.log(
    `\ndensity: k rooms at once, ${DENSITY_TURNS} questions each, one every ${PERIOD_MS} ms +-30%; ` +
      'n = answered turns; gen CPU = the load generator per person, % of a core',
  );
  console.log(
    table(
      [
        'system',
        'generator',
        'k',
        'n',
        'v2v p50',
        'v2v p95',
        'failed',
        'unanswered',
        'over speaker',
        'gen CPU %/person',
        'livekit CPU %',
        'CPU %/conv',
        'RSS MB/conv',
        'peak RSS MB',
        'bench CPU %',
      ],
      results.flatMap((r) =>
        r.density.map((d) => {
          const s = stats(d.v2v);
          return [
            r.spec.name,
            d.generator,
            d.k,
            d.v2v.length,
            s.p50,
            s.p95,
            d.failed,
            d.unanswered,
            d.overSpeaker,
            d.loadgenCpuPerPersonPct?.toFixed(2) ?? '-',
            Math.round(d.livekitCpuPct),
            d.cpuPerConversationPct.toFixed(1),
            d.rssPerConversationMb.toFixed(1),
            Math.round(d.peakRssMb),
            Math.round(d.benchCpuPct),
          ];
        }),
      ),
    ),
  );
  // Where the agent's CPU goes: its main thread (JavaScript: VAD, echo gate, the pipeline) and
  // the native threads (WebRTC's Opus encoder and network, rtc-node's audio capture and FFI).
  const THREADS_SHOWN = 6;
  for (const r of results) {
    // The peer's jobs run in child processes; its root's threads would say little.
    if (r.spec.kind !== 'ours') continue;
    for (const d of r.density) {
      if (!d.threadsPct.length) continue;
      const shown = d.threadsPct.slice(0, THREADS_SHOWN);
      const rest = d.threadsPct.slice(THREADS_SHOWN).reduce((sum, [, pct]) => sum + pct, 0);
      const parts = shown.map(([name, pct]) => `${name} ${pct.toFixed(1)}`);
      if (rest > 0) parts.push(`other ${rest.toFixed(1)}`);
      console.log(
        `${r.spec.name} k=${d.k} (${d.generator}), agent process CPU by thread (% of a core): ${parts.join(', ')}`,
      );
    }
  }
  for (const r of results) {
    const message = (w: string) => {
      try {
        return String((JSON.parse(w) as { msg?: unknown }).msg).slice(0, 100);
      } catch {
        return w.slice(0, 100);
      }
    };
    const distinct = [...new Set(r.warnings.map(message))];
    if (distinct.length) {
      console.log(`\n${r.spec.name} logged ${r.warnings.length} warnings, e.g.:`);
      for (const w of distinct.slice(0, 5)) console.log(`  ${w}`);
    }
  }
  for (const r of results) {
    console.log(
      JSON.stringify({
        scenario: 'all',
        system: r.spec.name,
        settings: r.spec.settings,
        fixture: FIXTURE,
        joinMs: stats(r.join),
        v2vMs: stats(r.turns),
        unanswered: r.unanswered,
        v2vValuesMs: r.turns.map(Math.round),
        ratioOursOverThisP50:
          ours && r !== ours ? Number(ratio(stats(ours.turns).p50, stats(r.turns).p50)) : null,
        bargeIn: r.barge
          ? {
              stopMs: stats(r.barge.stops),
              notStopped: r.barge.notStopped,
              coughStops: r.barge.coughStops,
              failedRounds: r.barge.failed,
              coughs: r.barge.coughs,
            }
          : null,
        density: r.density.map((d) => ({
          ...d,
          v2v: stats(d.v2v),
          threadsPct: Object.fromEntries(
            d.threadsPct.map(([name, pct]) => [name, Math.round(pct * 10) / 10]),
          ),
        })),
        warnings: r.warnings.length,
        sttFinals: r.stt,
      }),
    );
  }
  renderChart(
    CHART,
    results.map((r) => ({ name: r.spec.name, values: r.turns })),
    'voice-to-voice at the listener (ms)',
  );
  console.log(`\nchart: ${CHART}`);
}

process.once('SIGINT', () => {
  progress('interrupted: tearing down');
  void teardown().finally(() => process.exit(130));
});
try {
  await main();
} catch (err) {
  console.error(`bench failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await teardown();
  await fixture?.close();
}
setTimeout(() => process.exit(), 10_000).unref();
