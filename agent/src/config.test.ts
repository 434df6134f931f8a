import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ConfigError, DEV_LIVEKIT_API_KEY, DEV_LIVEKIT_URL } from '@voice-agent/common';
import type { Env } from '@voice-agent/common';
import { agentConfigSchema, agentPersonas, loadAgentConfig, stagesOf, toolsOf } from './config.js';

function configError(env: Env): ConfigError {
  try {
    loadAgentConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function namedVariables(err: ConfigError): string[] {
  return [...new Set(err.issues.map((i) => i.variable))].sort();
}

const BAD: [string, string][] = [
  ['AGENT_NAME', 'has space'],
  ['AGENT_MAX_JOBS', '0'],
  ['AGENT_MAX_JOBS', 'abc'],
  ['AGENT_MAX_JOBS', '2.5'],
  ['AGENT_HTTP_PORT', '70000'],
  ['AGENT_SHUTDOWN_TIMEOUT_MS', '12.5'],
  ['AGENT_INPUT_ACTIVE_DBFS', '5'],
  ['LOG_LEVEL', 'verbose'],
  ['AGENT_GREETING', ''],
  ['OPENAI_BASE_URL', 'api.openai.com/v1'],
  ['AGENT_STT', 'whisper'],
  ['AGENT_LLM', 'claude'],
  ['AGENT_TTS', 'espeak'],
  ['AGENT_REDACT', 'yes'],
  ['AGENT_CONTEXT_TOKENS', '999'],
  ['AGENT_CONTEXT_TOKENS', 'lots'],
  ['TTS_BASE_URL', 'ftp://tts.local'],
  ['AGENT_TURN_HOLD_MS', '99999'],
  ['AGENT_VAD_THRESHOLD', '1.5'],
  ['AGENT_BACKCHANNEL_MAX_MS', 'fast'],
  ['AGENT_TURN_HOLD_INCOMPLETE_MS', '50'],
  ['AGENT_REPLY_POLICY', 'sometimes'],
  ['AGENT_ECHO', 'aec3'],
  ['AGENT_TOOLS', 'time,calculator'],
  ['AGENT_TOOLS', 'time,time'],
  ['AGENT_TOOLS', 'none,search'],
  ['AGENT_TIMEZONE', 'Mars/Olympus'],
  ['TAVILY_BASE_URL', 'api.tavily.com'],
  ['AGENT_TOOL_FILLER_AFTER_MS', '-1'],
  ['AGENT_TOOL_TIMEOUT_MS', 'soon'],
];

describe('agent config: each bad value names its variable', () => {
  for (const [variable, value] of BAD) {
    it(`${variable}=${JSON.stringify(value)}`, () => {
      const err = configError({ [variable]: value });
      assert.deepEqual(namedVariables(err), [variable]);
      assert.match(err.message, new RegExp(`^  ${variable}: \\S`, 'm'));
    });
  }

  it('several bad values at once give one error naming all of them', () => {
    const err = configError(Object.fromEntries(new Map(BAD)));
    assert.deepEqual(namedVariables(err), [...new Set(BAD.map(([v]) => v))].sort());
    for (const variable of new Set(BAD.map(([v]) => v))) {
      assert.match(err.message, new RegExp(`^  ${variable}: `, 'm'));
    }
  });

  it('bad agent values and bad LiveKit values are reported together', () => {
    const err = configError({ LIVEKIT_URL: 'ftp://x', AGENT_MAX_JOBS: 'abc' });
    assert.deepEqual(namedVariables(err), ['AGENT_MAX_JOBS', 'LIVEKIT_URL']);
  });
});

describe('agent config: defaults and accepted values', () => {
  it('an empty environment gives automatic dispatch and a greeting by name', () => {
    const cfg = loadAgentConfig({});
    assert.equal(cfg.AGENT_NAME, '');
    assert.match(cfg.AGENT_GREETING, /\{name\}/);
    assert.equal(cfg.LIVEKIT_URL, DEV_LIVEKIT_URL);
    assert.equal(cfg.LIVEKIT_API_KEY, DEV_LIVEKIT_API_KEY);
    assert.equal(cfg.LOG_LEVEL, 'info');
    assert.ok(cfg.AGENT_MAX_JOBS >= 1);
    assert.ok(cfg.AGENT_SHUTDOWN_TIMEOUT_MS >= 100);
  });

  it('the exported schema and loadAgentConfig agree', () => {
    assert.deepEqual(agentConfigSchema.parse({}), loadAgentConfig({}));
  });

  it('numbers arrive as strings and are coerced; boundaries are accepted', () => {
    const cfg = loadAgentConfig({
      AGENT_NAME: 'support-agent_v1.2',
      AGENT_MAX_JOBS: '1',
      AGENT_HTTP_PORT: '0',
      AGENT_SHUTDOWN_TIMEOUT_MS: '60000',
      AGENT_INPUT_ACTIVE_DBFS: '-100',
      LOG_LEVEL: 'debug',
    });
    assert.equal(cfg.AGENT_NAME, 'support-agent_v1.2');
    assert.equal(cfg.AGENT_MAX_JOBS, 1);
    assert.equal(cfg.AGENT_HTTP_PORT, 0);
    assert.equal(cfg.AGENT_SHUTDOWN_TIMEOUT_MS, 60_000);
    assert.equal(cfg.AGENT_INPUT_ACTIVE_DBFS, -100);
    assert.equal(cfg.LOG_LEVEL, 'debug');
  });

  it('production still refuses the development credentials', () => {
    const err = configError({ NODE_ENV: 'production' });
    assert.deepEqual(namedVariables(err), ['LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET']);
  });
});

describe('agent entry point', () => {
  it('exits with code 2 and names the variable when the configuration is bad', () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url));
    // A temporary cwd holds no .env, so only the environment below reaches the config.
    const cwd = mkdtempSync(join(tmpdir(), 'voice-agent-main-'));
    try {
      const env: Record<string, string> = { AGENT_MAX_JOBS: 'abc' };
      for (const k of ['PATH', 'HOME', 'TMPDIR']) {
        const v = process.env[k];
        if (v !== undefined) env[k] = v;
      }
      const run = spawnSync(
        process.execPath,
        ['--import', import.meta.resolve('tsx'), '--disable-warning=ExperimentalWarning', main],
        { cwd, env, encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(run.error, undefined);
      assert.equal(run.status, 2, `stderr: ${run.stderr}`);
      assert.match(run.stderr, /AGENT_MAX_JOBS: /);
      assert.doesNotMatch(run.stderr, /fatal/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('agent config: which provider serves each stage', () => {
  it('no keys and no base URL: no STT, no LLM, the embedded voice', () => {
    const stages = stagesOf(loadAgentConfig({}));
    assert.deepEqual(
      [stages.stt.provider, stages.llm.provider, stages.tts.provider],
      ['none', 'none', 'flite'],
    );
  });

  it('OPENAI_API_KEY alone: OpenAI for every stage, at api.openai.com', () => {
    const stages = stagesOf(loadAgentConfig({ OPENAI_API_KEY: 'sk-test' }));
    assert.deepEqual(
      [stages.stt.provider, stages.llm.provider, stages.tts.provider],
      ['openai-realtime', 'openai', 'openai'],
    );
    for (const stage of [stages.stt, stages.llm, stages.tts]) {
      assert.equal(stage.baseURL, 'https://api.openai.com/v1');
      assert.equal(stage.apiKey, 'sk-test');
    }
  });

  it('a compatible server for everything, a different one for the LLM, batch STT', () => {
    const stages = stagesOf(
      loadAgentConfig({
        OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1/',
        LLM_BASE_URL: 'https://api.groq.com/openai/v1',
        LLM_API_KEY: 'gsk-test',
        LLM_MODEL: 'llama-3.1-8b-instant',
        AGENT_STT: 'openai-batch',
      }),
    );
    assert.equal(stages.stt.provider, 'openai-batch');
    assert.equal(stages.stt.baseURL, 'http://127.0.0.1:8000/v1', 'trailing slash dropped');
    assert.equal(stages.stt.apiKey, 'no-key', 'local servers take any key');
    assert.deepEqual(
      [stages.llm.baseURL, stages.llm.apiKey, stages.llm.model],
      ['https://api.groq.com/openai/v1', 'gsk-test', 'llama-3.1-8b-instant'],
    );
    assert.equal(stages.tts.baseURL, 'http://127.0.0.1:8000/v1');
  });

  it('DEEPGRAM_API_KEY: Deepgram hears, OpenAI does the rest; its own model default', () => {
    const stages = stagesOf(
      loadAgentConfig({ OPENAI_API_KEY: 'sk-test', DEEPGRAM_API_KEY: 'dg-test' }),
    );
    assert.deepEqual(
      [stages.stt.provider, stages.stt.baseURL, stages.stt.apiKey, stages.stt.model],
      ['deepgram', 'wss://api.deepgram.com', 'dg-test', 'nova-3'],
    );
    assert.equal(stages.llm.apiKey, 'sk-test');
    const chosen = stagesOf(
      loadAgentConfig({
        OPENAI_API_KEY: 'sk-test',
        DEEPGRAM_API_KEY: 'dg-test',
        AGENT_STT: 'openai-realtime',
      }),
    );
    assert.deepEqual(
      [chosen.stt.provider, chosen.stt.model],
      ['openai-realtime', 'gpt-4o-mini-transcribe'],
    );
  });

  it('a self-hosted Deepgram: its URL (trailing slash dropped); no key is refused', () => {
    const stages = stagesOf(
      loadAgentConfig({
        AGENT_STT: 'deepgram',
        DEEPGRAM_API_KEY: 'dg-test',
        DEEPGRAM_BASE_URL: 'ws://10.0.0.5:8080/',
        STT_MODEL: 'nova-2',
      }),
    );
    assert.deepEqual([stages.stt.baseURL, stages.stt.model], ['ws://10.0.0.5:8080', 'nova-2']);
    const missing = configError({ AGENT_STT: 'deepgram' });
    assert.deepEqual(namedVariables(missing), ['DEEPGRAM_API_KEY']);
    const badUrl = configError({ DEEPGRAM_API_KEY: 'dg', DEEPGRAM_BASE_URL: 'api.deepgram.com' });
    assert.deepEqual(namedVariables(badUrl), ['DEEPGRAM_BASE_URL']);
  });

  it('AGENT_TTS=deepgram: Aura-2 at Deepgram’s address with its key; TTS_MODEL still wins', () => {
    const stages = stagesOf(
      loadAgentConfig({ AGENT_TTS: 'deepgram', DEEPGRAM_API_KEY: 'dg-test' }),
    );
    assert.deepEqual(
      [stages.tts.provider, stages.tts.baseURL, stages.tts.apiKey, stages.tts.model],
      ['deepgram', 'wss://api.deepgram.com', 'dg-test', 'aura-2-thalia-en'],
    );
    const own = stagesOf(
      loadAgentConfig({
        AGENT_TTS: 'deepgram,openai',
        OPENAI_API_KEY: 'sk-test',
        DEEPGRAM_API_KEY: 'dg-test',
        DEEPGRAM_BASE_URL: 'http://10.0.0.5:8080/',
        TTS_MODEL: 'aura-2-andromeda-en',
      }),
    );
    assert.deepEqual(
      [own.tts.baseURL, own.tts.model, own.tts.next[0]?.model],
      ['http://10.0.0.5:8080', 'aura-2-andromeda-en', 'gpt-4o-mini-tts'],
    );
    const openai = stagesOf(loadAgentConfig({ OPENAI_API_KEY: 'sk-test' }));
    assert.deepEqual([openai.tts.provider, openai.tts.model], ['openai', 'gpt-4o-mini-tts']);
  });

  it('AGENT_TTS=deepgram without DEEPGRAM_API_KEY is refused, naming the key', () => {
    const err = configError({ AGENT_TTS: 'deepgram' });
    assert.deepEqual(namedVariables(err), ['DEEPGRAM_API_KEY']);
    assert.match(
      err.message,
      /DEEPGRAM_API_KEY: expected a Deepgram API key: AGENT_TTS has deepgram/,
    );
    const both = configError({ AGENT_STT: 'deepgram', AGENT_TTS: 'openai,deepgram' });
    assert.match(both.message, /AGENT_STT and AGENT_TTS have deepgram/);
  });

  it('a VAD silence longer than the turn hold is refused, naming the VAD setting', () => {
    const err = configError({ AGENT_TURN_HOLD_MS: '300', AGENT_VAD_SILENCE_MS: '400' });
    assert.deepEqual(namedVariables(err), ['AGENT_VAD_SILENCE_MS']);
    assert.match(err.message, /at most AGENT_TURN_HOLD_MS \(300 ms\)/);
  });

  it('a draft silence not shorter than the VAD silence is refused; 0 turns drafts off', () => {
    const err = configError({ AGENT_VAD_SILENCE_MS: '200', AGENT_STT_DRAFT_SILENCE_MS: '200' });
    assert.deepEqual(namedVariables(err), ['AGENT_STT_DRAFT_SILENCE_MS']);
    assert.match(err.message, /less than AGENT_VAD_SILENCE_MS \(200 ms\)/);
    const off = loadAgentConfig({ AGENT_STT_DRAFT_SILENCE_MS: '0' });
    assert.equal(off.AGENT_STT_DRAFT_SILENCE_MS, 0);
    assert.equal(loadAgentConfig({}).AGENT_STT_DRAFT_SILENCE_MS, 96);
  });

  it('an unfinished-words hold shorter than the finished one is refused', () => {
    const err = configError({ AGENT_TURN_HOLD_MS: '800', AGENT_TURN_HOLD_INCOMPLETE_MS: '600' });
    assert.deepEqual(namedVariables(err), ['AGENT_TURN_HOLD_INCOMPLETE_MS']);
    assert.match(err.message, /at least AGENT_TURN_HOLD_MS \(800 ms\)/);
  });
});

describe('agent config: the Groq and xAI presets of the OpenAI-compatible LLM', () => {
  for (const [preset, keyVariable, baseURL, model] of [
    ['groq', 'GROQ_API_KEY', 'https://api.groq.com/openai/v1', 'llama-3.3-70b-versatile'],
    ['xai', 'XAI_API_KEY', 'https://api.x.ai/v1', 'grok-4.3'],
  ] as const) {
    it(`${preset}: its server, its key and its model, on the OpenAI-compatible path`, () => {
      const { llm } = stagesOf(
        loadAgentConfig({ AGENT_LLM: preset, [keyVariable]: 'key-1', OPENAI_API_KEY: 'sk-x' }),
      );
      assert.deepEqual(
        [llm.provider, llm.label, llm.baseURL, llm.apiKey, llm.model],
        ['openai', preset, baseURL, 'key-1', model],
      );
    });

    it(`${preset}: LLM_BASE_URL, LLM_API_KEY and LLM_MODEL still override it`, () => {
      const { llm } = stagesOf(
        loadAgentConfig({
          AGENT_LLM: preset,
          LLM_BASE_URL: 'http://127.0.0.1:9000/v1',
          LLM_API_KEY: 'key-2',
          LLM_MODEL: 'some-model',
        }),
      );
      assert.deepEqual(
        [llm.baseURL, llm.apiKey, llm.model],
        ['http://127.0.0.1:9000/v1', 'key-2', 'some-model'],
      );
    });

    it(`${preset} without a key names ${keyVariable}`, () => {
      const err = configError({ AGENT_LLM: preset, OPENAI_API_KEY: 'sk-not-this-one' });
      assert.deepEqual(namedVariables(err), [keyVariable]);
    });
  }

  it('the OpenAI default model is unchanged when no preset is named', () => {
    assert.equal(stagesOf(loadAgentConfig({ OPENAI_API_KEY: 'sk-x' })).llm.model, 'gpt-4o-mini');
  });
});

describe('agent config: fallback chains and budgets', () => {
  it('a chain per stage: the first provider, then the next ones with their own settings', () => {
    const stages = stagesOf(
      loadAgentConfig({
        OPENAI_API_KEY: 'sk-x',
        DEEPGRAM_API_KEY: 'dg-x',
        GROQ_API_KEY: 'gsk-x',
        AGENT_STT: 'deepgram, openai-realtime',
        AGENT_LLM: 'openai,groq',
        AGENT_TTS: 'openai,flite',
        LLM_MODEL: 'gpt-4.1-mini',
        STT_MODEL: 'nova-3-general',
      }),
    );
    assert.deepEqual(
      [stages.stt.provider, stages.stt.model, ...stages.stt.next.map((s) => [s.provider, s.model])],
      ['deepgram', 'nova-3-general', ['openai-realtime', 'gpt-4o-mini-transcribe']],
    );
    assert.equal(stages.llm.model, 'gpt-4.1-mini', 'LLM_MODEL is the first provider’s');
    assert.deepEqual(
      stages.llm.next.map((l) => [l.label, l.baseURL, l.apiKey, l.model]),
      [['groq', 'https://api.groq.com/openai/v1', 'gsk-x', 'llama-3.3-70b-versatile']],
    );
    assert.deepEqual(
      [stages.tts.provider, ...stages.tts.next.map((t) => t.provider)],
      ['openai', 'flite'],
    );
  });

  it('one provider per stage is a chain of one (no next)', () => {
    const stages = stagesOf(loadAgentConfig({ OPENAI_API_KEY: 'sk-x' }));
    assert.deepEqual([stages.stt.next, stages.llm.next, stages.tts.next], [[], [], []]);
  });

  for (const [variable, value, message] of [
    ['AGENT_LLM', 'openai,gemini', /expected one of openai, groq, xai, anthropic, none/],
    ['AGENT_TTS', 'openai,openai', /each provider once/],
    ['AGENT_STT', 'deepgram,none', /none alone/],
    ['AGENT_STT', ' , ', /expected one of/],
  ] as const) {
    it(`${variable}=${JSON.stringify(value)} is refused, naming it`, () => {
      const err = configError({ [variable]: value, DEEPGRAM_API_KEY: 'dg' });
      assert.deepEqual(namedVariables(err), [variable]);
      assert.match(err.message, message);
    });
  }

  it('a preset later in the chain needs its own key (LLM_API_KEY is the first one’s)', () => {
    const err = configError({ AGENT_LLM: 'openai,xai', LLM_API_KEY: 'sk-first' });
    assert.deepEqual(namedVariables(err), ['XAI_API_KEY']);
  });

  it('budgets and the filler: the seed figures by default, bounded', () => {
    const cfg = loadAgentConfig({});
    assert.deepEqual(stagesOf(cfg).budgets, {
      sttFinalMs: 300,
      llmFirstTokenMs: 2_000,
      ttsFirstByteMs: 250,
      voiceToVoiceMs: 3_000,
    });
    assert.deepEqual([cfg.AGENT_FILLER_AFTER_MS, cfg.AGENT_FILLER], [1_500, 'One moment.']);
    const err = configError({ AGENT_BUDGET_TTS_FIRST_BYTE_MS: '10', AGENT_FILLER: ' ' });
    assert.deepEqual(namedVariables(err), ['AGENT_BUDGET_TTS_FIRST_BYTE_MS', 'AGENT_FILLER']);
  });
});

describe('agent config: STT keyterms and the TTS cache', () => {
  it('STT_KEYTERMS: trimmed, empty entries dropped, every STT of the chain gets them', () => {
    const cfg = loadAgentConfig({
      DEEPGRAM_API_KEY: 'dg',
      OPENAI_API_KEY: 'sk',
      AGENT_STT: 'deepgram,openai-batch',
      STT_KEYTERMS: ' LiveKit ,, Bang & Olufsen,Zürich, ',
    });
    assert.deepEqual(cfg.STT_KEYTERMS, ['LiveKit', 'Bang & Olufsen', 'Zürich']);
    const { stt } = stagesOf(cfg);
    assert.deepEqual(stt.keyterms, cfg.STT_KEYTERMS);
    assert.deepEqual(stt.next[0]?.keyterms, cfg.STT_KEYTERMS);
  });

  it('STT_KEYTERMS unset or only commas: no terms', () => {
    assert.deepEqual(loadAgentConfig({}).STT_KEYTERMS, []);
    assert.deepEqual(loadAgentConfig({ STT_KEYTERMS: ' , ,' }).STT_KEYTERMS, []);
  });

  it('100 terms of 100 characters are accepted; one more term, or one more character, is not', () => {
    const term = (i: number) => `${i}`.padEnd(100, 'é');
    const hundred = Array.from({ length: 100 }, (_, i) => term(i));
    assert.equal(loadAgentConfig({ STT_KEYTERMS: hundred.join(',') }).STT_KEYTERMS.length, 100);
    const tooMany = configError({ STT_KEYTERMS: [...hundred, 'one more'].join(',') });
    assert.deepEqual(namedVariables(tooMany), ['STT_KEYTERMS']);
    assert.match(
      tooMany.message,
      /STT_KEYTERMS: expected at most 100 comma-separated terms \(got 101\)/,
    );
    const tooLong = configError({ STT_KEYTERMS: `LiveKit,${term(1)}x` });
    assert.deepEqual(namedVariables(tooLong), ['STT_KEYTERMS']);
    assert.match(tooLong.message, /STT_KEYTERMS: expected each term at most 100 characters/);
  });

  it('AGENT_TTS_CACHE_BYTES: 32 MiB by default, 0 allowed (off), bounded, whole bytes', () => {
    const cfg = loadAgentConfig({});
    assert.equal(cfg.AGENT_TTS_CACHE_BYTES, 33_554_432);
    assert.equal(stagesOf(cfg).ttsCacheBytes, 33_554_432);
    assert.equal(loadAgentConfig({ AGENT_TTS_CACHE_BYTES: '0' }).AGENT_TTS_CACHE_BYTES, 0);
    for (const bad of ['-1', '1.5', 'lots', String(2 ** 31)]) {
      const err = configError({ AGENT_TTS_CACHE_BYTES: bad });
      assert.deepEqual(namedVariables(err), ['AGENT_TTS_CACHE_BYTES'], bad);
      assert.match(err.message, /AGENT_TTS_CACHE_BYTES: expected (a size in bytes|at most)/);
    }
  });
});

describe('agent config: Anthropic', () => {
  it('memory and redaction: 6000 tokens and logs by default; instructions must fit the budget', () => {
    const cfg = loadAgentConfig({});
    assert.equal(cfg.AGENT_CONTEXT_TOKENS, 6_000);
    assert.equal(cfg.AGENT_REDACT, 'logs');
    assert.equal(loadAgentConfig({ AGENT_REDACT: 'llm' }).AGENT_REDACT, 'llm');
    const long = 'Be helpful and brief. '.repeat(100); // about 730 tokens
    assert.deepEqual(
      namedVariables(configError({ AGENT_INSTRUCTIONS: long, AGENT_CONTEXT_TOKENS: '1000' })),
      ['AGENT_INSTRUCTIONS'],
    );
    assert.ok(loadAgentConfig({ AGENT_INSTRUCTIONS: long, AGENT_CONTEXT_TOKENS: '2000' }));
  });

  it('personas: one made of the settings without a file; a file fills in what it leaves out', () => {
    const single = agentPersonas(loadAgentConfig({ AGENT_INSTRUCTIONS: 'Be a guide.' }));
    assert.deepEqual(single.list, [
      {
        name: 'default',
        instructions: 'Be a guide.',
        greeting: 'Hello {name}, welcome. I can hear you.',
        displayName: 'Agent',
      },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'personas-'));
    try {
      const path = join(dir, 'p.json');
      writeFileSync(
        path,
        JSON.stringify({ personas: [{ name: 'chef', instructions: 'Cook.', voice: 'onyx' }] }),
      );
      const cfg = loadAgentConfig({ AGENT_PERSONAS_FILE: path, AGENT_DISPLAY_NAME: 'Ava' });
      assert.deepEqual(agentPersonas(cfg).default, {
        name: 'chef',
        instructions: 'Cook.',
        voice: 'onyx',
        greeting: 'Hello {name}, welcome. I can hear you.',
        displayName: 'Ava',
      });
      writeFileSync(
        path,
        JSON.stringify({ personas: [{ name: 'chef', instructions: 'Cook well. '.repeat(200) }] }),
      );
      assert.throws(
        () =>
          agentPersonas(
            loadAgentConfig({ AGENT_PERSONAS_FILE: path, AGENT_CONTEXT_TOKENS: '1000' }),
          ),
        (err: unknown) =>
          err instanceof ConfigError &&
          /AGENT_PERSONAS_FILE: chef: instructions of about \d+ tokens/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('AGENT_LLM=anthropic: its API, its key, claude-haiku-4-5 unless LLM_MODEL says otherwise', () => {
    const { llm } = stagesOf(
      loadAgentConfig({ AGENT_LLM: 'anthropic', ANTHROPIC_API_KEY: 'sk-ant' }),
    );
    assert.deepEqual(
      [llm.provider, llm.baseURL, llm.apiKey, llm.model],
      ['anthropic', 'https://api.anthropic.com', 'sk-ant', 'claude-haiku-4-5'],
    );
    const own = stagesOf(
      loadAgentConfig({
        AGENT_LLM: 'anthropic',
        ANTHROPIC_API_KEY: 'sk-ant',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000/',
        LLM_MODEL: 'claude-sonnet-4-5',
      }),
    ).llm;
    assert.deepEqual([own.baseURL, own.model], ['http://127.0.0.1:9000', 'claude-sonnet-4-5']);
  });

  it('anthropic after openai in a chain: its own key and default model', () => {
    const { llm } = stagesOf(
      loadAgentConfig({
        AGENT_LLM: 'openai,anthropic',
        OPENAI_API_KEY: 'sk-x',
        ANTHROPIC_API_KEY: 'sk-ant',
        LLM_MODEL: 'gpt-4.1-mini',
      }),
    );
    assert.equal(llm.model, 'gpt-4.1-mini');
    assert.deepEqual(
      llm.next.map((l) => [l.provider, l.apiKey, l.model]),
      [['anthropic', 'sk-ant', 'claude-haiku-4-5']],
    );
  });

  it('anthropic without a key names ANTHROPIC_API_KEY; a bad base URL names ANTHROPIC_BASE_URL', () => {
    assert.deepEqual(namedVariables(configError({ AGENT_LLM: 'anthropic' })), [
      'ANTHROPIC_API_KEY',
    ]);
    const err = configError({
      AGENT_LLM: 'anthropic',
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: 'api.anthropic.com',
    });
    assert.deepEqual(namedVariables(err), ['ANTHROPIC_BASE_URL']);
  });
});

describe('agent config: tools', () => {
  it('by default: time and search, UTC, a filler after 1 s, stopped after 8 s', () => {
    const tools = toolsOf(loadAgentConfig({}));
    assert.deepEqual(tools, {
      enabled: ['time', 'search'],
      timeZone: 'UTC',
      tavily: { apiKey: undefined, baseURL: 'https://api.tavily.com' },
      timeoutMs: 8_000,
      fillerAfterMs: 1_000,
    });
  });

  it('a list, a zone, Tavily’s key and address (trailing slash dropped); none turns tools off', () => {
    const tools = toolsOf(
      loadAgentConfig({
        AGENT_TOOLS: ' search , time ',
        AGENT_TIMEZONE: 'Europe/Paris',
        TAVILY_API_KEY: 'tvly-x',
        TAVILY_BASE_URL: 'http://127.0.0.1:9000/',
        AGENT_TOOL_FILLER_AFTER_MS: '0',
        AGENT_TOOL_TIMEOUT_MS: '2000',
      }),
    );
    assert.deepEqual(tools, {
      enabled: ['search', 'time'],
      timeZone: 'Europe/Paris',
      tavily: { apiKey: 'tvly-x', baseURL: 'http://127.0.0.1:9000' },
      timeoutMs: 2_000,
      fillerAfterMs: 0,
    });
    assert.deepEqual(loadAgentConfig({ AGENT_TOOLS: 'none' }).AGENT_TOOLS, []);
  });
});
