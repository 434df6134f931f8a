import type { Logger } from '../log.js';
import { OpenAiLlm } from './llm/openai.js';
import { DeepgramStt } from './stt/deepgram.js';
import { OpenAiBatchStt } from './stt/openai_batch.js';
import { OpenAiRealtimeStt } from './stt/openai_realtime.js';
import { FliteTts } from './tts/flite.js';
import { OpenAiTts } from './tts/openai.js';
import type { Llm, SpeechSynthesizer, Stt } from './types.js';

export type { ChatMessage, Llm, SpeechSynthesizer, Stt, SttEvent, SttStream } from './types.js';
export { ProviderError } from './types.js';

interface Endpoint {
  /** OpenAI-compatible base URL, e.g. `https://api.openai.com/v1` (Deepgram's for deepgram). */
  baseURL: string;
  apiKey: string;
  model: string;
}

/** Which provider serves each stage, and where (the lead maps config onto this). */
export interface ProvidersConfig {
  stt: Endpoint & {
    provider: 'deepgram' | 'openai-realtime' | 'openai-batch' | 'none';
    language?: string | undefined;
  };
  llm: Endpoint & {
    provider: 'openai' | 'none';
    /** Metrics/log label of an OpenAI-compatible preset (groq, xai); default 'openai'. */
    label?: string | undefined;
    temperature?: number | undefined;
  };
  tts: Endpoint & { provider: 'openai' | 'flite'; voice: string };
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

export function createProviders(cfg: ProvidersConfig, log?: Logger): Providers {
  const stt = createStt(cfg.stt, log);
  const llm =
    cfg.llm.provider === 'openai'
      ? new OpenAiLlm({
          baseURL: cfg.llm.baseURL,
          apiKey: cfg.llm.apiKey,
          model: cfg.llm.model,
          label: cfg.llm.label,
          temperature: cfg.llm.temperature,
          log,
        })
      : undefined;
  const tts: SpeechSynthesizer =
    cfg.tts.provider === 'openai'
      ? new OpenAiTts({
          baseURL: cfg.tts.baseURL,
          apiKey: cfg.tts.apiKey,
          model: cfg.tts.model,
          voice: cfg.tts.voice,
          log,
        })
      : new FliteTts({ voice: cfg.tts.voice });
  // Flite's worker starts on first use, so an unused fallback costs nothing.
  const fallbackTts = tts instanceof FliteTts ? tts : new FliteTts();
  return {
    stt,
    llm,
    tts,
    fallbackTts,
    labels: { stt: stt?.label ?? 'none', llm: llm?.label ?? 'none', tts: tts.label },
    async close() {
      await Promise.allSettled([stt?.close(), llm?.close(), tts.close(), fallbackTts.close()]);
    },
  };
}

function createStt(cfg: ProvidersConfig['stt'], log: Logger | undefined): Stt | undefined {
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
