// A person who reloads the page, or closes it and comes back after the room has closed, is the
// same person to the agent: the page keeps the token route's rejoin ticket in local storage, the
// route gives the same identity back, and the agent carries the conversation on (the next LLM
// request holds what was said before) without greeting them again. Headless Chromium against
// the real SFU and agent (OpenAI fixture). And a person whose network drops (the browser in a
// network namespace of its own whose link is cut, e2e/src/client_network.ts) for 6 s (a resume)
// and for 25 s (the server has let the participant go: a full reconnect) comes back through
// livekit-client's own reconnect as the same person, with the same conversation, answered once
// per turn. A message typed just after the full reconnect is kept by livekit-client for a replay
// that never comes; the agent's receipts make the page send it again (lib/chat-delivery).
// Needs: root (private network namespace), livekit-server, Chromium, espeak-ng, sox,
// pocketsphinx, built agent and web app.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHAT_TOPIC } from '@voice-agent/common';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { clientNetwork, type ClientNetwork } from '../src/client_network.js';
import { LOG_DIR } from '../src/paths.js';
import { startPageStack } from '../src/page_stack.js';
import { SimParticipant } from '../src/participants.js';
import { LIVEKIT_URL } from '../src/stack.js';
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

/**
 * Eva joins `room` on a new page and is greeted; her identity, and the greeting's speech requests
 * so far (a first part may be synthesised ahead, while the agent joins).
 */
async function joinGreeted(context: BrowserContext, webUrl: string, room: string, chat: Chat) {
  const page = await joinPage(context, webUrl, room);
  const identity = await identityOf(page);
  await page
    .locator('[data-testid="transcript-entry"][data-from-agent="true"]', { hasText: 'Eva' })
    .first()
    .waitFor({ timeout: 20_000 });
  return { page, identity, greetingRequests: chat.greetings() };
}

/** Whether the page can open a connection to livekit-server now (1.5 s to answer). */
const reachesServer = (page: Page) =>
  page.evaluate(
    async (url) => {
      try {
        await fetch(url, { mode: 'no-cors', signal: AbortSignal.timeout(1_500) });
        return true;
      } catch {
        return false;
      }
    },
    LIVEKIT_URL.replace(/^ws/, 'http'),
  );

const identityOf = (page: Page) =>
  page.evaluate(
    () =>
      (window as unknown as { __voiceAgent: { room: { localParticipant: { identity: string } } } })
        .__voiceAgent.room.localParticipant.identity,
  );

/** Typed turns through the page, and what the fixture's LLM and TTS saw of them. */
class Chat {
  constructor(private readonly fixture: OpenAiFixture) {}

  chats() {
    return this.fixture.requests.filter((r) => r.endpoint === 'chat');
  }

  /** Speech requests whose text names Eva (only a greeting does). */
  greetings(): number {
    return this.fixture.requests.filter(
      (r) => r.endpoint === 'speech' && /Eva/.test(JSON.stringify(r.body ?? '')),
    ).length;
  }

  /** Types `text`, waits for its LLM request and the answer on the page; that request's messages. */
  /**
   * Types `text`; its LLM request must come within `withinMs`. Just after a network drop that is
   * long: the message waits in the data channel's retransmission backoff (measured 1.5-9.6 s).
   */
  async type(page: Page, text: string, withinMs = 30_000): Promise<Message[]> {
    const before = this.chats().length;
    const answers = page.locator('[data-testid="transcript-entry"][data-from-agent="true"]', {
      hasText: REPLY,
    });
    const shown = await answers.count();
    // Typed to an agent that is there: a message sent before it joined reaches nobody.
    await page
      .locator('[data-testid="agent-state"][data-state="listening"]')
      .waitFor({ timeout: 20_000 });
    await page.getByTestId('chat-input').fill(text);
    await page.getByTestId('chat-send').click();
    const deadline = Date.now() + withinMs;
    while (this.chats().length === before) {
      if (Date.now() > deadline) {
        const form = await page.locator('form.chat').innerText();
        throw new Error(`no LLM request for "${text}"; the chat form shows: ${form}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await answers.nth(shown).waitFor({ timeout: 15_000 });
    return (this.chats().at(-1)!.body as { messages: Message[] }).messages;
  }

  said(messages: Message[]): string {
    return messages.map((m) => m.content).join('\n');
  }
}

describe('the page rejoins as the same person', () => {
  let fixture: OpenAiFixture;
  let webUrl: string;
  let browser: Browser;
  let chat: Chat;

  before(async () => {
    ({ fixture, webUrl, browser } = await startPageStack({
      question: 'hello',
      reply: REPLY,
      mic: timeline([{ silenceMs: 200_000 }]),
      micFile: 'fake-mic-silence.wav',
      agentName: 'agent-rejoin',
    }));
    chat = new Chat(fixture);
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  it(
    'after a reload, and after the room closed and reopened: same identity, same conversation',
    { timeout: 150_000 },
    async () => {
      const room = `rejoin-${Date.now()}`;
      const context = await browser.newContext({ permissions: ['microphone'] });
      const greeted = await joinGreeted(context, webUrl, room, chat);
      let page = greeted.page;
      const { identity, greetingRequests } = greeted;
      assert.ok(greetingRequests >= 1, 'greeted');
      await chat.type(page, FIRST);

      // A reload: the room (and the agent's job) outlives it.
      await page.reload();
      await fillAndJoin(page, room);
      assert.equal(await identityOf(page), identity, 'the same identity after a reload');
      assert.match(chat.said(await chat.type(page, SECOND)), /locker number is forty two/);

      // Closed, and back after the room closed: a new job, the room's memory.
      await page.close();
      await new Promise((r) => setTimeout(r, ROOM_CLOSES_MS + 5_000));
      page = await joinPage(context, webUrl, room);
      assert.equal(await identityOf(page), identity, 'the same identity a while later');
      const messages = await chat.type(page, THIRD);
      assert.match(chat.said(messages), /locker number is forty two/);
      assert.match(chat.said(messages), /Which locker did I say/);
      assert.equal(chat.greetings(), greetingRequests, 'never greeted again');
      await context.close();
    },
  );
});

describe("the page through a network drop (livekit-client's reconnect)", () => {
  let fixture: OpenAiFixture;
  let webUrl: string;
  let browser: Browser;
  let chat: Chat;
  let network: ClientNetwork;

  before(async () => {
    network = clientNetwork();
    ({ fixture, webUrl, browser } = await startPageStack({
      question: 'hello',
      reply: REPLY,
      mic: timeline([{ silenceMs: 200_000 }]),
      micFile: 'fake-mic-silence.wav',
      network,
      agentName: 'agent-drop',
      // Two people: the agent answers Eva without being named.
      env: { AGENT_REPLY_POLICY: 'always' },
    }));
    chat = new Chat(fixture);
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  it(
    'Eva drops for 6 s and for 25 s: the same person, the same conversation, nothing said twice',
    { timeout: 240_000 },
    async () => {
      const room = `drop-${Date.now()}`;
      const context = await browser.newContext({ permissions: ['microphone'] });
      const { page, identity, greetingRequests } = await joinGreeted(context, webUrl, room, chat);
      // A second person, on the same network as the agent: what reaches them tells a message
      // the page never sent from one the agent lost.
      const lee = await SimParticipant.join(room, 'lee-1', 'Lee');
      const leeGot: string[] = [];
      lee.room.registerTextStreamHandler(CHAT_TOPIC, (reader) => {
        void reader.readAll().then((t) => leeGot.push(t));
      });
      await chat.type(page, FIRST);
      const typed = [FIRST];
      for (const [dropMs, text] of [
        [6_000, SECOND],
        [25_000, THIRD],
      ] as const) {
        network.drop();
        const states = new Set<string>();
        const until = Date.now() + dropMs;
        assert.equal(await reachesServer(page), false, 'the drop cuts the browser off');
        while (Date.now() < until) {
          states.add((await page.getByTestId('room').getAttribute('data-connection-state')) ?? '');
          await new Promise((r) => setTimeout(r, 250));
        }
        network.restore();
        const back = Date.now();
        await page
          .locator('[data-testid="room"][data-connection-state="connected"]')
          .waitFor({ timeout: 30_000 });
        await page
          .locator('[data-testid="agent-state"][data-state="listening"]')
          .waitFor({ timeout: 30_000 });
        console.log(
          `after a ${dropMs} ms drop (page states ${[...states].join(', ')}): ` +
            `connected and listening ${Date.now() - back} ms after the network returned`,
        );
        assert.equal(await reachesServer(page), true);
        const typedAt = Date.now();
        assert.equal(await identityOf(page), identity, `the same identity after ${dropMs} ms`);
        const messages = await chat.type(page, text, 60_000).catch((err: Error) => {
          throw new Error(`${err.message} (Lee got it: ${leeGot.includes(text)})`);
        });
        console.log(
          `typed turn answered ${Date.now() - typedAt} ms after it was sent ` +
            `(copies Lee has: ${leeGot.filter((t) => t === text).length})`,
        );
        typed.push(text);
        for (const earlier of typed) {
          assert.ok(chat.said(messages).includes(earlier), `"${earlier}" is in the request`);
        }
      }
      assert.equal(chat.chats().length, typed.length, 'one LLM request per typed turn');
      const answers = page.locator('[data-testid="transcript-entry"][data-from-agent="true"]', {
        hasText: REPLY,
      });
      assert.equal(await answers.count(), typed.length, 'each answer said once');
      for (const text of typed) {
        const shown = page.locator('[data-testid="transcript-entry"][data-source="chat"]', {
          hasText: text,
        });
        assert.equal(await shown.count(), 1, `"${text}" shown once, however often it was sent`);
      }
      assert.equal(chat.greetings(), greetingRequests, 'never greeted again');
      await context.close();
    },
  );
});
