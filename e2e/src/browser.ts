import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LOG_DIR } from './paths.js';
import { assertInNamespace } from './stack.js';
import { onTeardown } from './teardown.js';

/** Debian's Chromium (`apt-get install chromium`); CHROMIUM_PATH names another build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium whose microphone is `wavPath`, played in a loop from the moment a page opens
 * the microphone. Closed by teardown(), however the test ends.
 */
export async function launchChromium(
  wavPath: string,
  executablePath = CHROMIUM_PATH,
): Promise<Browser> {
  assertInNamespace();
  const browser = await chromium.launch({
    executablePath,
    headless: false, // `--headless=new` below: the full browser, as users run it
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wavPath}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const remove = onTeardown(() => browser.close().catch(() => undefined));
  browser.once('disconnected', remove);
  return browser;
}

/** One person on the page: a browser context of its own, joined to a room. */
export class PageUser {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly identity: string;
  readonly name: string;

  private constructor(context: BrowserContext, page: Page, identity: string, name: string) {
    this.context = context;
    this.page = page;
    this.identity = identity;
    this.name = name;
  }

  /** Opens the page, fills in name and room, presses Join and waits until connected. */
  static async join(
    browser: Browser,
    webUrl: string,
    name: string,
    room: string,
  ): Promise<PageUser> {
    const context = await browser.newContext({ permissions: ['microphone'] });
    const page = await context.newPage();
    mkdirSync(LOG_DIR, { recursive: true });
    const log = join(LOG_DIR, `browser-${name}.log`);
    page.on('console', (m) =>
      appendFileSync(log, `${new Date().toISOString()} ${m.type()} ${m.text()}\n`),
    );
    page.on('pageerror', (e) =>
      appendFileSync(log, `${new Date().toISOString()} pageerror ${e.message}\n`),
    );
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame())
        appendFileSync(log, `${new Date().toISOString()} navigated ${frame.url()}\n`);
    });
    page.on('requestfailed', (r) =>
      appendFileSync(log, `${new Date().toISOString()} requestfailed ${r.url()}\n`),
    );
    page.on('response', (r) => {
      if (r.status() >= 400)
        appendFileSync(log, `${new Date().toISOString()} http ${r.status()} ${r.url()}\n`);
    });
    await page.goto(webUrl);
    await page.getByTestId('name-input').fill(name);
    await page.getByTestId('room-input').fill(room);
    await page.getByTestId('join-button').click();
    const state = page.getByTestId('room');
    try {
      await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="room"]')?.getAttribute('data-connection-state') ===
            'connected' || document.querySelector('[data-testid="error"]') !== null,
        undefined,
        { timeout: 15_000 },
      );
    } catch (err) {
      throw new Error(
        `${name}: the page did not connect (${await state.getAttribute('data-connection-state')})`,
        {
          cause: err,
        },
      );
    }
    const error = page.getByTestId('error');
    if ((await error.count()) > 0)
      throw new Error(`${name}: the page shows an error: ${await error.innerText()}`);
    const identity = await page.evaluate(
      () =>
        (
          window as unknown as {
            __voiceAgent: { room: { localParticipant: { identity: string } } };
          }
        ).__voiceAgent.room.localParticipant.identity,
    );
    return new PageUser(context, page, identity, name);
  }

  /** An attribute of the agent's row in the participant list ('' if there is no agent yet). */
  async agentAttribute(attr: string): Promise<string> {
    return this.page.evaluate(
      (a) =>
        document
          .querySelector('[data-testid="participant"][data-is-agent="true"]')
          ?.getAttribute(a) ?? '',
      attr,
    );
  }

  /** Epoch ms at which the page first measured sound on the agent's track. */
  async waitForAgentAudio(timeoutMs: number): Promise<{ firstAudioAt: number; peak: number }> {
    await this.page.waitForFunction(
      () =>
        !!document
          .querySelector('[data-testid="participant"][data-is-agent="true"]')
          ?.getAttribute('data-first-audio-at'),
      undefined,
      { timeout: timeoutMs, polling: 20 },
    );
    return {
      firstAudioAt: Number(await this.agentAttribute('data-first-audio-at')),
      peak: Number(await this.agentAttribute('data-audio-peak')),
    };
  }

  /** What the page shows the agent hears from `identity`: 'true' | 'false' | 'unknown'. */
  async agentHears(identity = this.identity): Promise<string> {
    return this.page.evaluate(
      (id) =>
        document
          .querySelector(`[data-testid="participant"][data-identity="${CSS.escape(id)}"]`)
          ?.getAttribute('data-agent-hears') ?? 'unknown',
      identity,
    );
  }

  /**
   * Starts recording, in the page, every 20 ms poll in which the agent's received audio track is
   * audible (peak over 0.01, as the page's own meter counts it); read with agentSoundAfter().
   * The track is picked up whenever it arrives, and again whenever the agent publishes anew.
   */
  async recordAgentSound(): Promise<void> {
    // A string, not a function: tsx would wrap named inner functions in a helper that does not
    // exist in the page.
    await this.page.evaluate(`(() => {
      const heard = [];
      window.__agentSound = heard;
      let ctx;
      let analyser;
      let heardTrack;
      const samples = new Float32Array(1024);
      setInterval(() => {
        const room = window.__voiceAgent && window.__voiceAgent.room;
        const agent = room && [...room.remoteParticipants.values()].find((p) => p.isAgent);
        const pub = agent && [...agent.audioTrackPublications.values()].find((p) => p.track);
        // The agent withdraws its voice while idle and publishes a new track to speak again.
        if (pub && pub.track.mediaStreamTrack !== heardTrack) {
          heardTrack = pub.track.mediaStreamTrack;
          if (ctx) ctx.close();
          ctx = new AudioContext();
          analyser = ctx.createAnalyser();
          analyser.fftSize = samples.length;
          ctx.createMediaStreamSource(new MediaStream([heardTrack])).connect(analyser);
        }
        if (!analyser) return;
        analyser.getFloatTimeDomainData(samples);
        let peak = 0;
        for (const v of samples) peak = Math.max(peak, Math.abs(v));
        if (peak > 0.01) heard.push({ at: Date.now(), peak });
      }, 20);
    })()`);
  }

  /** The first audible poll of the agent's track after `epochMs` (see recordAgentSound). */
  async agentSoundAfter(epochMs: number): Promise<{ at: number; peak: number } | undefined> {
    return this.page.evaluate(
      (t) =>
        (window as unknown as { __agentSound?: { at: number; peak: number }[] }).__agentSound?.find(
          (s) => s.at > t,
        ),
      epochMs,
    );
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}
