/** What the simulated people say and what the LLM fixture answers, shared by tests and benches. */
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';

/** A reply long enough to interrupt anywhere in its first seconds (about 11 s of speech). */
export const STORY =
  'Once upon a time, in a small village by the sea, there lived an old fisherman. ' +
  'Every morning he rowed his little boat out past the rocks, singing to the gulls. ' +
  'One day he caught a fish that could talk, and it promised him three wishes.';

/** Lower case, letters and spaces only: how recognised phrases are compared. */
export const normalise = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .trim();

/**
 * The fixture's LLM: the scripted answer to the last user message (`Name: question`), or
 * `fallback` for a question it does not know.
 */
export function scriptedReply(
  answers: Record<string, string>,
  fallback = 'I did not catch that.',
): (messages: { role: string; content: string }[]) => string {
  return (messages) => {
    const last = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    return answers[normalise(last.replace(/^[^:]+:\s*/, ''))] ?? fallback;
  };
}

// --- the benchmarks' conversation (e2e/bench/turns.bench.ts and bench/) ------------------------
/** Short questions with realistic answers: one or two sentences, as the agent's prompt asks. */
export const BENCH_ANSWERS: Record<string, string> = {
  'what time does the museum open': 'The museum opens at nine in the morning.',
  'how much is a ticket': 'Twelve euros. Children go free.',
  'is there a cafe inside': 'Yes, there is a small cafe on the ground floor.',
  'what is the weather like today': 'It is sunny and warm today.',
  'can you recommend a book': 'Sure. Try a good mystery novel.',
};
export const BENCH_QUESTIONS = Object.keys(BENCH_ANSWERS);
export const STORY_QUESTION = 'tell me a long story';
export const INTERRUPTION = 'wait';
/** What the fixture's LLM answers in the benchmarks. */
export const BENCH_REPLY = scriptedReply({
  ...BENCH_ANSWERS,
  [STORY_QUESTION]: STORY,
  [INTERRUPTION]: 'Okay.',
});

/**
 * The benchmarks' fixed provider latencies. deltaIntervalMs is 0 so the realtime `completed`
 * event arrives exactly finalDelayMs after the commit (word deltas would otherwise delay it by
 * (words - 1) x interval). Chat tokens and speech chunks are paced as real providers pace them.
 */
export const BENCH_FIXTURE = {
  realtime: { finalDelayMs: 150, deltaIntervalMs: 0 },
  /**
   * Deepgram live: the same 150 ms from Finalize to the final. Interim words every 1000 ms of
   * audio, the cadence of Deepgram's own interim-results example (0-1.1 s, 0-2.1 s, ...).
   */
  deepgram: { finalDelayMs: 150, interimEveryMs: 1000, interimDelayMs: 0 },
  chat: { ttftMs: 250, tokenIntervalMs: 20 },
  speech: { ttfbMs: 120, chunkMs: 40, realtimeFactor: 1 },
} as const;

/**
 * The OpenAI-compatible fixture answering `answers` quickly (first token 50 ms, a token every
 * 10 ms), and the agent settings that use it for every stage, answering every turn and greeting
 * with `greeting`: the set-up of the tests that need a conversation, not a latency.
 */
/** The API key the tests' provider fixture takes. */
export const FIXTURE_API_KEY = 'test-key';

/** The agent's settings for STT, LLM and TTS all served by `fixture`. */
export function fixtureProviders(fixture: OpenAiFixture): Record<string, string> {
  return {
    OPENAI_BASE_URL: fixture.baseUrl,
    OPENAI_API_KEY: FIXTURE_API_KEY,
    AGENT_STT: 'openai-realtime',
    AGENT_LLM: 'openai',
    AGENT_TTS: 'openai',
  };
}

export async function answeringFixture(
  answers: Record<string, string>,
  greeting: string,
): Promise<{ fixture: OpenAiFixture; agentEnv: Record<string, string> }> {
  const fixture = await startOpenAiFixture({
    phrases: Object.keys(answers),
    apiKey: FIXTURE_API_KEY,
  });
  fixture.script.chat = {
    reply: scriptedReply(answers),
    ttftMs: 50,
    tokenIntervalMs: 10,
    faults: [],
  };
  const agentEnv = {
    ...fixtureProviders(fixture),
    AGENT_REPLY_POLICY: 'always',
    AGENT_GREETING: greeting,
  };
  return { fixture, agentEnv };
}
