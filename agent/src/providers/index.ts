import type { Logger } from '../log.js';
import { OpenAiLlm } from './llm/openai.js';
import { DeepgramStt } from './stt/deepgram.js';
import { OpenAiBatchStt } from './stt/openai_batch.js';
import { OpenAiRealtimeStt } from './stt/openai_realtime.js';
import { DeepgramTts } from './tts/deepgram.js';
import { FliteTts } from './tts/flite.js';
import { OpenAiTts } from './tts/openai.js';
import { FallbackLlm } from './fallback/llm.js';
import { FallbackStt } from './fallback/stt.js';
import { FallbackTts } from './fallback/tts.js';
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
};
type LlmConfig = Endpoint & {
  provider: 'openai' | 'none';
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
  /** Time-to-first-result budgets: a chain passes over a provider that misses its stage's. */
  budgets?: { sttFinalMs: number; llmFirstTokenMs: number; ttsFirstByteMs: number } | undefined;
}

export interface Providers {
  stt: Stt | undefined;
  llm: Llm | undefined;
  tts: SpeechSynthesizer;
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
  const llm = chain(
    stageOf(cfg.llm).map((c) => createLlm(c, log)),
    (llms) => new FallbackLlm(llms, { firstTokenBudgetMs: budgets.llmFirstTokenMs, log }),
  );
  const voices = stageOf(cfg.tts).map((c) => createTts(c, log));
  const tts = chain(
    voices,
    (all) => new FallbackTts(all, { firstByteBudgetMs: budgets.ttsFirstByteMs, log }),
  )!;
  // Flite's worker starts on first use, so an unused fallback costs nothing.
  const fallbackTts =
    tts instanceof FliteTts ? tts : (voices.find((v) => v instanceof FliteTts) ?? new FliteTts());
  const owned = voices.includes(fallbackTts) ? [] : [fallbackTts];
  return {
    stt,
    llm,
    tts,
    fallbackTts,
    labels: { stt: stt?.label ?? 'none', llm: llm?.label ?? 'none', tts: tts.label },
    async close() {
      await Promise.allSettled([
        stt?.close(),
        llm?.close(),
        tts.close(),
        ...owned.map((t) => t.close()),
      ]);
    },
  };
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
  return new OpenAiLlm({
    baseURL: cfg.baseURL,
    apiKey: cfg.apiKey,
    model: cfg.model,
    label: cfg.label,
    temperature: cfg.temperature,
    log,
  });
}

function createTts(cfg: TtsConfig, log: Logger | undefined): SpeechSynthesizer {
  if (cfg.provider === 'flite') return new FliteTts({ voice: cfg.voice });
  if (cfg.provider === 'deepgram') {
    // One socket per instance: createProviders runs once per process (main.ts), so every
    // room's replies share it, one turn at a time.
    return new DeepgramTts({ baseURL: cfg.baseURL, apiKey: cfg.apiKey, model: cfg.model, log });
  }
  return new OpenAiTts({
    baseURL: cfg.baseURL,
    apiKey: cfg.apiKey,
    model: cfg.model,
    voice: cfg.voice,
    log,
  });
}

function createStt(cfg: SttConfig, log: Logger | undefined): Stt | undefined {
  const common = {
    baseURL: cfg.baseURL,
    apiKey: cfg.apiKey,
    model: cfg.model,
    language: cfg.language,
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
