// Needs: root (private network namespace), livekit-server (built by the project's script),
// Chromium, espeak-ng and sox, a built agent and web app. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium, PageUser } from '../src/browser.js';
import { SimParticipant } from '../src/participants.js';
import { LOG_DIR } from '../src/paths.js';
import { teardown } from '../src/teardown.js';
import { timeline, writeTimelineWav } from '../src/speech.js';
import { AgentProcess, startLivekit, startWeb } from '../src/stack.js';

describe('two simulated people and one browser in one room', () => {
  let webUrl: string;
  let browser: Browser;
  before(async () => {
    mkdirSync(LOG_DIR, { recursive: true });
    await startLivekit();
    [, { url: webUrl }] = await Promise.all([AgentProcess.start(), startWeb()]);
    const mic = timeline([{ say: 'good morning everyone' }, { silenceMs: 2000 }]);
    browser = await launchChromium(writeTimelineWav(mic, join(LOG_DIR, 'cleo-mic.wav')));
  });
  after(teardown);

  it(
    'greets each by name in its transcript and reports hearing each microphone',
    { timeout: 90_000 },
    async () => {
      const room = `trio-${Date.now()}`;
      const ana = await SimParticipant.join(room, 'ana-1', 'Ana');
      await ana.publishMicrophone();
      const ben = await SimParticipant.join(room, 'ben-1', 'Ben');
      await ben.publishMicrophone();
      const cleo = await PageUser.join(browser, webUrl, 'Cleo', room);
      try {
        const greetings = (sim: SimParticipant) =>
          sim.transcripts.filter((t) => t.from === sim.agent()?.identity).map((t) => t.text);
        await ana.waitFor('three greetings', () => greetings(ana).length >= 3, 25_000);
        // No provider keys in this suite: the greeting says so.
        const NO_MODEL = ' No language model is configured, so I can only greet you.';
        // With two people here the agent answers only when named, and says so once: at the end
        // of the first greeting said with two or more in the room (which one depends on timing).
        const NOTE = ' With others here, I answer when you start with my name, Agent.';
        const noted = greetings(ana).filter((g) => g.endsWith(NOTE));
        assert.equal(noted.length, 1, `one greeting says how to address the agent: ${noted}`);
        assert.deepEqual(
          greetings(ana)
            .map((g) => g.replace(NOTE, ''))
            .sort(),
          [
            `Hello Ana, welcome. I can hear you.${NO_MODEL}`,
            `Hello Ben, welcome. I can hear you.${NO_MODEL}`,
            `Hello Cleo, welcome. I can hear you.${NO_MODEL}`,
          ],
        );
        // The page says it too, with the agent's display name.
        assert.equal(
          await cleo.page.getByTestId('address-hint').innerText({ timeout: 5_000 }),
          'With others here, start with “Agent, …”',
        );
        // Every greeting was heard as audio, not only as text: 3 greetings of about 2.5 s each.
        assert.ok(ana.soundMs() > 5_000, `Ana heard ${ana.soundMs()} ms of the agent's voice`);
        await cleo.waitForAgentAudio(5_000);
        // The browser's looping microphone is heard, as the agent reports it to everyone.
        await ana.waitFor('agent hears Cleo', () => ben.hearing()[cleo.identity]?.active, 10_000);

        const words = timeline([
          { silenceMs: 300 },
          { say: 'one two three four five' },
          { silenceMs: 1200 },
        ]);
        const anaSpeaks = ana.speak(words);
        await ana.waitFor('agent hears Ana', () => ben.hearing()['ana-1']?.active, 5_000);
        assert.equal(ben.hearing()['ben-1']?.active, false, 'Ben is silent, so not heard');
        const [played] = await anaSpeaks;
        await ana.waitFor(
          'agent hears Ana stop',
          () => ben.hearing()['ana-1']?.active === false,
          5_000,
        );
        assert.ok(played);
        const [benPlayed] = await ben.speak(words);
        assert.ok(benPlayed);
        const benHeard = ana.hearingHistory.find(
          (h) => h.at >= benPlayed.startAt && h.report['ben-1']?.active,
        );
        assert.ok(benHeard, 'the agent reported hearing Ben while he spoke');
        console.log(
          JSON.stringify({
            metric: 'hearing_onset_ms',
            ben: benHeard.at - benPlayed.startAt,
          }),
        );
      } finally {
        await Promise.all([ana.leave(), ben.leave(), cleo.close()]);
      }
    },
  );
});
