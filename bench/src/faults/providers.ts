/**
 * The providers the fault suite takes down, one at a time: how the agent is pointed at each
 * (alone, or first in a chain with a second provider of its stage), where its traffic shows at
 * the fixture, and how its fixture script is made to fail or slow down.
 */
import type {
  Endpoint,
  Fault,
  FixtureScript,
  OpenAiFixture,
  RecordedRequest,
} from '@voice-agent/fixtures';

/** Where one fixture (or the proxy in front of it) is reached, per protocol. */
export interface Urls {
  openai: string;
  anthropic: string;
  deepgram: string;
}

export interface ProviderSpec {
  name: string;
  stage: 'stt' | 'llm' | 'tts';
  /** Its traffic at the fixture, and the second provider's (on the other fixture). */
  endpoint: Endpoint;
  secondEndpoint: Endpoint;
  /** The agent's settings that make it the stage's first provider, at `at`. */
  env(at: Urls, chained: boolean): Record<string, string>;
  /** Its per-request (or per-connection) fault queue at the fixture. */
  faults(script: FixtureScript): Fault[];
  /** Its scripted latency: read, and written (the slow-10x fault). */
  latency: { get(s: FixtureScript): number; set(s: FixtureScript, ms: number): void };
  /** A drop this many chunks (or server events) into a stream: mid-utterance, mid-reply. */
  dropAfter: number;
  /** On a kept WebSocket (faults apply at its next connection). */
  persistent: boolean;
}

export const PROVIDERS: ProviderSpec[] = [
  {
    name: 'deepgram-stt',
    stage: 'stt',
    endpoint: 'deepgram',
    secondEndpoint: 'realtime',
    env: (at, chained) => ({
      AGENT_STT: chained ? 'deepgram,openai-realtime' : 'deepgram',
      DEEPGRAM_BASE_URL: at.deepgram,
    }),
    faults: (s) => s.deepgram.faults,
    latency: {
      get: (s) => s.deepgram.finalDelayMs,
      set: (s, ms) => (s.deepgram.finalDelayMs = ms),
    },
    dropAfter: 1,
    persistent: true,
  },
  {
    name: 'openai-realtime-stt',
    stage: 'stt',
    endpoint: 'realtime',
    secondEndpoint: 'deepgram',
    env: (at, chained) => ({
      AGENT_STT: chained ? 'openai-realtime,deepgram' : 'openai-realtime',
      STT_BASE_URL: at.openai,
    }),
    faults: (s) => s.realtime.faults,
    latency: {
      get: (s) => s.realtime.finalDelayMs,
      set: (s, ms) => (s.realtime.finalDelayMs = ms),
    },
    dropAfter: 1,
    persistent: true,
  },
  {
    name: 'openai-llm',
    stage: 'llm',
    endpoint: 'chat',
    secondEndpoint: 'messages',
    env: (at, chained) => ({
      AGENT_LLM: chained ? 'openai,anthropic' : 'openai',
      LLM_BASE_URL: at.openai,
    }),
    faults: (s) => s.chat.faults,
    latency: { get: (s) => s.chat.ttftMs, set: (s, ms) => (s.chat.ttftMs = ms) },
    dropAfter: 4,
    persistent: false,
  },
  {
    name: 'anthropic-llm',
    stage: 'llm',
    endpoint: 'messages',
    secondEndpoint: 'chat',
    env: (at, chained) => ({
      AGENT_LLM: chained ? 'anthropic,openai' : 'anthropic',
      ANTHROPIC_BASE_URL: at.anthropic,
    }),
    faults: (s) => s.messages.faults,
    latency: { get: (s) => s.messages.ttftMs, set: (s, ms) => (s.messages.ttftMs = ms) },
    dropAfter: 6,
    persistent: false,
  },
  {
    name: 'openai-tts',
    stage: 'tts',
    endpoint: 'speech',
    secondEndpoint: 'speak',
    env: (at, chained) => ({
      AGENT_TTS: chained ? 'openai,deepgram' : 'openai',
      TTS_BASE_URL: at.openai,
    }),
    faults: (s) => s.speech.faults,
    latency: { get: (s) => s.speech.ttfbMs, set: (s, ms) => (s.speech.ttfbMs = ms) },
    dropAfter: 3,
    persistent: false,
  },
  {
    name: 'deepgram-tts',
    stage: 'tts',
    endpoint: 'speak',
    secondEndpoint: 'speech',
    env: (at, chained) => ({
      AGENT_TTS: chained ? 'deepgram,openai' : 'deepgram',
      DEEPGRAM_BASE_URL: at.deepgram,
    }),
    faults: (s) => s.speak.faults,
    latency: { get: (s) => s.speak.ttfbMs, set: (s, ms) => (s.speak.ttfbMs = ms) },
    dropAfter: 3,
    persistent: true,
  },
];

/**
 * Work an endpoint has done, counted so a turn's share can be told: requests for HTTP
 * endpoints, texts spoken on /v1/speak, finals sent on the transcription sockets.
 */
export function activity(fx: OpenAiFixture, endpoint: Endpoint): number {
  const records = fx.requests.filter((r: RecordedRequest) => r.endpoint === endpoint);
  if (endpoint === 'speak')
    return records.reduce((n, r) => n + ((r.body as { texts?: string[] }).texts?.length ?? 0), 0);
  if (endpoint === 'realtime' || endpoint === 'deepgram') {
    return records.reduce(
      (n, r) => n + ((r.body as { finals?: unknown[] }).finals?.length ?? 0),
      0,
    );
  }
  return records.length;
}
