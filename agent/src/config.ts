import {
  ConfigError,
  livekitSchema,
  parseConfig,
  personasOf,
  readPersonasFile,
  readEnv,
  refuseDevKeysInProduction,
} from '@voice-agent/common';
import type { Env, Personas } from '@voice-agent/common';
import { z } from 'zod';
import { INSTRUCTIONS_SHARE } from './conversation/memory/context.js';
import { estimateTokens } from './conversation/memory/tokens.js';
import { BUILT_IN_TOOLS } from './conversation/tools/builtins.js';
import { isTimeZone } from './conversation/tools/time.js';

const ms = (what: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: `expected ${what} in milliseconds, a whole number` })
    .int(`expected ${what} in milliseconds, a whole number`)
    .min(min, `expected at least ${min} ms`)
    .max(max, `expected at most ${max} ms`)
    .default(fallback);

const optionalUrl = z
  .string()
  .trim()
  .refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), {
    message: 'expected an http(s) URL such as https://api.openai.com/v1',
  })
  .transform((v) => v.replace(/\/+$/, ''))
  .optional();

/**
 * A stage's providers, one or a fallback chain in order of preference (`deepgram,openai-realtime`):
 * each a known name, none twice, `none` only alone.
 */
const chainOf = <const T extends readonly [string, ...string[]]>(names: T) =>
  z
    .string()
    .trim()
    .transform((value, ctx) => {
      const items = namesIn(value, names, ctx, {
        expected: `expected one of ${names.join(', ')}, or several separated by commas`,
        what: 'provider',
      });
      if (items && items.includes('none') && items.length > 1) {
        ctx.addIssue({ code: 'custom', message: 'expected none alone (the stage is off)' });
        return z.NEVER;
      }
      return items ?? z.NEVER;
    })
    .optional();

/** Built-in tools, separated by commas (`time,search`), each once; `none` alone: no tools. */
const toolList = z
  .string()
  .trim()
  .transform((value, ctx) => {
    if (value.replace(/,/g, ' ').trim() === 'none') return []; // `none`, with stray commas
    return (
      namesIn(value, BUILT_IN_TOOLS, ctx, {
        expected: `expected ${BUILT_IN_TOOLS.join(', ')} separated by commas, or none`,
        what: 'tool',
      }) ?? z.NEVER
    );
  })
  .default([...BUILT_IN_TOOLS]);

/**
 * A comma-separated list of known names, each once (blanks between commas dropped); undefined,
 * with the issue added, for an empty list, an unknown name or a name twice.
 */
function namesIn<const T extends readonly string[]>(
  value: string,
  names: T,
  ctx: z.RefinementCtx,
  say: { expected: string; what: string },
): T[number][] | undefined {
  const items = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const known: readonly string[] = names;
  if (items.length === 0 || items.some((v) => !known.includes(v))) {
    ctx.addIssue({ code: 'custom', message: `${say.expected} (got "${value}")` });
    return undefined;
  }
  if (new Set(items).size !== items.length) {
    ctx.addIssue({ code: 'custom', message: `expected each ${say.what} once (got "${value}")` });
    return undefined;
  }
  return items as T[number][];
}

/** Most terms, and longest term, STT_KEYTERMS takes (Deepgram's keyterm prompting: up to 100). */
const MAX_KEYTERMS = 100;
const MAX_KEYTERM_CHARS = 100;

/** Comma-separated terms, each trimmed; empty entries (`a,,b`, a trailing comma) are dropped. */
const keyterms = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const terms = (value ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (terms.length > MAX_KEYTERMS) {
      ctx.addIssue({
        code: 'custom',
        message: `expected at most ${MAX_KEYTERMS} comma-separated terms (got ${terms.length})`,
      });
      return z.NEVER;
    }
    const long = terms.find((t) => [...t].length > MAX_KEYTERM_CHARS);
    if (long !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `expected each term at most ${MAX_KEYTERM_CHARS} characters (got "${long.slice(0, 20)}...", ${[...long].length})`,
      });
      return z.NEVER;
    }
    return terms;
  });

const MAX_TTS_CACHE_BYTES = 1024 * 1024 * 1024;
/** Instructions, a summary and the last few turns must fit. */
const MIN_CONTEXT_TOKENS = 1_000;

const DEFAULT_INSTRUCTIONS =
  'You are a friendly voice assistant in a live audio room. Several people may be talking to ' +
  "you; each user message starts with the speaker's name. Answer in one to three short spoken " +
  'sentences, without lists, markdown or emoji.';

/** Every setting of the agent process, from the environment and `.env`. */
/** The longest end-of-turn hold after finished-sounding words. */
const MAX_HOLD_MS = 5_000;

export const agentConfigSchema = refuseDevKeysInProduction(
  livekitSchema.extend({
    /** Key for OpenAI or any OpenAI-compatible server; stages use it unless they have their own. */
    OPENAI_API_KEY: z.string().trim().min(1).optional(),
    /** Base URL of an OpenAI-compatible server (Groq, xAI, Ollama, vLLM...). */
    OPENAI_BASE_URL: optionalUrl,
    /**
     * Speech to text: `deepgram` (live WebSocket, words while the person speaks),
     * `openai-realtime` (streaming WebSocket), `openai-batch` (/v1/audio/transcriptions per
     * utterance, for servers without streaming) or `none`. Default: deepgram when
     * DEEPGRAM_API_KEY is set, else openai-realtime when OPENAI_API_KEY or OPENAI_BASE_URL is
     * set, else none.
     */
    AGENT_STT: chainOf(['deepgram', 'openai-realtime', 'openai-batch', 'none']),
    /** Default: nova-3 for Deepgram, gpt-4o-mini-transcribe otherwise. */
    STT_MODEL: z.string().trim().min(1).optional(),
    STT_LANGUAGE: z.string().trim().min(2).max(8).default('en'),
    STT_BASE_URL: optionalUrl,
    STT_API_KEY: z.string().trim().min(1).optional(),
    /**
     * Words the STT should expect (names, products, jargon), separated by commas: Deepgram's
     * keyterm prompting (nova-3; `keywords` for older models), the transcription prompt for
     * OpenAI. Every STT of the stage gets them.
     */
    STT_KEYTERMS: keyterms,
    DEEPGRAM_API_KEY: z.string().trim().min(1).optional(),
    /** Deepgram's address (a self-hosted Deepgram); `/v1/listen` and `/v1/speak` are appended. */
    DEEPGRAM_BASE_URL: z
      .string()
      .trim()
      .refine((v) => /^(wss?|https?):\/\/[^\s/]+/.test(v) && URL.canParse(v), {
        message: 'expected a ws(s) or http(s) URL such as wss://api.deepgram.com',
      })
      .transform((v) => v.replace(/\/+$/, ''))
      .optional(),
    /**
     * Language model: `openai` (chat completions, any compatible server), the presets `groq` and
     * `xai` (the same path with their base URL, key and a default model: LLM_PRESETS),
     * `anthropic` (the Messages API), or `none`.
     */
    AGENT_LLM: chainOf(['openai', 'groq', 'xai', 'anthropic', 'none']),
    /** Default: gpt-4o-mini, the preset's model, or claude-haiku-4-5 for anthropic. */
    LLM_MODEL: z.string().trim().min(1).optional(),
    GROQ_API_KEY: z.string().trim().min(1).optional(),
    XAI_API_KEY: z.string().trim().min(1).optional(),
    /** A preset's server elsewhere (a proxy, a gateway): default its public API. */
    GROQ_BASE_URL: optionalUrl,
    XAI_BASE_URL: optionalUrl,
    /** Anthropic's Messages API (AGENT_LLM=anthropic): its key, and its server if not the public one. */
    ANTHROPIC_API_KEY: z.string().trim().min(1).optional(),
    ANTHROPIC_BASE_URL: optionalUrl,
    LLM_BASE_URL: optionalUrl,
    LLM_API_KEY: z.string().trim().min(1).optional(),
    /**
     * Text to speech: `openai` (/v1/audio/speech, streaming PCM), `deepgram` (Aura-2 over the
     * /v1/speak WebSocket, with DEEPGRAM_API_KEY and DEEPGRAM_BASE_URL) or `flite` (embedded,
     * offline).
     * Each stage takes one provider or a fallback chain (`openai,flite`): a reply moves to the
     * next when one fails after its retries, misses the stage's budget or gives nothing, and
     * comes back once a background probe sees it answer. The stage's own variables (TTS_MODEL,
     * TTS_BASE_URL, ...) are the first provider's; later ones use their provider's variables.
     */
    AGENT_TTS: chainOf(['openai', 'deepgram', 'flite']),
    /** Default: gpt-4o-mini-tts for openai, aura-2-thalia-en for deepgram (its voice too). */
    TTS_MODEL: z.string().trim().min(1).optional(),
    TTS_VOICE: z.string().trim().min(1).default('alloy'),
    TTS_BASE_URL: optionalUrl,
    TTS_API_KEY: z.string().trim().min(1).optional(),
    /**
     * Speech kept in memory for texts said again (greetings, fillers, apologies), shared by every
     * room of the process: a repeat starts without a provider round trip. Least recently used
     * goes first; a text over a quarter of it is never kept. 0: no cache.
     */
    AGENT_TTS_CACHE_BYTES: z.coerce
      .number({ message: 'expected a size in bytes, a whole number (0 disables the cache)' })
      .int('expected a size in bytes, a whole number (0 disables the cache)')
      .min(0, 'expected a size in bytes, a whole number (0 disables the cache)')
      .max(MAX_TTS_CACHE_BYTES, `expected at most ${MAX_TTS_CACHE_BYTES} bytes (1 GiB)`)
      .default(32 * 1024 * 1024),
    /**
     * Personal data (emails, phone, card and social security numbers, IBANs) in what people say
     * or type: `logs` replaces it in log lines, `llm` also before the text reaches the language
     * model and its summary, `off` leaves it.
     */
    AGENT_REDACT: z.enum(['logs', 'llm', 'off']).default('logs'),
    /**
     * The largest LLM request, in tokens (instructions, summary and turns). Older turns are
     * folded into a running summary in the background well before it is reached.
     */
    AGENT_CONTEXT_TOKENS: z.coerce
      .number({ message: 'expected a number of tokens, a whole number' })
      .int('expected a number of tokens, a whole number')
      .min(MIN_CONTEXT_TOKENS, `expected at least ${MIN_CONTEXT_TOKENS} tokens`)
      .max(1_000_000, 'expected at most 1000000 tokens')
      .default(6_000),
    /**
     * A JSON file of personas (instructions, voice, greeting, display name each); a room gets
     * the one its dispatch names, else the file's default. Unset: one persona made of
     * AGENT_INSTRUCTIONS, TTS_VOICE, AGENT_GREETING and AGENT_DISPLAY_NAME.
     */
    AGENT_PERSONAS_FILE: z.string().trim().min(1, 'expected a path to a JSON file').optional(),
    /** The persona and rules the language model gets with every request. */
    AGENT_INSTRUCTIONS: z
      .string()
      .trim()
      .min(1, 'expected non-empty instructions')
      .max(8000, 'expected at most 8000 characters')
      .default(DEFAULT_INSTRUCTIONS),
    /**
     * Silence after a person's last speech before their turn is over, when the transcript
     * sounds finished ("How much is a ticket?"). A reply is prepared during the hold, so up to
     * about the pipeline's own latency it costs no time.
     */
    AGENT_TURN_HOLD_MS: ms('the end-of-turn silence', 100, MAX_HOLD_MS, 500),
    /**
     * The same silence when the transcript sounds unfinished ("I would like to book a table
     * for", "and", "um"). Without any punctuation, a quarter of the way from the short hold.
     */
    AGENT_TURN_HOLD_INCOMPLETE_MS: ms(
      'the end-of-turn silence after unfinished words',
      100,
      10_000,
      1_500,
    ),
    /** Silence that ends an utterance for VAD (and commits it to STT); at most the hold. */
    AGENT_VAD_SILENCE_MS: ms('the VAD end-of-speech silence', 50, 2_000, 250),
    /**
     * Silence inside speech after which the utterance so far goes to STT as a draft, before VAD
     * is sure it ended: its words are ready about when VAD ends the speech, and a reply is
     * prepared from them sooner. Speech that goes on drops the draft (the provider transcribed
     * it for nothing) and the utterance is transcribed whole. Counted in VAD windows of 32 ms.
     * 0: no drafts. Used with the OpenAI realtime STT (the others have no drafts).
     */
    AGENT_STT_DRAFT_SILENCE_MS: ms('the silence before a draft transcript', 0, 2_000, 96),
    /**
     * Speech must last this long before VAD reports it (shorter blips are ignored). 64 ms = two
     * Silero windows: at 100 ms, 2 to 3 of 20 short words ("wait") spoken over the agent were
     * never reported, because received Opus audio gave them fewer windows above the threshold
     * than clean audio does (bench:turns); at 64 ms, 0 of 20.
     */
    AGENT_VAD_MIN_SPEECH_MS: ms('the shortest speech VAD reports', 30, 1_000, 64),
    /** Silero speech probability above which a window is speech. */
    AGENT_VAD_THRESHOLD: z.coerce
      .number({ message: 'expected a probability between 0.05 and 0.95, e.g. 0.5' })
      .min(0.05, 'expected a probability between 0.05 and 0.95, e.g. 0.5')
      .max(0.95, 'expected a probability between 0.05 and 0.95, e.g. 0.5')
      .default(0.5),
    /**
     * Speech over the agent pauses it at once; the words then decide (a backchannel such as
     * "mm-hmm" or a cough resumes it, "wait" stops it). Speech lasting this long stops it
     * without waiting for the words.
     */
    AGENT_BACKCHANNEL_MAX_MS: ms('the longest backchannel', 200, 5_000, 1_000),
    /**
     * A sound in a microphone while the agent speaks pauses the reply at its first 20 ms above
     * AGENT_INPUT_ACTIVE_DBFS, before VAD can call it speech; VAD then has this long to do so,
     * or the reply plays on. 0: the reply pauses only when VAD hears speech.
     */
    AGENT_ONSET_PAUSE_MS: ms('how long a pause on a sound waits for speech', 0, 2_000, 400),
    /**
     * Which turns the agent answers: `always`; `addressed` (only turns meant for it: its name
     * AGENT_DISPLAY_NAME, or a follow-up to its last answer); `auto`: always with one person
     * in the room, addressed with two or more.
     */
    AGENT_REPLY_POLICY: z.enum(['auto', 'always', 'addressed']).default('auto'),
    /**
     * The agent's own voice in people's microphones: `cancel` (the level gate until an echo path
     * is measured, then WebRTC's echo canceller); `gate` (the level gate only); `off`.
     */
    AGENT_ECHO: z.enum(['cancel', 'gate', 'off']).default('cancel'),
    /**
     * Empty: automatic dispatch (the agent joins every new room). A name: explicit dispatch only
     * (the agent joins rooms that ask for it by name, via token room configuration or the
     * AgentDispatch API).
     */
    AGENT_NAME: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]{0,64}$/, 'expected up to 64 letters, digits, ".", "_" or "-"')
      .default(''),
    /** The name people see for the agent in the room, and the name it answers to in a group. */
    AGENT_DISPLAY_NAME: z
      .string()
      .trim()
      .min(1, 'expected a non-empty name')
      .max(64, 'expected at most 64 characters')
      .regex(/\p{L}/u, 'expected a name with at least one letter (people call the agent by it)')
      .default('Agent'),
    /** Conversations this process accepts before it reports itself full to LiveKit. */
    AGENT_MAX_JOBS: z.coerce
      .number({ message: 'expected a whole number of jobs' })
      .int('expected a whole number of jobs')
      .min(1, 'expected at least 1')
      .max(1000, 'expected at most 1000')
      .default(50),
    /** Greeting spoken to each person who joins; `{name}` is replaced by their display name. */
    AGENT_GREETING: z
      .string()
      .trim()
      .min(1, 'expected a non-empty greeting')
      .max(300, 'expected at most 300 characters')
      .default('Hello {name}, welcome. I can hear you.'),
    /**
     * Said instead of silence when a provider stays down (after its retries) and a person's turn
     * cannot be answered; spoken with the embedded voice if the TTS provider is the one down.
     */
    AGENT_APOLOGY: z
      .string()
      .trim()
      .min(1, 'expected a non-empty apology')
      .max(300, 'expected at most 300 characters')
      .default('Sorry, something went wrong on my side. Please say that again.'),
    /**
     * Per-stage budgets. A turn over one is counted (voice_agent_turns_over_budget_total); a
     * provider that misses its stage's first-result budget is passed over when a fallback chain
     * has another working one. Commit -> final transcript:
     */
    AGENT_BUDGET_STT_FINAL_MS: ms('the STT final budget', 50, 30_000, 300),
    /** Request -> first token. */
    AGENT_BUDGET_LLM_FIRST_TOKEN_MS: ms('the LLM first-token budget', 100, 60_000, 2_000),
    /** Request -> first audio. */
    AGENT_BUDGET_TTS_FIRST_BYTE_MS: ms('the TTS first-audio budget', 50, 30_000, 250),
    /** End of the person's speech -> the agent's first sound. */
    AGENT_BUDGET_VOICE_TO_VOICE_MS: ms('the voice-to-voice budget', 100, 60_000, 3_000),
    /**
     * A reply whose first words are not heard this long after the person stopped speaking gets
     * a short filler first (AGENT_FILLER), so nobody waits in silence. 0: never.
     */
    AGENT_FILLER_AFTER_MS: ms('the silence before a filler', 0, 30_000, 1_500),
    AGENT_FILLER: z
      .string()
      .trim()
      .min(1, 'expected a non-empty filler')
      .max(100, 'expected at most 100 characters')
      .default('One moment.'),
    /**
     * Built-in tools the model may call: `time` (the date and time now), `search` (the web,
     * through Tavily; only with TAVILY_API_KEY). `none`: no tools, for models without function
     * calling.
     */
    AGENT_TOOLS: toolList,
    /** The agent's local time zone (IANA), for the `time` tool. */
    AGENT_TIMEZONE: z
      .string()
      .trim()
      .refine(isTimeZone, { message: 'expected an IANA time zone such as Europe/Paris or UTC' })
      .default('UTC'),
    /** Tavily's API key: the `search` tool is on only with it. */
    TAVILY_API_KEY: z.string().trim().min(1).optional(),
    /** Tavily's address (a proxy); `/search` is appended. */
    TAVILY_BASE_URL: optionalUrl,
    /** A tool still running this long after it started gets a short filler (AGENT_FILLER). 0: never. */
    AGENT_TOOL_FILLER_AFTER_MS: ms('the silence before a tool filler', 0, 30_000, 1_000),
    /** A tool that takes longer is stopped, and the model is told it failed. */
    AGENT_TOOL_TIMEOUT_MS: ms('the time limit of a tool', 100, 60_000, 8_000),
    /** Health and status HTTP endpoint (`/healthz`, `/status`); port 0 disables it. */
    AGENT_HTTP_HOST: z.string().trim().min(1).default('127.0.0.1'),
    AGENT_HTTP_PORT: z.coerce
      .number({ message: 'expected a TCP port number (0 disables the endpoint)' })
      .int('expected a TCP port number (0 disables the endpoint)')
      .min(0, 'expected a TCP port number (0 disables the endpoint)')
      .max(65535, 'expected a TCP port number (0 disables the endpoint)')
      .default(8081),
    /** Time a job gets to leave its room on shutdown or termination before it is abandoned. */
    AGENT_SHUTDOWN_TIMEOUT_MS: ms('the shutdown time limit', 100, 60_000, 5_000),
    /**
     * How long a room's conversation (and who was greeted) is kept after the agent leaves it:
     * the agent's next job in that room (after a server restart, a dropped connection, or the
     * room emptying for a moment) carries it on. 0: every job starts afresh.
     */
    AGENT_ROOM_MEMORY_MS: ms('the room memory time', 0, 86_400_000, 600_000),
    /**
     * Redis shared by every agent worker (several processes or machines): each room's
     * conversation is kept there, so any worker carries it on, and a worker that dies has its
     * rooms dispatched again by the others (cluster/room_leases.ts). Unset: one process on its own.
     */
    REDIS_URL: z
      .string()
      .trim()
      .refine((v) => /^rediss?:\/\/[^\s]+/.test(v) && URL.canParse(v), {
        message: 'expected a redis:// or rediss:// URL such as redis://localhost:6379',
      })
      .optional(),
    /**
     * With REDIS_URL: a room whose agent has not renewed its lease for this long (its worker
     * died) gets a new agent from another worker. Renewed every quarter of it.
     */
    AGENT_ROOM_LEASE_MS: ms('the room lease time', 400, 60_000, 2_000),
    /**
     * With REDIS_URL: how long the agent's connection to a room may stay reconnecting (the
     * LiveKit node it went through died) before its job hands the room to a worker that can
     * reach it. Without REDIS_URL the agent reconnects for as long as rtc-node tries (about 30 s).
     */
    // The agent's voice track while it is silent: each published track keeps an Opus encoder
    // busy on silence (room/voice_track.ts). 0 keeps it published for good.
    AGENT_VOICE_IDLE_MS: ms('the silence before the voice track is withdrawn', 0, 3_600_000, 2_000),
    AGENT_ROOM_RECONNECT_MS: ms('the room reconnect time', 500, 60_000, 3_000),
    /** Said by the agent that takes over a room whose agent died, to the people still there. */
    AGENT_RESUME_LINE: z
      .string()
      .trim()
      .min(1, 'expected a non-empty line')
      .max(300, 'expected at most 300 characters')
      .default("Sorry, I dropped out for a moment. I'm back."),
    /** Microphone level (dBFS) above which a participant counts as audible. */
    AGENT_INPUT_ACTIVE_DBFS: z.coerce
      .number({ message: 'expected a level in dBFS, e.g. -45' })
      .min(-100, 'expected a level between -100 and 0 dBFS')
      .max(0, 'expected a level between -100 and 0 dBFS')
      .default(-45),
    /**
     * `on`: rtc-node's events reach each Room only if they are room events (room/ffi_dispatch.ts),
     * so one process serves many rooms; `off`: rtc-node's own delivery (every event to every
     * listener), for comparison or if a future rtc-node changes its internals.
     */
    AGENT_FFI_EVENT_ROUTING: z.enum(['on', 'off']).default('on'),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  }),
).superRefine((cfg, ctx) => {
  const deepgramStages = (['AGENT_STT', 'AGENT_TTS'] as const).filter((stage) =>
    (cfg[stage] as readonly string[] | undefined)?.includes('deepgram'),
  );
  if (deepgramStages.length > 0 && cfg.DEEPGRAM_API_KEY === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['DEEPGRAM_API_KEY'],
      message: `expected a Deepgram API key: ${deepgramStages.join(' and ')} ${deepgramStages.length > 1 ? 'have' : 'has'} deepgram`,
    });
  }
  for (const [i, name] of (cfg.AGENT_LLM ?? []).entries()) {
    if (name !== 'groq' && name !== 'xai' && name !== 'anthropic') continue;
    const keyVariable = name === 'anthropic' ? 'ANTHROPIC_API_KEY' : LLM_PRESETS[name].keyVariable;
    const ownKey = i === 0 ? cfg.LLM_API_KEY : undefined;
    if (ownKey === undefined && cfg[keyVariable] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [keyVariable],
        message: `expected an API key${i === 0 ? ' (or LLM_API_KEY)' : ''}: AGENT_LLM has ${name}`,
      });
    }
  }
  const instructionsTokens = estimateTokens(cfg.AGENT_INSTRUCTIONS);
  if (instructionsTokens > cfg.AGENT_CONTEXT_TOKENS * INSTRUCTIONS_SHARE) {
    ctx.addIssue({
      code: 'custom',
      path: ['AGENT_INSTRUCTIONS'],
      message: `expected at most ${INSTRUCTIONS_SHARE * 100}% of AGENT_CONTEXT_TOKENS (${cfg.AGENT_CONTEXT_TOKENS}): about ${instructionsTokens} tokens`,
    });
  }
  if (cfg.AGENT_VAD_SILENCE_MS > cfg.AGENT_TURN_HOLD_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['AGENT_VAD_SILENCE_MS'],
      message: `expected at most AGENT_TURN_HOLD_MS (${cfg.AGENT_TURN_HOLD_MS} ms)`,
    });
  }
  if (
    cfg.AGENT_STT_DRAFT_SILENCE_MS > 0 &&
    cfg.AGENT_STT_DRAFT_SILENCE_MS >= cfg.AGENT_VAD_SILENCE_MS
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['AGENT_STT_DRAFT_SILENCE_MS'],
      message: `expected 0 (off) or less than AGENT_VAD_SILENCE_MS (${cfg.AGENT_VAD_SILENCE_MS} ms)`,
    });
  }
  // (A hold out of range has its own error already.)
  if (
    cfg.AGENT_TURN_HOLD_INCOMPLETE_MS < cfg.AGENT_TURN_HOLD_MS &&
    cfg.AGENT_TURN_HOLD_MS <= MAX_HOLD_MS
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['AGENT_TURN_HOLD_INCOMPLETE_MS'],
      message: `expected at least AGENT_TURN_HOLD_MS (${cfg.AGENT_TURN_HOLD_MS} ms)`,
    });
  }
});

export type AgentConfig = z.infer<typeof agentConfigSchema>;

/**
 * OpenAI-compatible servers known by name (AGENT_LLM=groq|xai): their base URL, the variable
 * holding their key, and a default model for a voice agent (fast, streams). LLM_BASE_URL,
 * LLM_API_KEY and LLM_MODEL still override each.
 */
export const LLM_PRESETS = {
  groq: {
    baseURL: 'https://api.groq.com/openai/v1',
    baseUrlVariable: 'GROQ_BASE_URL',
    keyVariable: 'GROQ_API_KEY',
    model: 'llama-3.3-70b-versatile',
  },
  xai: {
    baseURL: 'https://api.x.ai/v1',
    baseUrlVariable: 'XAI_BASE_URL',
    keyVariable: 'XAI_API_KEY',
    model: 'grok-4.3',
  },
} as const;

/** Which providers serve each stage, with their endpoints, after the defaults are applied. */
export function stagesOf(cfg: AgentConfig) {
  const openai = cfg.OPENAI_API_KEY !== undefined || cfg.OPENAI_BASE_URL !== undefined;
  const endpoint: EndpointOf = (baseUrl, apiKey) => ({
    baseURL: baseUrl ?? cfg.OPENAI_BASE_URL ?? 'https://api.openai.com/v1',
    // OpenAI-compatible local servers (Ollama, vLLM) take any key.
    apiKey: apiKey ?? cfg.OPENAI_API_KEY ?? 'no-key',
  });
  const stt = cfg.AGENT_STT ?? [
    cfg.DEEPGRAM_API_KEY !== undefined ? 'deepgram' : openai ? 'openai-realtime' : 'none',
  ];
  const llm = cfg.AGENT_LLM ?? [openai ? 'openai' : 'none'];
  const tts = cfg.AGENT_TTS ?? [openai ? 'openai' : 'flite'];
  return {
    stt: chained(stt, (name, first) => sttStage(cfg, name, first, endpoint)),
    llm: chained(llm, (name, first) => llmStage(cfg, name, first, endpoint)),
    tts: chained(tts, (name, first) => ttsStage(cfg, name, first, endpoint)),
    ttsCacheBytes: cfg.AGENT_TTS_CACHE_BYTES,
    budgets: {
      sttFinalMs: cfg.AGENT_BUDGET_STT_FINAL_MS,
      llmFirstTokenMs: cfg.AGENT_BUDGET_LLM_FIRST_TOKEN_MS,
      ttsFirstByteMs: cfg.AGENT_BUDGET_TTS_FIRST_BYTE_MS,
      voiceToVoiceMs: cfg.AGENT_BUDGET_VOICE_TO_VOICE_MS,
    },
  } as const;
}

/** The first provider's settings, with the ones after it in `next` (a fallback chain). */
function chained<N extends string, S>(
  names: readonly N[],
  stage: (name: N, first: boolean) => S,
): S & { next: S[] } {
  const [first, ...rest] = names;
  return { ...stage(first!, true), next: rest.map((name) => stage(name, false)) };
}

type EndpointOf = (
  baseUrl: string | undefined,
  apiKey: string | undefined,
) => { baseURL: string; apiKey: string };

type LlmName = NonNullable<AgentConfig['AGENT_LLM']>[number];
type SttName = NonNullable<AgentConfig['AGENT_STT']>[number];
type TtsName = NonNullable<AgentConfig['AGENT_TTS']>[number];

/**
 * One LLM of the stage: the OpenAI-compatible path, with a preset's server, key and model if
 * named. LLM_BASE_URL, LLM_API_KEY and LLM_MODEL are the first provider's.
 */
function llmStage(cfg: AgentConfig, name: LlmName, first: boolean, endpoint: EndpointOf) {
  const own = first
    ? { baseURL: cfg.LLM_BASE_URL, apiKey: cfg.LLM_API_KEY, model: cfg.LLM_MODEL }
    : { baseURL: undefined, apiKey: undefined, model: undefined };
  if (name === 'anthropic') {
    return {
      provider: name,
      label: name,
      baseURL: own.baseURL ?? cfg.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com',
      apiKey: own.apiKey ?? cfg.ANTHROPIC_API_KEY ?? '',
      model: own.model ?? 'claude-haiku-4-5',
    };
  }
  if (name === 'groq' || name === 'xai') {
    const preset = LLM_PRESETS[name];
    return {
      provider: 'openai' as const,
      label: name,
      baseURL: own.baseURL ?? cfg[preset.baseUrlVariable] ?? preset.baseURL,
      apiKey: own.apiKey ?? cfg[preset.keyVariable] ?? '',
      model: own.model ?? preset.model,
    };
  }
  return {
    provider: name,
    label: name,
    ...endpoint(own.baseURL, own.apiKey),
    model: own.model ?? 'gpt-4o-mini',
  };
}

/** One STT of the stage; STT_MODEL, STT_BASE_URL and STT_API_KEY are the first provider's. */
function sttStage(cfg: AgentConfig, name: SttName, first: boolean, endpoint: EndpointOf) {
  const language = cfg.STT_LANGUAGE;
  const keyterms = cfg.STT_KEYTERMS;
  const model = first ? cfg.STT_MODEL : undefined;
  if (name === 'deepgram') {
    return {
      provider: name,
      baseURL: cfg.DEEPGRAM_BASE_URL ?? 'wss://api.deepgram.com',
      apiKey: cfg.DEEPGRAM_API_KEY ?? '',
      model: model ?? 'nova-3',
      language,
      keyterms,
    };
  }
  return {
    provider: name,
    ...(first ? endpoint(cfg.STT_BASE_URL, cfg.STT_API_KEY) : endpoint(undefined, undefined)),
    model: model ?? 'gpt-4o-mini-transcribe',
    language,
    keyterms,
  };
}

/**
 * One voice of the stage; TTS_MODEL, TTS_BASE_URL and TTS_API_KEY are the first provider's.
 * Deepgram's model names its voice (TTS_VOICE is not used) and it has its own address and key.
 */
function ttsStage(cfg: AgentConfig, name: TtsName, first: boolean, endpoint: EndpointOf) {
  const model = first ? cfg.TTS_MODEL : undefined;
  if (name === 'deepgram') {
    return {
      provider: name,
      baseURL: cfg.DEEPGRAM_BASE_URL ?? 'wss://api.deepgram.com',
      apiKey: cfg.DEEPGRAM_API_KEY ?? '',
      model: model ?? 'aura-2-thalia-en',
      voice: cfg.TTS_VOICE,
    };
  }
  return {
    provider: name,
    ...(first ? endpoint(cfg.TTS_BASE_URL, cfg.TTS_API_KEY) : endpoint(undefined, undefined)),
    model: model ?? 'gpt-4o-mini-tts',
    voice: cfg.TTS_VOICE,
  };
}

/**
 * The personas rooms can have: AGENT_PERSONAS_FILE's, each with the settings' values for what
 * it leaves out, or one made of the settings. Throws a ConfigError for a bad file.
 */
export function agentPersonas(cfg: AgentConfig): Personas {
  // A persona without a voice of its own speaks in the TTS stage's.
  const settings = {
    greeting: cfg.AGENT_GREETING,
    displayName: cfg.AGENT_DISPLAY_NAME,
  };
  if (!cfg.AGENT_PERSONAS_FILE) {
    return personasOf([{ name: 'default', instructions: cfg.AGENT_INSTRUCTIONS, ...settings }]);
  }
  const file = readPersonasFile(cfg.AGENT_PERSONAS_FILE);
  for (const p of file.list) {
    const tokens = estimateTokens(p.instructions);
    if (tokens > cfg.AGENT_CONTEXT_TOKENS * INSTRUCTIONS_SHARE) {
      throw new ConfigError([
        {
          variable: 'AGENT_PERSONAS_FILE',
          message: `${p.name}: instructions of about ${tokens} tokens; expected at most ${INSTRUCTIONS_SHARE * 100}% of AGENT_CONTEXT_TOKENS (${cfg.AGENT_CONTEXT_TOKENS})`,
        },
      ]);
    }
  }
  const filled = file.list.map((p) => ({
    ...p,
    greeting: p.greeting ?? settings.greeting,
    displayName: p.displayName ?? settings.displayName,
  }));
  return personasOf(filled, file.default.name);
}

/** The built-in tools' settings, after the defaults are applied. */
export function toolsOf(cfg: AgentConfig) {
  return {
    enabled: cfg.AGENT_TOOLS,
    timeZone: cfg.AGENT_TIMEZONE,
    tavily: {
      apiKey: cfg.TAVILY_API_KEY,
      baseURL: cfg.TAVILY_BASE_URL ?? 'https://api.tavily.com',
    },
    timeoutMs: cfg.AGENT_TOOL_TIMEOUT_MS,
    fillerAfterMs: cfg.AGENT_TOOL_FILLER_AFTER_MS,
  };
}

/** Reads the agent's configuration; throws a ConfigError naming every bad variable. */
export function loadAgentConfig(env: Env = readEnv()): AgentConfig {
  return parseConfig(agentConfigSchema, env);
}
