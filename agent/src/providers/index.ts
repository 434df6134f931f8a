import type { Logger } from '../log.js';
import { AnthropicLlm } from './llm/anthropic.js';
import { OpenAiLlm } from './llm/openai.js';
import { DeepgramStt } from './stt/deepgram.js';
import { OpenAiBatchStt } from './stt/openai_batch.js';
import { OpenAiRealtimeStt } from './stt/openai_realtime.js';
import { DeepgramTts } from './tts/deepgram.js';
import { FliteTts } from './tts/flite.js';
import { OpenAiTts } from './tts/openai.js';
import { CachedTts, TtsCache, type VoiceIdentity } from './tts/cache.js';
import { FallbackLlm, ResumingLlm } from './fallback/llm.js';
import { FallbackStt } from './fallback/stt.js';
import { FallbackTts, LeadInRetryTts } from './fallback/tts.js';
import type { Llm, SpeechSynthesizer, Stt } from './types.js';

export type { ChatMessage, Llm, SpeechSynthesizer, Stt, SttEvent, SttStream } from './types.js';
export { ProviderError } from './types.js';

interface Endpoint {
  /** OpenAI-compatible base URL, e.g. `https://api.openai.com/v1` (Deepgram's for deepgram). */
  baseURL: string;
  apiKey: string;
  model: string;
}

type Chained<T> = T & {
  /** The providers after this one in the stage's fallback chain (none: no chain). */
  next?: readonly T[] | undefined;
};

type SttConfig = Endpoint & {
  provider: 'deepgram' | 'openai-realtime' | 'openai-batch' | 'none';
  language?: string | undefined;
  /** Words to expect (STT_KEYTERMS): each provider biases its recognition towards them. */
  keyterms?: readonly string[] | undefined;
};
type LlmConfig = Endpoint & {
  provider: 'openai' | 'anthropic' | 'none';
  /** Metrics/log label of an OpenAI-compatible preset (groq, xai); default 'openai'. */
  label?: string | undefined;
  temperature?: number | undefined;
};
type TtsConfig = Endpoint & { provider: 'openai' | 'deepgram' | 'flite'; voice: string };

/** Which providers serve each stage, and where (config.ts's stagesOf maps config onto this). */
export interface ProvidersConfig {
  stt: Chained<SttConfig>;
  llm: Chained<LlmConfig>;
  tts: Chained<TtsConfig>;
  /** The process's TTS cache budget (AGENT_TTS_CACHE_BYTES); 0 or unset: no cache. */
  ttsCacheBytes?: number | undefined;
  /** Time-to-first-result budgets: a chain passes over a provider that misses its stage's. */
  budgets?: { sttFinalMs: number; llmFirstTokenMs: number; ttsFirstByteMs: number } | undefined;
}

export interface Providers {
  stt: Stt | undefined;
  llm: Llm | undefined;
  tts: SpeechSynthesizer;
  /** The stage speaking in another voice (a persona's); `tts` for its own or none. */
  ttsFor(voice: string | undefined): SpeechSynthesizer;
  /** The embedded voice (Flite): `tts` itself when that is Flite. Speaks when `tts` is down. */
  fallbackTts: SpeechSynthesizer;
  /** Provider label per stage ('none' when a stage is off), for logs and the models attribute. */
  labels: { stt: string; llm: string; tts: string };
  /** Closes every provider (sockets, keep-alive connections, workers). */
  close(): Promise<void>;
}

/** The seed figures of the issue that set them (config.ts has the same defaults). */
const DEFAULT_BUDGETS = { sttFinalMs: 300, llmFirstTokenMs: 2_000, ttsFirstByteMs: 250 };

export function createProviders(cfg: ProvidersConfig, log?: Logger): Providers {
  const budgets = cfg.budgets ?? DEFAULT_BUDGETS;
  const stt = chain(
    stageOf(cfg.stt).map((c) => createStt(c, log)),
    (stts) => new FallbackStt(stts, { finalBudgetMs: budgets.sttFinalMs, log }),
  );
  const chained = chain(
    stageOf(cfg.llm).map((c) => createLlm(c, log)),
    (llms) => new FallbackLlm(llms, { firstTokenBudgetMs: budgets.llmFirstTokenMs, log }),
  );
  // A reply cut mid-way is finished by the stage (the same provider when it is the only one).
  const llm = chained && new ResumingLlm(chained, log);
  // One cache for the process (createProviders is called once, in main.ts): what one room
  // said, the next hears without a round trip. Each voice is wrapped, never the chain, so a
  // key names the provider that made the audio and nothing is kept twice.
  const cache = cfg.ttsCacheBytes ? new TtsCache(cfg.ttsCacheBytes) : undefined;
  const cached = (voice: SpeechSynthesizer, identity: VoiceIdentity) =>
    cache ? new CachedTts(voice, cache, identity) : voice;
  const ttsStack = (stage: Chained<TtsConfig>) => {
    const made = stageOf(stage).map((c) => createTts(c, log));
    const voices = made.map(({ voice, identity }) => cached(voice, identity));
    const tts =
      voices.length === 1 && !(made[0]!.voice instanceof FliteTts)
        ? new LeadInRetryTts(voices[0]!, log) // a lone cloud voice: one more try for a cut lead-in
        : chain(
            voices,
            (all) => new FallbackTts(all, { firstByteBudgetMs: budgets.ttsFirstByteMs, log }),
          )!;
    const flite = made.findIndex(({ voice }) => voice instanceof FliteTts);
    return { tts, voices, flite: flite >= 0 ? voices[flite] : undefined };
  };
  const { tts, voices, flite } = ttsStack(cfg.tts);
  // The chain's own Flite if it has one; else one of its own, whose worker starts on first use
  // (an unused fallback costs nothing).
  const fallbackTts = flite ?? cached(...fliteVoice(new FliteTts()));
  const owned = voices.includes(fallbackTts) ? [] : [fallbackTts];
  // Other voices (a persona's), made on first use with the stage's first provider speaking in
  // that voice; the rest of the chain as configured.
  const otherVoices = new Map<string, SpeechSynthesizer>();
  const ttsFor = (voice: string | undefined): SpeechSynthesizer => {
    if (voice === undefined || voice === voiceOf(cfg.tts)) return tts;
    let made = otherVoices.get(voice);
    if (!made) {
      made = ttsStack({
        ...cfg.tts,
        ...(cfg.tts.provider === 'deepgram' ? { model: voice } : { voice }),
      }).tts;
      otherVoices.set(voice, made);
    }
    return made;
  };
  return {
    stt,
    llm,
    tts,
    ttsFor,
    fallbackTts,
    labels: { stt: stt?.label ?? 'none', llm: llm?.label ?? 'none', tts: tts.label },
    async close() {
      await Promise.allSettled([
        stt?.close(),
        llm?.close(),
        tts.close(),
        ...[...otherVoices.values()].map((t) => t.close()),
        ...owned.map((t) => t.close()),
      ]);
    },
  };
}

/** The voice a TTS stage speaks in (Deepgram's model names it). */
function voiceOf(stage: TtsConfig): string {
  return stage.provider === 'deepgram' ? stage.model : stage.voice;
}

/** A stage's providers in chain order. */
function stageOf<T>(stage: Chained<T>): T[] {
  return [stage, ...(stage.next ?? [])];
}

/** One provider as it is; several as their fallback chain; none (a stage that is off) as undefined. */
function chain<T>(providers: (T | undefined)[], fallback: (all: T[]) => T): T | undefined {
  const present = providers.filter((p): p is T => p !== undefined);
  if (present.length <= 1) return present[0];
  return fallback(present);
}

function createLlm(cfg: LlmConfig, log: Logger | undefined): Llm | undefined {
  if (cfg.provider === 'none') return undefined;
  if (cfg.provider === 'anthropic') {
    const { baseURL, apiKey, model, temperature } = cfg;
    return new AnthropicLlm({ baseURL, apiKey, model, temperature, log });
  }
  return new OpenAiLlm({
    baseURL: cfg.baseURL,
    apiKey: cfg.apiKey,
    model: cfg.model,
    label: cfg.label,
    temperature: cfg.temperature,
    log,
  });
}

/** A voice of the stage, and what besides the text decides its sound (the cache's key). */
function createTts(
  cfg: TtsConfig,
  log: Logger | undefined,
): { voice: SpeechSynthesizer; identity: VoiceIdentity } {
  if (cfg.provider === 'flite') {
    const [voice, identity] = fliteVoice(new FliteTts({ voice: cfg.voice }));
    return { voice, identity };
  }
  if (cfg.provider === 'deepgram') {
    // One instance per process (createProviders runs once, in main.ts): its socket pool gives
    // each conversation speaking at a moment a socket of its own. Aura's model names its voice.
    const { baseURL, apiKey, model } = cfg;
    return {
      voice: new DeepgramTts({ baseURL, apiKey, model, log }),
      identity: { model, voice: model },
    };
  }
  const voice = new OpenAiTts({
    baseURL: cfg.baseURL,
    apiKey: cfg.apiKey,
    model: cfg.model,
    voice: cfg.voice,
    log,
  });
  return { voice, identity: { model: cfg.model, voice: cfg.voice } };
}

/** Flite has one model; its voice is the one it speaks with, whatever name it was given. */
function fliteVoice(flite: FliteTts): [FliteTts, VoiceIdentity] {
  return [flite, { model: 'flite', voice: flite.voice }];
}

function createStt(cfg: SttConfig, log: Logger | undefined): Stt | undefined {
  const common = {
    baseURL: cfg.baseURL,
    apiKey: cfg.apiKey,
    model: cfg.model,
    language: cfg.language,
    keyterms: cfg.keyterms,
    log,
  };
  switch (cfg.provider) {
    case 'deepgram':
      return new DeepgramStt(common);
    case 'openai-realtime':
      return new OpenAiRealtimeStt(common);
    case 'openai-batch':
      return new OpenAiBatchStt(common);
    case 'none':
      return undefined;
  }
}
