import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
import { LOG_DIR } from './paths.js';
import { writeTimelineWav, type Timeline } from './speech.js';
import type { ClientNetwork } from './client_network.js';
import { AgentProcess, SERVER_IP, startLivekit, startWeb } from './stack.js';

/** What a page test runs against: the fixture, the web app's address and Chromium. */
export interface PageStack {
  fixture: OpenAiFixture;
  webUrl: string;
  browser: Browser;
}

/**
 * livekit-server, the agent on the OpenAI fixture (which knows `question` and answers `reply`),
 * the web app, and Chromium whose fake microphone plays `mic` (written to `micFile` in the logs).
 * `env` adds to or overrides the agent's settings.
 */
export async function startPageStack(opts: {
  question: string;
  reply: string;
  mic: Timeline;
  micFile: string;
  env?: Record<string, string>;
  /** Chromium in a network of its own (client_network.ts), the page relayed into it. */
  network?: ClientNetwork;
  /** The agent's log name (LOG_DIR/<name>.log): one per describe, so none overwrites another. */
  agentName?: string;
}): Promise<PageStack> {
  mkdirSync(LOG_DIR, { recursive: true });
  await startLivekit();
  const fixture = await startOpenAiFixture({ phrases: [opts.question], apiKey: 'test-key' });
  fixture.script.chat = { reply: () => opts.reply, ttftMs: 150, tokenIntervalMs: 20, faults: [] };
  fixture.script.speech = { ttfbMs: 100, chunkMs: 100, realtimeFactor: 2, faults: [] };
  const env = {
    OPENAI_BASE_URL: fixture.baseUrl,
    OPENAI_API_KEY: 'test-key',
    AGENT_STT: 'openai-realtime',
    AGENT_LLM: 'openai',
    AGENT_TTS: 'openai',
    ...opts.env,
  };
  const { network } = opts;
  const [, web] = await Promise.all([
    AgentProcess.start(env, opts.agentName),
    startWeb(network ? SERVER_IP : undefined),
  ]);
  const webUrl = network ? await network.forwardWeb(web.url) : web.url;
  const browser = await launchChromium(
    writeTimelineWav(opts.mic, join(LOG_DIR, opts.micFile)),
    network?.chromium,
  );
  return { fixture, webUrl, browser };
}
