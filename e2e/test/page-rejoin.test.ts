// A person who reloads the page, or closes it and comes back after the room has closed, is the
// same person to the agent: the page keeps the token route's rejoin ticket in local storage, the
// route gives the same identity back, and the agent carries the conversation on (the next LLM
// request holds what was said before) without greeting them again. Headless Chromium against
// the real SFU and agent (OpenAI fixture). Needs: root (private network namespace),
// livekit-server, Chromium, espeak-ng, sox, pocketsphinx, built agent and web app.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LOG_DIR } from '../src/paths.js';
import { startPageStack } from '../src/page_stack.js';
import { timeline } from '../src/speech.js';
import { teardown } from '../src/teardown.js';

const REPLY = 'Noted.';
const FIRST = 'My locker number is forty two.';
const SECOND = 'Which locker did I say?';
const THIRD = 'And what was my locker again?';
/** livekit-server closes a room this long after its last person left (its default, 20 s). */
const ROOM_CLOSES_MS = 20_000;

interface Message {
  role: string;
  content: string;
}

/** Opens the page in `context`, joins `room` as `name`; the identity the page joined as. */
async function joinPage(context: BrowserContext, webUrl: string, room: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (m) =>
    appendFileSync(join(LOG_DIR, 'browser-rejoin.log'), `${m.type()} ${m.text()}\n`),
  );
  await page.goto(webUrl);
  await fillAndJoin(page, room);
  return page;
}

async function fillAndJoin(page: Page, room: string): Promise<void> {
  await page.getByTestId('name-input').fill('Eva');
  await page.getByTestId('room-input').fill(room);
  await page.getByTestId('join-button').click();
  await page
    .locator('[data-testid="room"][data-connection-state="connected"]')
    .waitFor({ timeout: 15_000 });
}

const identityOf = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __voiceAgent: { room: { localParticipant: { identity: string } } } })
        .__voiceAgent.room.localParticipant.identity,
  );

describe('the page rejoins as the same person', () => {
  let fixture: OpenAiFixture;
  let webUrl: string;
  let browser: Browser;

  before(async () => {
    ({ fixture, webUrl, browser } = await startPageStack({
      question: 'hello',
      reply: REPLY,
      mic: timeline([{ silenceMs: 200_000 }]),
      micFile: 'fake-mic-silence.wav',
    }));
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat');
  /** Speech requests whose text names Eva (only a greeting does). */
  const greetings = () =>
    fixture.requests.filter(
      (r) => r.endpoint === 'speech' && /Eva/.test(JSON.stringify(r.body ?? '')),
    ).length;

  async function type(page: Page, text: string): Promise<Message[]> {
    const before = chats().length;
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-send').click();
    const deadline = Date.now() + 15_000;
    while (chats().length === before) {
      if (Date.now() > deadline) throw new Error(`no LLM request for "${text}"`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await page
      .locator('[data-testid="transcript-entry"][data-from-agent="true"]', { hasText: REPLY })
      .last()
      .waitFor({ timeout: 15_000 });
    return (chats().at(-1)!.body as { messages: Message[] }).messages;
  }
  const said = (messages: Message[]) => messages.map((m) => m.content).join('\n');

  it(
    'after a reload, and after the room closed and reopened: same identity, same conversation',
    { timeout: 150_000 },
    async () => {
      const room = `rejoin-${Date.now()}`;
      const context = await browser.newContext({ permissions: ['microphone'] });
      let page = await joinPage(context, webUrl, room);
      const identity = await identityOf(page);
      await page
        .locator('[data-testid="transcript-entry"][data-from-agent="true"]', { hasText: 'Eva' })
        .first()
        .waitFor({ timeout: 20_000 });
      // Its speech requests (a first part may be synthesised ahead, while the agent joins).
      const greetingRequests = greetings();
      assert.ok(greetingRequests >= 1, 'greeted');
      await type(page, FIRST);

      // A reload: the room (and the agent's job) outlives it.
      await page.reload();
      await fillAndJoin(page, room);
      assert.equal(await identityOf(page), identity, 'the same identity after a reload');
      assert.match(said(await type(page, SECOND)), /locker number is forty two/);

      // Closed, and back after the room closed: a new job, the room's memory.
      await page.close();
      await new Promise((r) => setTimeout(r, ROOM_CLOSES_MS + 5_000));
      page = await joinPage(context, webUrl, room);
      assert.equal(await identityOf(page), identity, 'the same identity a while later');
      const messages = await type(page, THIRD);
      assert.match(said(messages), /locker number is forty two/);
      assert.match(said(messages), /Which locker did I say/);
      assert.equal(greetings(), greetingRequests, 'never greeted again');
      await context.close();
    },
  );
});
