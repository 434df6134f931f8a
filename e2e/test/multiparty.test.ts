// Needs: root (private network namespace), livekit-server (built by the project's script),
// espeak-ng and sox, a built agent (npm run build). `npm test` provides all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimParticipant } from '../src/participants.js';
import { teardown } from '../src/teardown.js';
import { timeline } from '../src/speech.js';
import { AgentProcess, startLivekit } from '../src/stack.js';

describe('two simulated people in one room', () => {
  let agent: AgentProcess;
  before(async () => {
    await startLivekit();
    agent = await AgentProcess.start();
  });
  after(teardown);

  it('greets each by name in its transcript and reports hearing each microphone', { timeout: 90_000 }, async () => {
    const room = `duo-${Date.now()}`;
    const ana = await SimParticipant.join(room, 'ana-1', 'Ana');
    await ana.publishMicrophone();
    const ben = await SimParticipant.join(room, 'ben-1', 'Ben');
    await ben.publishMicrophone();
    try {
      const greetings = (sim: SimParticipant) =>
        sim.transcripts.filter((t) => t.from === sim.agent()?.identity).map((t) => t.text);
      await ana.waitFor('both greetings', () => greetings(ana).length >= 2, 20_000);
      assert.deepEqual(greetings(ana).sort(), [
        'Hello Ana, welcome. I can hear you.',
        'Hello Ben, welcome. I can hear you.',
      ]);
      // Every greeting was heard as audio, not only as text: 2 greetings of about 2.5 s each.
      assert.ok(ana.soundMs() > 3_000, `Ana heard ${ana.soundMs()} ms of the agent's voice`);

      const words = timeline([{ silenceMs: 300 }, { say: 'one two three four five' }, { silenceMs: 1200 }]);
      const anaSpeaks = ana.speak(words);
      await ana.waitFor('agent hears Ana', () => ben.hearing()['ana-1']?.active, 5_000);
      assert.equal(ben.hearing()['ben-1']?.active, false, 'Ben is silent, so not heard');
      const [played] = await anaSpeaks;
      await ana.waitFor('agent hears Ana stop', () => ben.hearing()['ana-1']?.active === false, 5_000);
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
      await Promise.all([ana.leave(), ben.leave()]);
    }
  });
});
