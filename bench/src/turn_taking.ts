/**
 * `npm run bench:turn-taking`: turn-taking rates of our agent, measured from what simulated
 * participants hear, through the real livekit-server in a private network namespace, against
 * the OpenAI-compatible fixture at the benchmarks' fixed latencies (BENCH_FIXTURE).
 *
 *   transport     the floor: a relay that acts on the first frame with sound it receives, with
 *                 no agent in the room; onset -> silent (stop) and -> heard (start), p50 / p95
 *   pauses        a sentence said in two parts with a 600-900 ms pause after an incomplete first
 *                 part: false cut-offs, answered as one turn; complete questions: v2v vs floor
 *   backchannels  "mm-hmm" etc. 1-4 s into a long story: ignored rate, resume gap
 *   interruptions "wait", "stop" or a new question 1-4 s into the story: stopped rate, latency
 *   noise         a cough or a door slam 1-4 s into the story: not-stopped rate
 *   echo          a microphone that carries the agent's voice back (-10 and -3 dB, 30-300 ms,
 *                 a delay that moves): self-interruptions, turns from echo; every 6th turn a
 *                 real "wait"
 *   group         Ana and Ben with the agent (Sam, reply policy addressed): reply decisions
 *   eot           end of turn per category (agent/test/eot_cases.ts, REPORT split): sentences
 *                 cut where a pause of 600-900 ms falls (false cut-offs), and true ends said
 *                 whole (v2v vs floor)
 *
 *   npm run bench:turn-taking [-- --quick] [--scenarios pauses,backchannels,...] [--pauses N]
 *     [--questions N] [--backchannels N] [--interruptions N] [--noise N] [--transport N] [--echo-turns N]
 *     [--group-rounds N] [--group-turns N] [--eot-cuts N] [--eot-ends N] [--seed N]
 *     [--stt openai-realtime|deepgram] [--interim-every-ms N] [--agent-env NAME=VALUE ...]
 *
 * --stt picks the agent's STT (both served by the fixture; default openai-realtime);
 * --interim-every-ms sets how often the Deepgram fixture sends interim words (default 1000).
 *
 * Prints progress to stderr, then a table of rates (each with its sample size) and one JSON
 * line per scenario to stdout. Exits non-zero only if the run itself broke (a scenario could not
 * run, or the agent answered nothing in it), never because a target was missed.
 */
import { parseArgs } from 'node:util';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { ChatMessage, OpenAiFixture } from '@voice-agent/fixtures';
import { agentEnvOverrides, startLivekit } from '@voice-agent/e2e/stack';
import { BENCH_FIXTURE } from '@voice-agent/e2e/script';
import { referenceUtterances } from '@voice-agent/e2e/speech';
import { seededRandom, sttFinals, sttFinalsLine, table } from '@voice-agent/e2e/stats';
import { teardown } from '@voice-agent/e2e/teardown';
import { startSystem, type RunningSystem } from './systems.js';
import { errorText, type ScenarioContext, type ScenarioResult } from './turn_taking/context.js';
import { costRows, replyCost } from './turn_taking/cost.js';
import { runEcho } from './turn_taking/echo.js';
import { drawEot, eotParts, eotPhrases, eotReply, runEot } from './turn_taking/eot.js';
import { runGroup } from './turn_taking/group.js';
import { runTransport } from './turn_taking/transport.js';
import { FLOOR_FORMULA, runPauses } from './turn_taking/pauses.js';
import {
  groupPhrases,
  oneToOneParts,
  loadGroupScript,
  oneToOnePhrases,
  turnTakingReply,
} from './turn_taking/script.js';
import { runBackchannels, runInterruptions, runNoise } from './turn_taking/story.js';

// --- options -----------------------------------------------------------------------------------
/** In the order of their seeds (each scenario draws from its own); transport runs first. */
const SCENARIOS = [
  'pauses',
  'backchannels',
  'interruptions',
  'noise',
  'echo',
  'group',
  'transport',
  'eot',
] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    pauses: { type: 'string' },
    questions: { type: 'string' },
    backchannels: { type: 'string' },
    interruptions: { type: 'string' },
    noise: { type: 'string' },
    transport: { type: 'string' },
    'echo-turns': { type: 'string' },
    'group-rounds': { type: 'string' },
    'group-turns': { type: 'string' },
    'eot-cuts': { type: 'string' },
    'eot-ends': { type: 'string' },
    seed: { type: 'string' },
    stt: { type: 'string', default: 'openai-realtime' },
    'interim-every-ms': { type: 'string' },
    'agent-env': { type: 'string', multiple: true, default: [] },
  },
});
const whole = (flag: keyof typeof args, full: number, quick: number): number => {
  const v = args[flag];
  if (v === undefined || typeof v === 'boolean') return args.quick ? quick : full;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag}: expected a whole number`);
  return n;
};
const COUNTS = {
  pauses: whole('pauses', 20, 2),
  questions: whole('questions', 20, 2),
  backchannels: whole('backchannels', 20, 2),
  interruptions: whole('interruptions', 50, 3),
  noise: whole('noise', 20, 2),
  transport: whole('transport', 20, 3),
  // 50 answers and 10 real "wait"s; the quick run 5 and 1.
  echoTurns: whole('echo-turns', 60, 6),
  groupRounds: whole('group-rounds', 1, 1),
  groupTurns: whole('group-turns', Infinity, 8),
  // Full: every REPORT sentence once (5 of each kind in each of 11 categories); quick: a few
  // categories' first sentence, about a minute.
  eotCuts: whole('eot-cuts', 55, 4),
  eotEnds: whole('eot-ends', 55, 2),
};
const SEED = whole('seed', 1, 1);
const STT = args.stt;
if (STT !== 'openai-realtime' && STT !== 'deepgram')
  throw new Error(`--stt: expected openai-realtime or deepgram, not "${STT}"`);
const DEEPGRAM_SCRIPT = {
  ...BENCH_FIXTURE.deepgram,
  interimEveryMs:
    args['interim-every-ms'] === undefined
      ? BENCH_FIXTURE.deepgram.interimEveryMs
      : Math.max(1, whole('interim-every-ms', 0, 0)),
};
const ROUNDS: Record<Scenario, number> = {
  transport: COUNTS.transport,
  pauses: COUNTS.pauses + COUNTS.questions,
  backchannels: COUNTS.backchannels,
  interruptions: COUNTS.interruptions,
  noise: COUNTS.noise,
  echo: COUNTS.echoTurns,
  group: COUNTS.groupRounds * COUNTS.groupTurns,
  eot: COUNTS.eotCuts + COUNTS.eotEnds,
};
/** The scenarios asked for (--scenarios, default all), less those given 0 rounds. */
const SELECTED: Scenario[] = (args.scenarios ?? SCENARIOS.join(','))
  .split(',')
  .filter(Boolean)
  .map((name) => {
    if (!(SCENARIOS as readonly string[]).includes(name))
      throw new Error(`--scenarios: unknown "${name}" (${SCENARIOS.join(', ')})`);
    return name as Scenario;
  })
  .filter((name) => ROUNDS[name] > 0);

/**
 * The agent as every scenario runs it: its name, a short greeting (rooms are many), no TTS
 * cache, and any --agent-env NAME=VALUE settings. The cache is off because the stop measurement
 * (story.ts measureStop) tells the reply to an interruption from the story going on by the
 * reply's TTS request: a reply said before ("Sure.") is a cache hit with no request, and its
 * sound was counted as the story resuming. It also keeps every reply at the floor's TTS TTFB.
 */
const AGENT_ENV = {
  AGENT_DISPLAY_NAME: 'Sam',
  AGENT_GREETING: 'Hi {name}.',
  AGENT_TTS_CACHE_BYTES: '0',
  ...agentEnvOverrides(args['agent-env']),
};
/** The group scenario's agent: the reply policy only it gets (the others keep the default). */
const GROUP_AGENT_ENV = { ...AGENT_ENV, AGENT_REPLY_POLICY: 'addressed' };

const progress = (line: string) => process.stderr.write(`${line}\n`);

// --- main --------------------------------------------------------------------------------------
const fixtures: OpenAiFixture[] = [];

/**
 * An OpenAI-compatible fixture at BENCH_FIXTURE's latencies that recognises `phrases`, with
 * each, and each of `parts` (leading parts of them), as the simulated people say it for a
 * reference utterance.
 */
async function startFixture(
  phrases: string[],
  reply: (messages: ChatMessage[]) => string,
  parts: string[] = [],
): Promise<OpenAiFixture> {
  const fx = await startOpenAiFixture({
    phrases,
    references: referenceUtterances([...phrases, ...parts]),
    // Its STT transcribes the agent's echo as the agent's words, as real ones do (the echo
    // scenario; nobody else's microphone carries the agent's voice).
    recogniseOwnSpeech: SELECTED.includes('echo'),
    apiKey: 'bench-key',
    script: {
      chat: { ...BENCH_FIXTURE.chat, reply },
      realtime: BENCH_FIXTURE.realtime,
      deepgram: DEEPGRAM_SCRIPT,
      speech: BENCH_FIXTURE.speech,
    },
  });
  fixtures.push(fx);
  if (fx.warnings.length) progress(`fixture: ${fx.warnings.join('; ')}`);
  return fx;
}

function context(fx: OpenAiFixture, scenario: Scenario): ScenarioContext {
  let rooms = 0;
  return {
    fixture: fx,
    rand: seededRandom(SEED * 1_000 + SCENARIOS.indexOf(scenario)),
    room: (tag) => `tt-${tag}-${++rooms}-${Date.now()}`,
    progress,
  };
}

/** The agent the scenarios now run against (its log counts answered turns). */
let agent: RunningSystem | undefined;

async function withAgent<T>(
  name: string,
  env: Record<string, string>,
  fx: OpenAiFixture,
  run: () => Promise<T>,
): Promise<T> {
  const settings = Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const stt =
    STT === 'deepgram'
      ? {
          AGENT_STT: 'deepgram',
          DEEPGRAM_API_KEY: 'bench-key',
          DEEPGRAM_BASE_URL: fx.deepgramBaseUrl,
        }
      : { AGENT_STT: STT };
  let sys: RunningSystem | undefined;
  try {
    sys = await startSystem(
      { name, kind: 'ours', settings, env: { ...stt, ...env } },
      { OPENAI_BASE_URL: fx.baseUrl, OPENAI_API_KEY: 'bench-key' },
    );
    agent = sys;
    return await run();
  } finally {
    agent = undefined;
    await sys?.stop();
  }
}

async function runScenario(
  scenario: Scenario,
  fx: OpenAiFixture,
  run: (ctx: ScenarioContext) => Promise<ScenarioResult>,
): Promise<ScenarioResult> {
  progress(`\n[${scenario}]`);
  const started = Date.now();
  try {
    const result = await run(context(fx, scenario));
    const ended = Date.now();
    result.json.wallS = Math.round((ended - started) / 1000);
    if (agent) {
      // Every scenario's answers, priced: LLM requests and TTS characters per answered turn.
      const cost = replyCost(fx.requests, agent.logs(), started, ended);
      result.rows.push(...costRows(cost));
      result.json.cost = cost;
    }
    return result;
  } catch (err) {
    progress(`  ${scenario} could not run: ${errorText(err)}`);
    return { scenario, rows: [], json: {}, broken: `could not run: ${errorText(err)}` };
  }
}

async function main(): Promise<ScenarioResult[]> {
  const started = Date.now();
  const group = loadGroupScript();
  await startLivekit();
  const results: ScenarioResult[] = [];
  const oneToOne = SELECTED.filter((s) => s !== 'group' && s !== 'transport' && s !== 'eot');
  if (SELECTED.includes('transport') || oneToOne.length) {
    const fx = await startFixture(oneToOnePhrases(), turnTakingReply(group), oneToOneParts());
    if (SELECTED.includes('transport')) {
      // Before any agent registers: it would be dispatched to the probe's room too.
      results.push(
        await runScenario('transport', fx, (ctx) => runTransport(ctx, COUNTS.transport)),
      );
    }
  }
  if (oneToOne.length) {
    const fx = fixtures[0]!;
    await withAgent('ours', AGENT_ENV, fx, async () => {
      for (const scenario of oneToOne) {
        // Only the echo scenario's microphone carries the agent's voice: elsewhere the
        // fixture's STT taking a person's word for the agent's ("stop" as the story's "out
        // past") would be a fault of the fixture, not of the agent.
        fx.recogniseOwnSpeech(scenario === 'echo');
        results.push(
          await runScenario(scenario, fx, (ctx) => {
            switch (scenario) {
              case 'pauses':
                return runPauses(ctx, { pauses: COUNTS.pauses, questions: COUNTS.questions });
              case 'backchannels':
                return runBackchannels(ctx, COUNTS.backchannels);
              case 'interruptions':
                return runInterruptions(ctx, COUNTS.interruptions);
              case 'noise':
                return runNoise(ctx, COUNTS.noise);
              default:
                return runEcho(ctx, COUNTS.echoTurns);
            }
          }),
        );
      }
    }).catch((err: unknown) => {
      // The agent did not start (or stop): every scenario not yet run could not run.
      for (const scenario of oneToOne.filter((sc) => !results.some((r) => r.scenario === sc))) {
        results.push({ scenario, rows: [], json: {}, broken: `could not run: ${errorText(err)}` });
      }
    });
  }
  if (SELECTED.includes('group')) {
    // A separate agent process: its reply policy must not reach the other scenarios' agent,
    // and with two workers registered a room would go to either. Its own fixture, too (see
    // oneToOnePhrases).
    const fx = await startFixture(groupPhrases(group), turnTakingReply(group));
    const result = await withAgent('ours-group', GROUP_AGENT_ENV, fx, () =>
      runScenario('group', fx, (ctx) =>
        runGroup(ctx, group, COUNTS.groupRounds, COUNTS.groupTurns),
      ),
    ).catch((err: unknown): ScenarioResult => ({
      scenario: 'group',
      rows: [],
      json: {},
      broken: `could not run: ${errorText(err)}`,
    }));
    results.push(result);
  }
  if (SELECTED.includes('eot')) results.push(await runEotScenario());
  report(results, Math.round((Date.now() - started) / 1000));
  return results;
}

/**
 * Its own fixture and agent, as the group's: its phrases would crowd the other scenarios'
 * recogniser (the fewer phrases, the less an echo passes for one).
 */
async function runEotScenario(): Promise<ScenarioResult> {
  const draw = drawEot({ cuts: COUNTS.eotCuts, ends: COUNTS.eotEnds });
  const fx = await startFixture(eotPhrases(draw), eotReply(draw), eotParts(draw));
  return withAgent('ours-eot', AGENT_ENV, fx, () =>
    runScenario('eot', fx, (ctx) => runEot(ctx, draw)),
  ).catch((err: unknown): ScenarioResult => ({
    scenario: 'eot',
    rows: [],
    json: {},
    broken: `could not run: ${errorText(err)}`,
  }));
}

function report(results: ScenarioResult[], wallS: number): void {
  const { realtime, chat, speech } = BENCH_FIXTURE;
  console.log(
    `\nours (${Object.entries(AGENT_ENV)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}; group: AGENT_REPLY_POLICY=addressed) against the fixture: ` +
      (STT === 'deepgram'
        ? `STT deepgram: final ${DEEPGRAM_SCRIPT.finalDelayMs} ms after Finalize, interim words every ${DEEPGRAM_SCRIPT.interimEveryMs} ms of audio, `
        : `STT openai-realtime: final ${realtime.finalDelayMs} ms after commit, `) +
      `LLM TTFT ${chat.ttftMs} ms ` +
      `(${chat.tokenIntervalMs} ms/token), TTS TTFB ${speech.ttfbMs} ms, speech in real time`,
  );
  console.log(FLOOR_FORMULA);
  const finals = sttFinals(fixtures.flatMap((fx) => fx.requests));
  console.log(sttFinalsLine(finals));
  console.log(`wall time ${wallS} s${args.quick ? ' (--quick)' : ''}\n`);
  const yesNo = (met: boolean | undefined) => (met === undefined ? '' : met ? 'yes' : 'NO');
  console.log(
    table(
      ['scenario', 'metric', 'value', 'n', 'target', 'met'],
      results.flatMap((r) =>
        r.rows.length
          ? r.rows.map((row) => [
              r.scenario,
              row.metric,
              row.value,
              row.n,
              row.target,
              yesNo(row.met),
            ])
          : [[r.scenario, r.broken ?? '-', '-', 0, '', '']],
      ),
    ),
  );
  for (const r of results) {
    console.log(
      JSON.stringify({
        scenario: r.scenario,
        ...(r.broken ? { broken: r.broken } : {}),
        seed: SEED,
        stt: STT === 'deepgram' ? { provider: STT, ...DEEPGRAM_SCRIPT } : { provider: STT },
        ...r.json,
      }),
    );
  }
  console.log(JSON.stringify({ fixture: 'stt-finals', ...finals }));
}

process.once('SIGINT', () => {
  progress('interrupted: tearing down');
  void teardown().finally(() => process.exit(130));
});
try {
  const results = await main();
  const broken = results.filter((r) => r.broken).map((r) => `${r.scenario}: ${r.broken}`);
  if (broken.length) {
    console.error(`bench:turn-taking: the run broke: ${broken.join('; ')}`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`bench:turn-taking failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await teardown();
  await Promise.all(fixtures.map((fx) => fx.close()));
}
setTimeout(() => process.exit(), 10_000).unref();
