/**
 * `npm run bench:faults`: each provider taken down in each way, through the real SFU, with and
 * without a second provider of its stage in the agent's chain. A simulated person asks questions
 * (real speech, transcribed by the fixture); the suite measures, per turn, whether the answer
 * came, the silence from the end of the question to the agent's first sound (a filler counts),
 * and which provider answered (from the traffic each fixture saw).
 *
 * The provider under test runs on a fixture of its own behind a fault proxy; everything else
 * (the other stages, the second provider) on another fixture. Faults:
 *   http-500, http-429   chain: an outage (every connection answered 500 / 429 retry-after 1);
 *                        alone: one failed request (or connection) per turn
 *   refused              the listener closed (chain: an outage; alone: 300 ms per turn)
 *   stall                silence after the first chunk (or server event)
 *   drop                 the socket cut mid-stream (mid-utterance for STT)
 *   slow-10x             the provider's scripted latency times ten
 * In chain mode the fault lasts the first half of the turns; then the provider recovers and the
 * last turn must be its again. A cell passes with every turn answered, no silence over 2 s, no
 * unhandled error in the agent, and (chain) the primary back in use.
 *
 * LiveKit Agents 1.9 (bench/peer) has the same feature for the LLM and the TTS (its
 * FallbackAdapter): the full run also puts it through openai-llm x http-500 and openai-tts x
 * stall, chained over two OpenAI-compatible servers, and prints its rows next to ours.
 *
 *   npm run bench:faults [-- --quick] [--providers a,b] [--faults x,y] [--modes chain,alone]
 *                        [--peer | --no-peer]
 */
import { parseArgs } from 'node:util';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { askForAnswer, joinPerson, leaveAll } from '@voice-agent/e2e/participants';
import type { SimParticipant } from '@voice-agent/e2e/participants';
import {
  BENCH_ANSWERS,
  BENCH_FIXTURE,
  BENCH_QUESTIONS,
  BENCH_REPLY,
} from '@voice-agent/e2e/script';
import { referenceUtterances } from '@voice-agent/e2e/speech';
import { AgentProcess, startLivekit } from '@voice-agent/e2e/stack';
import { sleep, table } from '@voice-agent/e2e/stats';
import { teardown } from '@voice-agent/e2e/teardown';
import { FaultProxy } from './faults/proxy.js';
import { assertPeerInstalled, startSystem } from './systems.js';
import { activity, PROVIDERS } from './faults/providers.js';
import type { ProviderSpec, Urls } from './faults/providers.js';

const FAULTS = ['http-500', 'http-429', 'refused', 'stall', 'drop', 'slow-10x'] as const;
type FaultName = (typeof FAULTS)[number];
type Mode = 'chain' | 'alone';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    providers: { type: 'string' },
    faults: { type: 'string' },
    modes: { type: 'string' },
    peer: { type: 'boolean' },
  },
  allowNegative: true,
});

/** Where LiveKit Agents' FallbackAdapter does what our chain does: the cells it runs too. */
const PEER_CELLS: [string, FaultName, Mode][] = [
  ['openai-llm', 'http-500', 'chain'],
  ['openai-tts', 'stall', 'chain'],
];
const RUN_PEER = args.peer ?? !args.quick;

/** The short version (npm test): the cells that cover each kind of stage and fault once. */
const QUICK_CELLS: [string, FaultName, Mode][] = [
  ['openai-llm', 'http-500', 'chain'],
  ['anthropic-llm', 'stall', 'chain'],
  ['openai-tts', 'stall', 'chain'],
  ['deepgram-stt', 'drop', 'chain'],
  ['openai-llm', 'slow-10x', 'alone'],
];

const KEY = 'faults-key';
const SILENCE_LIMIT_MS = 2_000;
const TURNS = args.quick ? 2 : 4;

interface TurnResult {
  answered: boolean;
  silenceMs: number | undefined;
  by: 'primary' | 'second' | 'none';
  faulted: boolean;
}

type System = 'ours' | 'peer';

interface Cell {
  system: System;
  provider: string;
  fault: FaultName;
  mode: Mode;
  turns: TurnResult[];
  crashed: string[];
  ok: boolean;
}

function cellsToRun(): [ProviderSpec, FaultName, Mode][] {
  const pick = <T extends string>(list: readonly T[], arg: string | undefined) =>
    arg ? list.filter((x) => arg.split(',').includes(x)) : [...list];
  if (args.quick && !args.providers && !args.faults && !args.modes) {
    return QUICK_CELLS.map(([p, f, m]) => [PROVIDERS.find((s) => s.name === p)!, f, m]);
  }
  const providers = pick(
    PROVIDERS.map((p) => p.name),
    args.providers,
  );
  const out: [ProviderSpec, FaultName, Mode][] = [];
  for (const mode of pick(['chain', 'alone'] as const, args.modes)) {
    for (const name of providers) {
      for (const fault of pick(FAULTS, args.faults)) {
        out.push([PROVIDERS.find((s) => s.name === name)!, fault, mode]);
      }
    }
  }
  return out;
}

const urlsOf = (port: number): Urls => ({
  openai: `http://127.0.0.1:${port}/v1`,
  anthropic: `http://127.0.0.1:${port}`,
  deepgram: `ws://127.0.0.1:${port}`,
});

function fixtureScript() {
  return {
    chat: { ...BENCH_FIXTURE.chat, reply: BENCH_REPLY },
    messages: {
      ttftMs: BENCH_FIXTURE.chat.ttftMs,
      tokenIntervalMs: BENCH_FIXTURE.chat.tokenIntervalMs,
    },
    realtime: BENCH_FIXTURE.realtime,
    deepgram: BENCH_FIXTURE.deepgram,
    speech: BENCH_FIXTURE.speech,
    speak: BENCH_FIXTURE.speech,
  };
}

async function startFixture(): Promise<OpenAiFixture> {
  return startOpenAiFixture({
    phrases: BENCH_QUESTIONS,
    references: referenceUtterances(BENCH_QUESTIONS),
    apiKey: KEY,
    script: fixtureScript(),
  });
}

/** Turns the cell's fault on (before a faulted turn) or off (recovery). */
async function applyFault(
  spec: ProviderSpec,
  fault: FaultName,
  mode: Mode,
  on: boolean,
  primary: OpenAiFixture,
  proxy: FaultProxy,
  normal: number,
): Promise<void> {
  const queue = spec.faults(primary.script);
  if (!on) {
    queue.length = 0;
    spec.latency.set(primary.script, normal);
    await proxy.set({ kind: 'pass' });
    return;
  }
  const times = mode === 'chain' ? 200 : 1;
  switch (fault) {
    case 'http-500':
    case 'http-429': {
      const status = fault === 'http-500' ? 500 : 429;
      if (mode === 'chain') {
        await proxy.set({ kind: 'status', status, ...(status === 429 ? { retryAfterS: 1 } : {}) });
      } else queue.push({ kind: 'status', status, ...(status === 429 ? { retryAfterS: 1 } : {}) });
      return;
    }
    case 'refused':
      await proxy.set({ kind: 'refuse' });
      if (mode === 'alone') setTimeout(() => void proxy.set({ kind: 'pass' }), 300);
      return;
    case 'stall':
      for (let i = 0; i < times; i++) queue.push({ kind: 'stall', afterChunks: 1 });
      return;
    case 'drop':
      for (let i = 0; i < times; i++) queue.push({ kind: 'drop', afterChunks: spec.dropAfter });
      return;
    case 'slow-10x':
      spec.latency.set(primary.script, normal * 10);
      return;
  }
}

/**
 * The fault on, before a faulted turn. A provider on a kept socket (the STT streams, Deepgram's
 * speech) takes a per-connection fault at its next connection: its open ones are cut.
 */
async function faultOn(
  spec: ProviderSpec,
  fault: FaultName,
  mode: Mode,
  fixtures: { primary: OpenAiFixture; proxy: FaultProxy; normal: number },
): Promise<void> {
  const { primary, proxy, normal } = fixtures;
  await applyFault(spec, fault, mode, true, primary, proxy, normal);
  const queued =
    fault === 'stall' || fault === 'drop' || (mode === 'alone' && fault.startsWith('http'));
  if (spec.persistent && queued) {
    await proxy.set({ kind: 'refuse' });
    await proxy.set({ kind: 'pass' });
  }
}

/** An agent under test: ours, or the peer with its FallbackAdapter. */
interface Running {
  stop(): Promise<void>;
  /** Lines that show a crash: an unhandled rejection, an uncaught exception, a fatal exit. */
  crashes(): string[];
}

const CRASH = /unhandled|uncaught|"level":60|exited: code [^0]/i;

async function startOurs(spec: ProviderSpec, tag: string, at: Urls, other: Urls, chained: boolean) {
  const agent = await AgentProcess.start(
    {
      OPENAI_API_KEY: KEY,
      DEEPGRAM_API_KEY: KEY,
      ANTHROPIC_API_KEY: KEY,
      OPENAI_BASE_URL: other.openai,
      DEEPGRAM_BASE_URL: other.deepgram,
      ANTHROPIC_BASE_URL: other.anthropic,
      AGENT_STT: 'openai-realtime',
      AGENT_LLM: 'openai',
      AGENT_TTS: 'openai',
      AGENT_REPLY_POLICY: 'always',
      ...spec.env(at, chained),
    },
    `agent-${tag}`,
  );
  return {
    stop: async () => void (await agent.proc.stop()),
    crashes: () => agent.proc.lines.filter((l) => CRASH.test(l)),
  } satisfies Running;
}

/** The peer, its LLM or TTS a FallbackAdapter over the faulted server and the other one. */
async function startPeer(spec: ProviderSpec, at: Urls, other: Urls): Promise<Running> {
  const stage = spec.stage === 'llm' ? 'LLM' : 'TTS';
  const peer = await startSystem(
    {
      name: `peer-${spec.name}`,
      settings: `${stage} FallbackAdapter`,
      kind: 'peer',
      env: { [`PEER_${stage}_BASE_URL`]: at.openai, [`PEER_${stage}_FALLBACK_URL`]: other.openai },
    },
    { OPENAI_BASE_URL: other.openai, OPENAI_API_KEY: KEY },
  );
  return { stop: () => peer.stop(), crashes: () => peer.warnings().filter((l) => CRASH.test(l)) };
}

async function runCell(
  spec: ProviderSpec,
  fault: FaultName,
  mode: Mode,
  system: System = 'ours',
): Promise<Cell> {
  const [primary, other] = await Promise.all([startFixture(), startFixture()]);
  const proxy = await FaultProxy.start(Number(new URL(primary.baseUrl).port));
  const normal = spec.latency.get(primary.script);
  const chained = mode === 'chain';
  const at = urlsOf(proxy.port);
  const elsewhere = urlsOf(Number(new URL(other.baseUrl).port));
  const agent =
    system === 'ours'
      ? await startOurs(spec, `${spec.name}-${fault}-${mode}`, at, elsewhere, chained)
      : await startPeer(spec, at, elsewhere);
  // The peer's second LLM or TTS is OpenAI-compatible too: its traffic shows at the same endpoint.
  const judged = system === 'ours' ? spec : { ...spec, secondEndpoint: spec.endpoint };
  const turns: TurnResult[] = [];
  try {
    const sim = await joinPerson(`faults-${spec.name}-${fault}-${mode}-${Date.now()}`, 'Sam');
    for (let i = 0; i < TURNS; i++) {
      const faulted = chained ? i < TURNS / 2 : i < TURNS - 1;
      if (faulted && (chained ? i === 0 : true)) {
        await faultOn(spec, fault, mode, { primary, proxy, normal });
      }
      if (!faulted && (chained ? i === TURNS / 2 : i === TURNS - 1)) {
        await applyFault(spec, fault, mode, false, primary, proxy, normal);
        // A fair chance to come back: the chain probes a failed provider 1 s to 5 s apart.
        if (chained) await sleep(6_000);
      }
      turns.push(await turn(sim, i, judged, primary, other, faulted));
    }
  } catch (err) {
    turns.push({ answered: false, silenceMs: undefined, by: 'none', faulted: true });
    console.error(
      `${spec.name} ${fault} ${mode}: ${err instanceof Error ? err.message : String(err)}`,
    );
  } finally {
    await leaveAll();
    await agent.stop();
    await proxy.close();
    await Promise.all([primary.close(), other.close()]);
  }
  const crashed = agent.crashes();
  const lastAnsweredByPrimary = turns.at(-1)?.by === 'primary';
  const ok =
    turns.length === TURNS &&
    turns.every((t) => t.answered && (t.silenceMs ?? Infinity) <= SILENCE_LIMIT_MS) &&
    crashed.length === 0 &&
    (!chained || lastAnsweredByPrimary);
  return { system, provider: spec.name, fault, mode, turns, crashed, ok };
}

async function turn(
  sim: SimParticipant,
  i: number,
  spec: ProviderSpec,
  primary: OpenAiFixture,
  other: OpenAiFixture,
  faulted: boolean,
): Promise<TurnResult> {
  const question = BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]!;
  const answer = BENCH_ANSWERS[question]!;
  const before = {
    primary: activity(primary, spec.endpoint),
    second: activity(other, spec.secondEndpoint),
  };
  const { answered, silenceMs } = await askForAnswer(sim, question, answer.slice(0, 12));
  const second = activity(other, spec.secondEndpoint) > before.second;
  const first = activity(primary, spec.endpoint) > before.primary;
  return {
    answered,
    silenceMs,
    by: second ? 'second' : first || answered ? 'primary' : 'none',
    faulted,
  };
}

function report(cells: Cell[]): void {
  const rows = cells.map((c) => {
    const answered = c.turns.filter((t) => t.answered).length;
    const silences = c.turns.map((t) => t.silenceMs ?? Infinity);
    const by = c.turns
      .map((t) => (t.by === 'second' ? '2' : t.by === 'primary' ? '1' : '-'))
      .join('');
    return [
      c.system,
      c.provider,
      c.fault,
      c.mode,
      `${answered}/${c.turns.length}`,
      `${Math.round(Math.max(...silences))} ms`,
      by,
      c.ok ? 'yes' : 'NO',
    ];
  });
  console.log(
    '\n' +
      table(
        [
          'system',
          'provider',
          'fault',
          'mode',
          'answered',
          'longest silence',
          'by (1st, 2nd)',
          'ok',
        ],
        rows,
      ),
  );
  for (const c of cells) {
    const silences = c.turns.map((t) => t.silenceMs ?? null);
    console.log(
      JSON.stringify({
        system: c.system,
        provider: c.provider,
        fault: c.fault,
        mode: c.mode,
        answered: c.turns.filter((t) => t.answered).length,
        turns: c.turns.length,
        longestSilenceMs: Math.max(...c.turns.map((t) => t.silenceMs ?? Infinity)),
        silencesMs: silences.map((s) => (s === null ? null : Math.round(s))),
        answeredBy: c.turns.map((t) => t.by),
        crashed: c.crashed.slice(0, 3),
        ok: c.ok,
      }),
    );
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  await startLivekit();
  const cells: Cell[] = [];
  for (const [spec, fault, mode] of cellsToRun()) {
    const cell = await runCell(spec, fault, mode);
    console.log(`${cell.ok ? 'ok' : 'FAILED'}: ${spec.name} ${fault} ${mode}`);
    cells.push(cell);
  }
  if (RUN_PEER) {
    assertPeerInstalled();
    for (const [name, fault, mode] of PEER_CELLS) {
      const cell = await runCell(
        PROVIDERS.find((p) => p.name === name)!,
        fault,
        mode,
        'peer',
      );
      console.log(`peer ${cell.ok ? 'ok' : 'failed'}: ${name} ${fault} ${mode}`);
      cells.push(cell);
    }
  }
  report(cells);
  console.log(
    `wall time ${Math.round((Date.now() - started) / 1000)} s${args.quick ? ' (--quick)' : ''}`,
  );
  await teardown();
  // The peer's cells are a comparison: they are reported, not required to pass.
  const failed = cells.filter((c) => c.system === 'ours' && !c.ok);
  if (failed.length > 0) {
    console.error(`${failed.length} of ${cells.length} cells failed`);
    process.exitCode = 1;
  }
}

await main();
