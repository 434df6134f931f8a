/**
 * The long museum conversation that bench:session and bench:soak run through the real SFU: what
 * people say, the fixture's model answering it (and summarising as a real model would), the
 * stack it runs on, and how the agent's memory and garbage collections are tabled.
 */
import { SUMMARY_REQUEST_HEADER } from '@voice-agent/agent/conversation/memory/summary';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { ChatMessage, OpenAiFixture } from '@voice-agent/fixtures';
import { BENCH_FIXTURE, normalise } from '@voice-agent/e2e/script';
import { referenceUtterances } from '@voice-agent/e2e/speech';
import { AgentProcess, metricValue, startLivekit } from '@voice-agent/e2e/stack';
import { table } from '@voice-agent/e2e/stats';
import { teardown } from '@voice-agent/e2e/teardown';
import type { AgentMemory } from '@voice-agent/e2e/stack';

/** Something a person says about themselves, which the summary must keep. */
export const FACT = 'my locker number is four one seven';

/** What people say, and the fixture's answers: the first six are questions. */
export const ANSWERS: Record<string, string> = {
  'what time does the museum open': 'The museum opens at nine in the morning.',
  'how much is a ticket': 'Twelve euros. Children go free.',
  'is there a cafe inside': 'Yes, there is a small cafe on the ground floor.',
  'where is the nearest exit': 'Behind you, past the stairs.',
  'can you recommend a painting': 'The water lilies on the second floor.',
  'when does the museum close': 'At six in the evening.',
  [FACT]: 'Got it, locker four one seven.',
  'my daughter is called maya': 'Hello to Maya, then.',
  'we are staying until five': 'Then you have plenty of time.',
};
export const QUESTIONS = Object.keys(ANSWERS).slice(0, 6);

/**
 * The fixture's model: the scripted answers, and a summariser. Asked for a summary (the agent's
 * request names the summary so far and the turns since), it keeps the summary so far and adds
 * each thing a person said about themselves ("Ana: my locker number is ..."), leaving questions
 * and answers out, as the agent's summary prompt asks of a real model.
 */
export function museumModel(messages: ChatMessage[]): string {
  const last = messages.at(-1)?.content ?? '';
  if (last.startsWith(SUMMARY_REQUEST_HEADER)) return summarise(last);
  const said = normalise(last.replace(/^[^:]+:\s*/, ''));
  return ANSWERS[said] ?? 'Sorry, could you say that again?';
}

function summarise(request: string): string {
  const [, previous = '', turns = ''] =
    /^[^\n]*\n([\s\S]*?)\n\nTurns since:\n([\s\S]*)$/.exec(request) ?? [];
  const kept = previous.trim() === '(none yet)' ? [] : [previous.trim()];
  for (const line of turns.split('\n')) {
    const m = /^(\w+): ((?:my|we|i)\b.*)$/i.exec(line.trim());
    if (m && m[1] !== 'Assistant') kept.push(`${m[1]} said: ${normalise(m[2]!)}.`);
  }
  return kept.join(' ') || 'People asked about the museum and were answered.';
}

/**
 * livekit-server, the fixture (recognising `phrases`, answering as museumModel, at the benches'
 * latencies) and the agent on it, answering every turn, with a context of `contextTokens`.
 */
export async function startMuseum(
  phrases: string[],
  contextTokens: number,
  agentName: string,
): Promise<{ fixture: OpenAiFixture; agent: AgentProcess }> {
  const key = 'museum-key';
  await startLivekit();
  const fixture = await startOpenAiFixture({
    phrases,
    references: referenceUtterances(phrases),
    apiKey: key,
  });
  fixture.script.chat = { ...BENCH_FIXTURE.chat, reply: museumModel, faults: [] };
  fixture.script.realtime = { ...BENCH_FIXTURE.realtime, faults: [] };
  fixture.script.speech = { ...BENCH_FIXTURE.speech, faults: [] };
  const agent = await AgentProcess.start(
    {
      OPENAI_BASE_URL: fixture.baseUrl,
      OPENAI_API_KEY: key,
      AGENT_STT: 'openai-realtime',
      AGENT_LLM: 'openai',
      AGENT_TTS: 'openai',
      AGENT_REPLY_POLICY: 'always',
      AGENT_CONTEXT_TOKENS: String(contextTokens),
      // Repeated answers would come from the cache, faster: later turns would look better.
      AGENT_TTS_CACHE_BYTES: '0',
      LOG_LEVEL: 'info',
    },
    agentName,
  );
  return { fixture, agent };
}

/** Prints the agent's garbage collections over the run, ends the stack and exits with `code`. */
export async function endMuseum(
  { fixture, agent }: { fixture: OpenAiFixture; agent: AgentProcess },
  code: number,
): Promise<never> {
  console.log(
    '\nagent garbage collections over the run: ' +
      table(['kind', 'count', 'pauses ms', 'mean ms'], gcRows(await agent.metrics())),
  );
  await teardown();
  await fixture.close();
  process.exit(code);
}

/** The agent's garbage collections over the run, by kind: how many, and their pauses in all. */
function gcRows(metrics: string): string[][] {
  return ['minor', 'major', 'incremental'].map((kind) => {
    const count = metricValue(metrics, `nodejs_gc_duration_seconds_count{kind="${kind}"}`);
    const sum = metricValue(metrics, `nodejs_gc_duration_seconds_sum{kind="${kind}"}`);
    return [kind, String(count), (sum * 1000).toFixed(0), ((sum / count) * 1000).toFixed(1)];
  });
}

/** The agent's memory as table cells (MB), under MEMORY_COLUMNS. */
export const MEMORY_COLUMNS = ['RSS MB', 'anon', 'file', 'heap used', 'heap total', 'external'];
export const memoryCells = (m: AgentMemory): string[] =>
  (['rss', 'anon', 'file', 'heapUsed', 'heapTotal', 'external'] as const).map((k) =>
    m[k].toFixed(1),
  );
