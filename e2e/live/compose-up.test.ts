// The live compose test: the repository's own docker-compose.yml and Dockerfiles, built and
// brought up by a real Docker engine, then used as a person would. Chromium, outside the compose
// network, opens the page at the published port 3000, joins (signalling through the published
// port 7880), asks a question by voice and hears the agent's answer. The agent container's
// OpenAI-compatible provider is the fixture, on the namespace's address.
// Needs: the engine and base images run-with-docker.ts makes (`npm run test:compose -w e2e`),
// Chromium, espeak-ng, sox, pocketsphinx. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import type { Browser } from 'playwright-core';
import { launchChromium, PageUser } from '../src/browser.js';
import { startNpmMirror } from '../src/npm-mirror.js';
import type { NpmMirror } from '../src/npm-mirror.js';
import { LOG_DIR, REPO_ROOT } from '../src/paths.js';
import { ManagedProcess } from '../src/processes.js';
import { timeline, writeTimelineWav } from '../src/speech.js';
import { assertInNamespace, SERVER_IP } from '../src/stack.js';
import { teardown } from '../src/teardown.js';

const QUESTION = 'tell me a long story';
const ANSWER = 'I can answer your questions by voice, from inside the compose stack.';
/** The fake microphone: quiet while the greeting plays, the question, then a long silence. */
const MIC = timeline([{ silenceMs: 7_000 }, { say: QUESTION }, { silenceMs: 60_000 }]);
/** The page as compose publishes it (VOICE_AGENT_PUBLISH_ADDRESS defaults to 127.0.0.1). */
const WEB_URL = 'http://127.0.0.1:3000';
const PROJECT = `va-compose-${process.pid}`;

/** Runs docker-compose on the repository's own file, its output kept in the test's logs. */
async function compose(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<ManagedProcess> {
  // An empty env file: a developer's .env must not change what the test brings up.
  const envFile = join(LOG_DIR, 'compose.env');
  writeFileSync(envFile, '');
  const proc = new ManagedProcess(
    name,
    'docker-compose',
    [
      '--ansi',
      'never',
      '-p',
      PROJECT,
      '-f',
      join(REPO_ROOT, 'docker-compose.yml'),
      '--env-file',
      envFile,
      ...args,
    ],
    { cwd: REPO_ROOT, env },
  );
  const { code, signal } = await proc.exited;
  if (code !== 0) {
    throw new Error(
      `docker-compose ${args.join(' ')} failed (${code ?? signal})\n${proc.tail(40)}`,
    );
  }
  return proc;
}

async function timed<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const out = await fn();
  console.log(JSON.stringify({ phase, seconds: Math.round((Date.now() - started) / 100) / 10 }));
  return out;
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('docker compose up, live', () => {
  let mirror: NpmMirror;
  let fixture: OpenAiFixture;
  let browser: Browser;
  let env: Record<string, string>;

  before(async () => {
    assertInNamespace();
    assert.ok(process.env.DOCKER_HOST, 'no Docker engine: run through run-with-docker.ts');
    mkdirSync(LOG_DIR, { recursive: true });
    mirror = await startNpmMirror(SERVER_IP);
    fixture = await startOpenAiFixture({
      host: SERVER_IP,
      phrases: [QUESTION],
      apiKey: 'test-key',
    });
    fixture.script.chat = { reply: () => ANSWER, ttftMs: 150, tokenIntervalMs: 20, faults: [] };
    env = {
      // Only variables docker-compose.yml itself reads: the agent's provider is the fixture.
      OPENAI_BASE_URL: fixture.baseUrl,
      OPENAI_API_KEY: 'test-key',
      AGENT_STT: 'openai-realtime',
      AGENT_LLM: 'openai',
      AGENT_TTS: 'openai',
      LOG_LEVEL: 'debug',
    };
    await timed('compose build (agent and web images)', () =>
      compose('compose-build', ['build', '--build-arg', `NPM_CONFIG_REGISTRY=${mirror.url}`], env),
    ).catch((err: Error) => {
      const misses = mirror.misses.filter((m) => m !== 'npm'); // npm's own update check
      throw misses.length
        ? new Error(`${err.message}\nnpm mirror could not serve: ${misses.join(' ')}`)
        : err;
    });
    await timed('compose up', () => compose('compose-up', ['up', '-d', '--no-build'], env));
    await timed('stack ready (web answers, agent healthy)', async () => {
      await until(`${WEB_URL} answering`, 60_000, async () => {
        const res = await fetch(WEB_URL, { signal: AbortSignal.timeout(2_000) }).catch(
          () => undefined,
        );
        return res?.ok ?? false;
      });
      // compose's own healthcheck: /healthz answers 200 once the worker registered with LiveKit.
      await until('the agent container healthy', 90_000, async () => {
        const ps = await compose('compose-ps', ['ps', 'agent'], env);
        return ps.lines.some((l) => /\(healthy\)/.test(l));
      });
    });
    browser = await launchChromium(writeTimelineWav(MIC, join(LOG_DIR, 'fake-mic.wav')));
  });

  after(async () => {
    await teardown();
    if (env) {
      await compose('compose-logs', ['logs', '--no-color', '--timestamps'], env).catch(
        () => undefined,
      );
      await timed('compose down', () => compose('compose-down', ['down', '--volumes'], env)).catch(
        (err: Error) => console.error(err.message),
      );
    }
    await fixture?.close();
    await mirror?.close();
  });

  it(
    'the page at the published port joins, asks by voice and hears the answer',
    { timeout: 120_000 },
    async () => {
      const eva = await PageUser.join(browser, WEB_URL, 'Eva', `compose-${Date.now()}`);
      try {
        await eva.recordAgentSound();
        // The greeting: the agent container joined the room, and its voice reaches the page.
        await eva.page
          .locator('[data-testid="transcript-entry"][data-from-agent="true"]', { hasText: 'Eva' })
          .first()
          .waitFor({ timeout: 20_000 });

        // The question, as the agent transcribed it, under Eva's name.
        const said = eva.page.locator(
          `[data-testid="transcript-entry"][data-speaker="${eva.identity}"][data-final="true"]`,
        );
        await said.first().waitFor({ timeout: 30_000 });
        assert.equal((await said.first().innerText()).trim().toLowerCase(), QUESTION);

        // The agent asked the model (the fixture) with Eva's words...
        await until('the chat request', 10_000, async () =>
          fixture.requests.some((r) => r.endpoint === 'chat'),
        );
        const request = fixture.requests.find((r) => r.endpoint === 'chat')!;
        const askedAt = performance.timeOrigin + request.at;
        const messages = (request.body as { messages: { content: string }[] }).messages;
        assert.match(messages.at(-1)?.content ?? '', new RegExp(`${QUESTION}$`, 'i'));

        // ...and Chromium hears the answer on the agent's track, after the question was asked.
        let heard: { at: number; peak: number } | undefined;
        await until('the answer heard in the page', 15_000, async () => {
          heard = await eva.agentSoundAfter(askedAt);
          return heard !== undefined;
        });
        console.log(
          JSON.stringify({
            metric: 'compose_answer_heard_after_request_ms',
            ms: heard!.at - askedAt,
          }),
        );
        await eva.page
          .locator('[data-testid="transcript-entry"][data-from-agent="true"]', {
            hasText: ANSWER.split(',')[0]!,
          })
          .waitFor({ timeout: 15_000 });
      } finally {
        await eva.close();
      }
    },
  );
});
