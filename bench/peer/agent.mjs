// The peer the benchmark measures: a LiveKit Agents JS 1.9 voice agent, configured as its docs
// recommend for a self-hosted deployment with OpenAI-compatible providers (silero VAD loaded in
// prewarm, openai STT/LLM/TTS with a base URL). Run: node agent.mjs start
//
// Environment:
//   LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET   the server, as for any LiveKit worker
//   OPENAI_BASE_URL, OPENAI_API_KEY                     the OpenAI-compatible fixture
//   PEER_PROFILE   defaults (nothing tuned) | tuned (its best settings for latency, below)
//   PEER_STT       realtime (its default: the realtime transcription WebSocket) | batch
//   PEER_GREETING  what it says when the job starts (session.say, through its TTS)
//   PEER_LLM_BASE_URL, PEER_TTS_BASE_URL   the LLM's / TTS's server, if not OPENAI_BASE_URL
//   PEER_LLM_FALLBACK_URL, PEER_TTS_FALLBACK_URL   with one, that stage is its FallbackAdapter
//                  over the first server and this one (bench:faults compares ours with it)
import { fileURLToPath } from 'node:url';
import { cli, defineAgent, llm, metrics, tts, voice, WorkerOptions } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import * as silero from '@livekit/agents-plugin-silero';

const PROFILE = process.env.PEER_PROFILE ?? 'defaults';
const STT_MODE = process.env.PEER_STT ?? 'realtime';
if (!['defaults', 'tuned'].includes(PROFILE)) throw new Error(`PEER_PROFILE: ${PROFILE}`);
if (!['realtime', 'batch'].includes(STT_MODE)) throw new Error(`PEER_STT: ${STT_MODE}`);

/**
 * Its best settings for latency, each a documented option: VAD turn detection (no end-of-turn
 * model, which this machine cannot fetch), the shortest endpointing delay that still waits for
 * a pause, preemptive generation (LLM and TTS), interruptions after 200 ms of speech, and no AEC
 * warm-up (which otherwise ignores the user for the first 3 s of agent speech).
 */
export const TUNED = {
  turnHandling: {
    turnDetection: 'vad',
    endpointing: { mode: 'fixed', minDelay: 250, maxDelay: 1500 },
    interruption: { mode: 'vad', minDuration: 200 },
    preemptiveGeneration: { enabled: true, preemptiveTts: true },
  },
  aecWarmupDuration: null,
};

/** One provider at `primary` (default OPENAI_BASE_URL), or its FallbackAdapter with `fallback`. */
function withFallback(make, primary, fallback, adapter) {
  const first = make(primary ?? process.env.OPENAI_BASE_URL);
  return fallback ? adapter([first, make(fallback)]) : first;
}

export default defineAgent({
  prewarm: async (proc) => {
    proc.userData.vad = await silero.VAD.load(
      PROFILE === 'tuned' ? { minSilenceDuration: 250, minSpeechDuration: 64 } : {},
    );
  },
  entry: async (ctx) => {
    const vad = ctx.proc.userData.vad;
    const session = new voice.AgentSession({
      vad,
      stt:
        STT_MODE === 'realtime'
          ? new openai.STT({ vad, baseURL: process.env.OPENAI_BASE_URL })
          : new openai.STT({ useRealtime: false, baseURL: process.env.OPENAI_BASE_URL }),
      llm: withFallback(
        (baseURL) => new openai.LLM({ model: 'gpt-4o-mini', baseURL }),
        process.env.PEER_LLM_BASE_URL,
        process.env.PEER_LLM_FALLBACK_URL,
        (llms) => new llm.FallbackAdapter({ llms }),
      ),
      tts: withFallback(
        (baseURL) => new openai.TTS({ baseURL }),
        process.env.PEER_TTS_BASE_URL,
        process.env.PEER_TTS_FALLBACK_URL,
        (ttsInstances) => new tts.FallbackAdapter({ ttsInstances }),
      ),
      ...(PROFILE === 'tuned' ? TUNED : {}),
    });
    // Its per-stage metrics (end of utterance, TTFT, TTFB...) in its log, as its examples do.
    session.on(voice.AgentSessionEventTypes.MetricsCollected, (ev) =>
      metrics.logMetrics(ev.metrics),
    );
    await session.start({
      agent: new voice.Agent({
        instructions: 'You are a helpful voice assistant. Answer in one or two short sentences.',
      }),
      room: ctx.room,
    });
    await ctx.connect();
    if (process.env.PEER_GREETING) session.say(process.env.PEER_GREETING);
  },
});

// Its load report is replaced in both profiles: it reports the whole machine's CPU, and on a
// 2-core machine that also runs the server and the simulated people, livekit-server then found
// no available worker ("no servers available") from the second room on. With load 0 it takes
// every job. Every other worker option is its default (process per job, 2 idle processes).
cli.runApp(new WorkerOptions({ agent: fileURLToPath(import.meta.url), loadFunc: async () => 0 }));
