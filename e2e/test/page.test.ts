// The page's parts in headless Chromium, against a conversing agent (OpenAI fixture): the
// agent's state and voice, the transcript by speaker, the latency panel after a spoken and a
// typed turn, mute as the room sees it, and the hint on how to address the agent once a second
// person joins (and the agent's spoken note in its greeting of that person). Screenshots of the
// page in the light and the dark theme go to e2e/.logs/page/screenshots/ (the path is printed).
// Needs: root (private network namespace), livekit-server, Chromium, espeak-ng, sox,
// pocketsphinx, built agent and web app. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import type { Browser, Page } from 'playwright-core';
import { PageUser } from '../src/browser.js';
import { SimParticipant } from '../src/participants.js';
import { LOG_DIR } from '../src/paths.js';
import { timeline } from '../src/speech.js';
import { startPageStack } from '../src/page_stack.js';
import { teardown } from '../src/teardown.js';

const QUESTION = 'what is the weather like today';
const REPLY = 'It is sunny and warm today.';
const TYPED = 'And tomorrow?';
const NOTE = 'With others here, I answer when you start with my name, Agent.';
const HINT = 'With others here, start with “Agent, …”';
/** Quiet while the greeting plays, the question, then silence that outlasts the test. */
const MIC = timeline([{ silenceMs: 6_000 }, { say: QUESTION }, { silenceMs: 120_000 }]);
const SCREENSHOTS = join(LOG_DIR, 'screenshots');

/** The latency panel's rows as the page shows them. */
async function latencyRows(page: Page) {
  const rows = await page.locator('[data-testid="latency-row"]').evaluateAll((els) =>
    els.map((r) => ({
      stage: r.getAttribute('data-stage') ?? '',
      last: r.getAttribute('data-last-ms') ?? '',
      p50: r.getAttribute('data-p50-ms') ?? '',
      p95: r.getAttribute('data-p95-ms') ?? '',
    })),
  );
  // '' (the stage does not apply to the turn) stays null; a figure must be a whole number.
  const figure = (v: string) => (v === '' ? null : Number(v));
  return rows.map((r) => ({
    stage: r.stage,
    last: figure(r.last),
    p50: figure(r.p50),
    p95: figure(r.p95),
  }));
}

async function turnsShown(page: Page): Promise<number> {
  return Number(await page.getByTestId('latency-panel').getAttribute('data-turns'));
}

/** The page in both themes, as the system would ask for them. */
async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const backgrounds: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    backgrounds.push(await page.evaluate(() => getComputedStyle(document.body).backgroundColor));
    const path = join(SCREENSHOTS, `${name}-${colorScheme}.png`);
    await page.screenshot({ path, fullPage: true });
    console.log(JSON.stringify({ screenshot: path }));
  }
  assert.notEqual(backgrounds[0], backgrounds[1], 'the page follows the system theme');
}

describe('the page: state, transcript, latency panel, mute and group hint', () => {
  let fixture: OpenAiFixture;
  let webUrl: string;
  let browser: Browser;

  before(async () => {
    ({ fixture, webUrl, browser } = await startPageStack({
      question: QUESTION,
      reply: REPLY,
      mic: MIC,
      micFile: 'fake-mic-weather.wav',
    }));
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  it(
    'shows the turn by speaker with its latency, answers typing, mutes, and hints at names',
    { timeout: 150_000 },
    async () => {
      const room = `page-parts-${Date.now()}`;
      const eva = await PageUser.join(browser, webUrl, 'Eva', room);
      let lee: SimParticipant | undefined;
      try {
        const page = eva.page;
        // Alone with the agent: greeted without the note, no hint, the agent's voice visualised.
        const greeting = page.locator(
          '[data-testid="transcript-entry"][data-from-agent="true"][data-final="true"]',
          { hasText: 'Hello Eva, welcome.' },
        );
        await greeting.waitFor({ timeout: 20_000 });
        assert.ok(!(await greeting.innerText()).includes(NOTE), 'no note for one person');
        assert.equal(await page.getByTestId('address-hint').count(), 0);
        assert.equal(
          await page.getByTestId('agent-visualizer').getAttribute('data-has-track'),
          'true',
        );
        assert.equal(await turnsShown(page), 0);

        // The spoken question, under Eva's name, then the reply and its latency.
        const said = page.locator(
          `[data-testid="transcript-entry"][data-speaker="${eva.identity}"][data-final="true"]`,
        );
        await said.first().waitFor({ timeout: 30_000 });
        assert.equal((await said.first().innerText()).trim().toLowerCase(), QUESTION);
        assert.equal(await said.first().getAttribute('data-speaker-name'), 'Eva');
        await page
          .locator('[data-testid="agent-state"][data-state="speaking"]')
          .waitFor({ timeout: 15_000 });
        await page
          .locator('[data-testid="transcript-entry"][data-from-agent="true"]', { hasText: REPLY })
          .waitFor({ timeout: 15_000 });
        await page.waitForFunction(
          () =>
            document.querySelector('[data-testid="latency-panel"]')?.getAttribute('data-turns') ===
            '1',
          undefined,
          { timeout: 15_000 },
        );
        const rows = await latencyRows(page);
        assert.deepEqual(
          rows.map((r) => r.stage),
          ['endOfUtteranceMs', 'sttFinalMs', 'llmTtftMs', 'ttsTtfbMs', 'endToEndMs'],
        );
        const e2e = rows.at(-1)!;
        assert.ok(e2e.last !== null && e2e.last > 0, `end to end ${e2e.last} ms`);
        // One turn: its values are the session's p50 and p95.
        for (const r of rows) assert.ok(r.last === r.p50 && r.p50 === r.p95, JSON.stringify(r));
        // The fixture's LLM takes 150 ms to its first token; the panel shows at least that.
        assert.ok((rows[2]!.last ?? 0) >= 140, `LLM first token ${rows[2]!.last} ms`);
        assert.equal(
          await page.getByTestId('turn-metrics').getAttribute('data-e2e-ms'),
          String(e2e.last),
        );
        console.log(JSON.stringify({ metric: 'page_latency_panel', rows }));

        // A typed message: shown under Eva's name, answered aloud, a second turn in the panel.
        const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat').length;
        const chatsBefore = chats();
        const replies = page.locator('[data-testid="transcript-entry"][data-from-agent="true"]', {
          hasText: REPLY,
        });
        const repliesBefore = await replies.count();
        await page.getByTestId('chat-input').fill(TYPED);
        await page.getByTestId('chat-send').click();
        const typed = page.locator('[data-testid="transcript-entry"][data-source="chat"]', {
          hasText: TYPED,
        });
        await typed.waitFor({ timeout: 5_000 });
        assert.equal(await typed.getAttribute('data-speaker'), eva.identity);
        // The answer, said aloud and shown as the agent's.
        await replies.nth(repliesBefore).waitFor({ timeout: 15_000 });
        assert.equal(chats(), chatsBefore + 1);
        const request = fixture.requests.filter((r) => r.endpoint === 'chat').at(-1)!;
        const messages = (request.body as { messages: { content: string }[] }).messages;
        assert.equal(messages.at(-1)?.content, `Eva: ${TYPED}`);
        await page.waitForFunction(
          () =>
            document.querySelector('[data-testid="latency-panel"]')?.getAttribute('data-turns') ===
            '2',
          undefined,
          { timeout: 15_000 },
        );
        // A typed turn has no end of utterance or STT; the session's figures keep the spoken one.
        const typedRows = await latencyRows(page);
        assert.deepEqual(
          typedRows.slice(0, 2).map((r) => [r.last, r.p50]),
          [
            [null, rows[0]!.last],
            [null, rows[1]!.last],
          ],
        );
        const typedE2e = typedRows.at(-1)!;
        assert.ok(typedE2e.last !== null && typedE2e.last > 0, JSON.stringify(typedE2e));
        assert.equal(typedE2e.p95, Math.max(typedE2e.last, e2e.last!));
        await page
          .locator('[data-testid="agent-state"][data-state="listening"]')
          .waitFor({ timeout: 15_000 });

        // A second person: the page says how to address the agent, and the agent says so once,
        // in its greeting of that person.
        lee = await SimParticipant.join(room, 'lee-page-parts', 'Lee');
        const leeGreeting = () =>
          lee!.transcripts.find((t) => !t.speaker && t.text.startsWith('Hello Lee,'));
        await lee.waitFor('Lee greeted', leeGreeting, 20_000);
        assert.ok(leeGreeting()!.text.endsWith(NOTE), `the greeting: "${leeGreeting()!.text}"`);
        assert.equal(await page.getByTestId('address-hint').innerText({ timeout: 5_000 }), HINT);

        // Mute, as the room sees it (Lee's view of Eva's microphone), then unmute.
        const evaMicMuted = () => {
          const evaSeen = lee!.room.remoteParticipants.get(eva.identity);
          return [...(evaSeen?.trackPublications.values() ?? [])].some((p) => p.muted);
        };
        assert.equal(evaMicMuted(), false, 'the microphone starts live');
        const toggle = page.getByTestId('mic-toggle');
        assert.equal(await toggle.getAttribute('data-enabled'), 'true');
        await toggle.click();
        await page
          .locator('[data-testid="mic-toggle"][data-enabled="false"]')
          .waitFor({ timeout: 5_000 });
        await lee.waitFor('Eva muted', evaMicMuted, 5_000);
        await screenshots(page, 'group-muted');
        await toggle.click();
        await page
          .locator('[data-testid="mic-toggle"][data-enabled="true"]')
          .waitFor({ timeout: 5_000 });
        await lee.waitFor('Eva unmuted', () => !evaMicMuted(), 5_000);
        // The microphones Chromium offers (its fake device), listed by LiveKit's device hook.
        const mics = await page
          .getByTestId('mic-select')
          .locator('option')
          .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
        assert.ok(mics.length >= 1, 'no microphone listed');

        // Alone again: the agent answers every turn, and the hint goes.
        await lee.leave();
        lee = undefined;
        await page.getByTestId('address-hint').waitFor({ state: 'detached', timeout: 10_000 });
        await screenshots(page, 'alone');
      } finally {
        await lee?.leave();
        await eva.close();
      }
    },
  );
});
