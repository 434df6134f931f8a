// Reconnects that lose nothing, through the real SFU: livekit-server is killed mid-conversation
// and started again; the person's client reconnects, and within 5 s of the server's return an
// agent is back in the room (a new job once the worker registers again, or the old job's own
// connection if it recreated the room first), carrying the room's conversation on (the next LLM
// request holds the turns from before the restart), alone, without greeting anyone twice.
// Needs: root (private network namespace), livekit-server, espeak-ng, sox, pocketsphinx, a built
// agent. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ParticipantKind, RoomEvent } from '@livekit/rtc-node';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { SimParticipant } from '../src/participants.js';
import { answeringFixture } from '../src/script.js';
import { timeline } from '../src/speech.js';
import { AgentProcess, startLivekit } from '../src/stack.js';
import type { ManagedProcess } from '../src/processes.js';
import { teardown } from '../src/teardown.js';

const ANSWERS: Record<string, string> = {
  'what time does the museum open': 'At nine.',
  'how much is a ticket': 'Twelve euros.',
};
const GREETING = 'Hello {name}, the guide is listening.';
/** From livekit-server's return to the agent back in the room (the figure). */
const BACK_WITHIN_MS = 5_000;

interface Message {
  role: string;
  content: string;
}

describe('reconnects', () => {
  let fixture: OpenAiFixture;
  let agent: AgentProcess;
  let livekit: ManagedProcess;
  before(async () => {
    livekit = await startLivekit();
    const answering = await answeringFixture(ANSWERS, GREETING);
    fixture = answering.fixture;
    agent = await AgentProcess.start(answering.agentEnv);
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat');

  async function ask(sam: SimParticipant, question: string): Promise<Message[]> {
    const before = chats().length;
    await sam.waitFor(
      'agent listening',
      () => sam.agent()?.attributes['lk.agent.state'] === 'listening',
      20_000,
    );
    await sam.speak(timeline([{ silenceMs: 200 }, { say: question }, { silenceMs: 300 }]));
    await sam.waitFor(
      `the answer to "${question}"`,
      () =>
        chats().length > before &&
        sam.transcripts.some((t) => t.text === ANSWERS[question] && t.receivedAt > 0),
      20_000,
    );
    return (chats().at(-1)!.body as { messages: Message[] }).messages;
  }

  it(
    'livekit-server killed and restarted: the agent is back within 5 s with the conversation',
    { timeout: 120_000 },
    async () => {
      const room = `restart-${Date.now()}`;
      const sam = await SimParticipant.join(room, 'sam-1', 'Sam');
      await sam.publishMicrophone();
      const greeting = GREETING.replace('{name}', 'Sam');
      await sam.waitFor(
        'the greeting',
        () => sam.transcripts.some((t) => t.text === greeting),
        30_000,
      );
      await ask(sam, 'what time does the museum open');
      const firstAgent = sam.agent()!.identity;

      const disconnected = new Promise<void>((resolve) =>
        sam.room.once(RoomEvent.Disconnected, () => resolve()),
      );
      livekit.killNow();
      await livekit.exited;
      livekit = await startLivekit();
      const serverBackAt = Date.now();
      // The person's client reconnects by itself (a full reconnect: the room is new to this
      // server); if the SDK gives up instead, they join again, as a person would.
      const reconnected = await Promise.race([
        new Promise<boolean>((resolve) =>
          sam.room.once(RoomEvent.Reconnected, () => resolve(true)),
        ),
        disconnected.then(() => false),
      ]);
      let person = sam;
      if (!reconnected) {
        person = await SimParticipant.join(room, 'sam-1', 'Sam');
        await person.publishMicrophone();
      }
      // Back: an agent in the room whose voice reaches the person again. Either a new job (the
      // server dispatched the recreated room to the worker, registered again) or the old job's
      // own connection, when rtc-node's full reconnect recreated the room first (then no job is
      // dispatched, and the old one carries on).
      await person.waitFor(
        'an agent back in the room',
        () => person.agent() !== undefined && person.heard.some((f) => f.at > serverBackAt),
        20_000,
      );
      const backMs = Date.now() - serverBackAt;
      const sameJob = person.agent()!.identity === firstAgent;
      console.log(
        `agent back ${backMs} ms after livekit-server returned (person ${
          reconnected ? 'reconnected by the SDK' : 'joined again'
        }; ${sameJob ? "the old job's connection came back" : 'a new job'})`,
      );
      assert.ok(backMs <= BACK_WITHIN_MS, `agent back after ${backMs} ms`);

      const messages = await ask(person, 'how much is a ticket');
      const said = messages.map((m) => m.content);
      assert.ok(
        said.some((c) => /what time does the museum open/i.test(c)),
        `the turn from before the restart is in the request:\n${said.join('\n')}`,
      );
      assert.ok(said.includes('At nine.'), 'and its answer');
      const greetings = [...sam.transcripts, ...(person === sam ? [] : person.transcripts)].filter(
        (t) => t.text === greeting,
      );
      assert.equal(greetings.length, 1, 'Sam is greeted once');
      const agents = [...person.room.remoteParticipants.values()].filter(
        (p) => p.kind === ParticipantKind.AGENT,
      );
      assert.equal(agents.length, 1, 'one agent in the room');
      assert.ok(
        sameJob || agent.logs().some((l) => l.msg === 'conversation restored from an earlier job'),
        'a new job took the room memory',
      );
      await person.leave();
    },
  );
});
