// Personas and live context updates through the real SFU: a room made with a persona's token
// gets that persona (name, greeting, instructions); an update over HTTP between two questions,
// and one over RPC from the room admin, change the next LLM request; a participant without the
// grant is refused. Needs: root (private network namespace), livekit-server, espeak-ng, sox,
// pocketsphinx, a built agent. `npm test` provides all of it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONTEXT_RPC } from '@voice-agent/common';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { SimParticipant } from '../src/participants.js';
import { LOG_DIR } from '../src/paths.js';
import { timeline } from '../src/speech.js';
import { AgentProcess, participantToken, startLivekit } from '../src/stack.js';
import { teardown } from '../src/teardown.js';
import { FIXTURE_API_KEY, fixtureProviders, scriptedReply } from '../src/script.js';

const ANSWERS: Record<string, string> = {
  'what time does the museum open': 'At nine.',
  'how much is a ticket': 'Twelve euros.',
  'is there a cafe inside': 'Yes, downstairs.',
  // Answered after a call to the time tool (its result fed back), in the last step.
  'what time is it': 'I checked the clock for you.',
};
const TIME_QUESTION = 'what time is it';

/** The fixture's model: the time question gets a call to the time tool first. */
function toolCalls(messages: { role: string; content: string }[], tools: string[]) {
  const last = messages.at(-1);
  const asksTime = last?.role === 'user' && last.content.toLowerCase().includes(TIME_QUESTION);
  return asksTime && tools.includes('get_current_time')
    ? [{ name: 'get_current_time', arguments: {} }]
    : undefined;
}

function reply(messages: { role: string; content: string }[]): string {
  if (messages.at(-1)?.role === 'tool') return ANSWERS[TIME_QUESTION]!;
  if (toolCalls(messages, ['get_current_time'])) return '';
  return scriptedReply(ANSWERS)(messages);
}

describe('personas and live context updates', () => {
  let fixture: OpenAiFixture;
  let agent: AgentProcess;
  before(async () => {
    mkdirSync(LOG_DIR, { recursive: true });
    const personasFile = join(LOG_DIR, 'personas.json');
    writeFileSync(
      personasFile,
      JSON.stringify({
        default: 'guide',
        personas: [
          { name: 'guide', instructions: 'You are a museum guide.' },
          {
            name: 'chef',
            instructions: 'You are a chef.',
            greeting: 'Bonjour {name}, the chef is listening.',
            displayName: 'Chef',
          },
        ],
      }),
    );
    await startLivekit();
    fixture = await startOpenAiFixture({ phrases: Object.keys(ANSWERS), apiKey: FIXTURE_API_KEY });
    fixture.script.chat = {
      reply,
      toolCalls,
      ttftMs: 50,
      tokenIntervalMs: 10,
      faults: [],
    };
    agent = await AgentProcess.start({
      ...fixtureProviders(fixture),
      AGENT_REPLY_POLICY: 'always',
      AGENT_PERSONAS_FILE: personasFile,
    });
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  /** The system message of the last request. */
  const lastInstructions = () => {
    const chats = fixture.requests.filter((r) => r.endpoint === 'chat');
    const body = chats.at(-1)?.body as { messages: { role: string; content: string }[] };
    return body.messages[0]!.content;
  };

  it(
    "gives the room its token's persona, and applies updates from the next request on",
    { timeout: 150_000 },
    async () => {
      const room = `persona-${Date.now()}`;
      const admin = await participantToken(room, 'sam-1', 'Sam', {
        roomAdmin: true,
        persona: 'chef',
      });
      const sam = await SimParticipant.join(room, 'sam-1', 'Sam', admin);
      await sam.publishMicrophone();
      const lee = await SimParticipant.join(room, 'lee-1', 'Lee');
      await sam.waitFor(
        "the chef's greeting",
        () => sam.transcripts.some((t) => t.text === 'Bonjour Sam, the chef is listening.'),
        30_000,
      );
      assert.equal(sam.agent()?.name, 'Chef');

      const ask = async (question: string) => {
        const before = fixture.requests.filter((r) => r.endpoint === 'chat').length;
        await sam.waitFor(
          'agent listening',
          () => sam.agent()?.attributes['lk.agent.state'] === 'listening',
          20_000,
        );
        await sam.speak(timeline([{ silenceMs: 200 }, { say: question }, { silenceMs: 300 }]));
        await sam.waitFor(
          `the answer to "${question}"`,
          () =>
            fixture.requests.filter((r) => r.endpoint === 'chat').length > before &&
            sam.transcripts.some((t) => t.text === ANSWERS[question]),
          20_000,
        );
        return lastInstructions();
      };

      assert.equal(await ask('what time does the museum open'), 'You are a chef.');

      // Over HTTP, with a room-admin token for this room.
      const base = agent.statusUrl.replace(/\/status$/, '');
      const refused = await fetch(`${base}/rooms/${room}/context`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ facts: ['The kitchen closes at ten.'] }),
      });
      assert.equal(refused.status, 401, 'no token');
      const res = await fetch(`${base}/rooms/${room}/context`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ facts: ['The kitchen closes at ten.'] }),
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(
        await ask('how much is a ticket'),
        'You are a chef.\n\nFacts:\n- The kitchen closes at ten.',
      );

      // Over RPC: Lee has no grant and is refused; Sam's own admin token is taken.
      const agentIdentity = sam.agent()!.identity;
      const leeToken = await participantToken(room, 'lee-1', 'Lee');
      await assert.rejects(
        lee.room.localParticipant!.performRpc({
          destinationIdentity: agentIdentity,
          method: CONTEXT_RPC,
          payload: JSON.stringify({ token: leeToken, instructions: 'You are a pirate.' }),
        }),
        (err: { code?: number; message?: string }) =>
          err.code === 403 && /no room-admin grant/.test(err.message ?? ''),
      );
      const answer = await sam.room.localParticipant!.performRpc({
        destinationIdentity: agentIdentity,
        method: CONTEXT_RPC,
        payload: JSON.stringify({ token: admin, instructions: 'You are a pastry chef.' }),
      });
      assert.deepEqual(JSON.parse(answer), { applied: { instructions: true, facts: 0 } });
      assert.equal(
        await ask('is there a cafe inside'),
        'You are a pastry chef.\n\nFacts:\n- The kitchen closes at ten.',
      );

      // A tool call through the same room: the model asks for the time, the agent runs the
      // tool, feeds its result back and speaks the answer; the call and its result are in the
      // next request's history once, each with the other.
      await ask(TIME_QUESTION);
      const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat');
      const bodies = chats().map((r) => r.body as { messages: Message[]; tools?: unknown[] });
      assert.ok(bodies.at(-1)!.tools?.length, 'the request offered the tools');
      const fed = bodies.at(-1)!.messages;
      assert.equal(fed.at(-1)!.role, 'tool');
      assert.match(String(fed.at(-1)!.content), new RegExp(String(new Date().getUTCFullYear())));
      await ask('how much is a ticket');
      const history = (chats().at(-1)!.body as { messages: Message[] }).messages;
      const calls = history.filter((m) => m.role === 'assistant' && m.tool_calls?.length);
      const results = history.filter((m) => m.role === 'tool');
      assert.equal(calls.length, 1, 'the call once');
      assert.equal(results.length, 1, 'its result once');
      assert.equal(results[0]!.tool_call_id, calls[0]!.tool_calls![0]!.id);
      await Promise.all([sam.leave(), lee.leave()]);
    },
  );
});

/** A chat-completions message as the fixture recorded the request. */
interface Message {
  role: string;
  content: unknown;
  tool_calls?: { id: string }[];
  tool_call_id?: string;
}
