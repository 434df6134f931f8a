// The voice loop from the page: Chromium's fake microphone asks a question, the page shows the
// user transcript and the agent's state, the reply is heard, and the Interrupt button stops it.
// A simulated listener (rtc-node) in the same room times the agent's voice exactly.
// Needs: root (private network namespace), livekit-server, Chromium, espeak-ng, sox,
// pocketsphinx, built agent and web app. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import type { Browser } from 'playwright-core';
import { PageUser } from '../src/browser.js';
import { SimParticipant } from '../src/participants.js';
import { timeline } from '../src/speech.js';
import { startPageStack } from '../src/page_stack.js';
import { teardown } from '../src/teardown.js';
import { STORY } from '../src/script.js';

const QUESTION = 'tell me a long story';
/**
 * The fake microphone: quiet while the greetings play, the question, then a long silence (the
 * file loops, so the silence outlasts the test).
 */
const MIC = timeline([{ silenceMs: 7_000 }, { say: QUESTION }, { silenceMs: 60_000 }]);

describe('the voice loop in headless Chromium', () => {
  let fixture: OpenAiFixture;
  let webUrl: string;
  let browser: Browser;

  before(async () => {
    ({ fixture, webUrl, browser } = await startPageStack({
      question: QUESTION,
      reply: STORY,
      mic: MIC,
      micFile: 'fake-mic-question.wav',
      env: {
        // Eva asks and Lee listens: two people make `auto` mean `addressed`, and Eva does not
        // name the agent. This test is about the page, so the agent answers every turn.
        AGENT_REPLY_POLICY: 'always',
      },
    }));
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  it(
    'asks by voice, shows transcript and states, hears the reply, and Interrupt silences it',
    { timeout: 120_000 },
    async () => {
      const room = `page-voice-${Date.now()}`;
      const lee = await SimParticipant.join(room, 'lee-page', 'Lee');
      await lee.waitFor(
        'Lee greeted',
        () => lee.transcripts.some((t) => t.text.startsWith('Hello Lee,')),
        20_000,
      );
      const eva = await PageUser.join(browser, webUrl, 'Eva', room);
      try {
        // Every state the page shows, with the time it showed it.
        // (A string, not a function: tsx would wrap named inner functions in a helper that
        // does not exist in the page.)
        await eva.page.evaluate(`(() => {
          const seen = [];
          window.__states = seen;
          const record = () => {
            const el = document.querySelector('[data-testid="agent-state"]');
            const state = el ? el.getAttribute('data-state') : '';
            if (state && (seen.length === 0 || seen[seen.length - 1].state !== state))
              seen.push({ state, at: Date.now() });
          };
          record();
          new MutationObserver(record).observe(document.body, {
            subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'],
          });
        })()`);
        // The page shows what Eva said, as the agent transcribed it, under her name.
        const said = eva.page.locator(
          `[data-testid="transcript-entry"][data-speaker="${eva.identity}"][data-final="true"]`,
        );
        await said.first().waitFor({ timeout: 30_000 });
        assert.equal((await said.first().innerText()).trim().toLowerCase(), QUESTION);

        // The reply is heard (by Lee, in the same room) and the page shows the agent speaking.
        const askedAt = Date.now();
        const replyAt = await lee.waitFor(
          'the reply',
          () => lee.firstSoundAfter(askedAt - 200),
          20_000,
        );
        await eva.page
          .locator('[data-testid="agent-state"][data-state="speaking"]')
          .waitFor({ timeout: 10_000 });
        await new Promise((r) => setTimeout(r, 1_500)); // into the story

        const clickedAt = Date.now();
        await eva.page.getByTestId('interrupt-button').click();
        await eva.page
          .locator('[data-testid="interrupt-result"][data-result="ok"]')
          .waitFor({ timeout: 5_000 });
        await eva.page
          .locator('[data-testid="agent-state"][data-state="listening"]')
          .waitFor({ timeout: 10_000 });
        await new Promise((r) => setTimeout(r, 1_000)); // the silence after the story
        const span = lee.soundSpans(400, replyAt)[0]!;
        const stopMs = span.endAt - clickedAt;
        console.log(JSON.stringify({ metric: 'interrupt_button_stop_ms', stopMs }));
        assert.ok(stopMs < 1_000, `the agent went on for ${stopMs} ms after the click`);
        assert.equal(lee.firstSoundAfter(span.endAt + 400), undefined, 'the story did not resume');

        const states = await eva.page.evaluate(
          () => (window as unknown as { __states: { state: string }[] }).__states,
        );
        const sequence = states.map((s) => s.state).join(' ');
        assert.match(sequence, /listening thinking speaking listening/, sequence);
        // The page's agent entry holds only what was played, not the whole story.
        const agentText = await eva.page
          .locator('[data-testid="transcript-entry"][data-from-agent="true"]')
          .last()
          .innerText();
        assert.ok(STORY.startsWith(agentText.trim()), `a prefix of the story: "${agentText}"`);
        assert.ok(agentText.trim().length < STORY.length * 0.8, 'not the whole story');

        // A typed message is answered like speech: the LLM gets it under Eva's name.
        const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat').length;
        const before = chats();
        await eva.page.getByTestId('chat-input').fill('Please tell it again');
        await eva.page.getByTestId('chat-send').click();
        await eva.page
          .locator('[data-testid="transcript-entry"][data-source="chat"]', {
            hasText: 'Please tell it again',
          })
          .waitFor({ timeout: 5_000 });
        await eva.page
          .locator('[data-testid="agent-state"][data-state="speaking"]')
          .waitFor({ timeout: 10_000 });
        assert.equal(chats(), before + 1);
        const request = fixture.requests.filter((r) => r.endpoint === 'chat').at(-1)!;
        const messages = (request.body as { messages: { role: string; content: string }[] })
          .messages;
        assert.equal(messages.at(-1)?.content, 'Eva: Please tell it again');
        await eva.page.getByTestId('interrupt-button').click();
      } finally {
        await eva.close();
        await lee.leave();
      }
    },
  );
});
