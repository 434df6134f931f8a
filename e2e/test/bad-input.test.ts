// Bad input through the real SFU: what people's clients may send the agent on lk.chat (a 1 MB
// message, bytes instead of text, a stream cut off by its sender leaving) neither crashes nor
// stalls it, and the next ordinary message is answered.
// Needs: root (private network namespace), livekit-server, a built agent. `npm test` provides it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CHAT_TOPIC } from '@voice-agent/common';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { SimParticipant } from '../src/participants.js';
import { AgentProcess, startLivekit } from '../src/stack.js';
import { teardown } from '../src/teardown.js';

describe('bad input on the chat stream', () => {
  let fixture: OpenAiFixture;
  let agent: AgentProcess;
  before(async () => {
    await startLivekit();
    fixture = await startOpenAiFixture({ phrases: [], apiKey: 'test-key' });
    fixture.script.chat.reply = () => 'It opens at nine.';
    agent = await AgentProcess.start({
      OPENAI_BASE_URL: fixture.baseUrl,
      OPENAI_API_KEY: 'test-key',
      AGENT_STT: 'none',
      AGENT_LLM: 'openai',
      AGENT_TTS: 'openai',
      // Two people in the room: answer every message, not only those that name the agent.
      AGENT_REPLY_POLICY: 'always',
    });
  });
  after(async () => {
    await teardown();
    await fixture?.close();
  });

  it(
    'a 1 MB message, bytes, a cut-off stream: ignored; the next message is answered',
    {
      timeout: 60_000,
    },
    async () => {
      const room = `bad-chat-${Date.now()}`;
      const ana = await SimParticipant.join(room, 'ana-1', 'Ana');
      const mallory = await SimParticipant.join(room, 'mallory-1', 'Mallory');
      // The agent hears lk.chat once it has joined and started: its greeting says so.
      await ana.waitFor(
        'the greeting',
        () => ana.transcripts.some((t) => t.text.startsWith('Hello Ana')),
        15_000,
      );
      const chats = () => fixture.requests.filter((r) => r.endpoint === 'chat');

      // 1 MB of text on lk.chat.
      await ana.room.localParticipant!.sendText('a'.repeat(1_000_000), { topic: CHAT_TOPIC });
      await agent.waitForLog((l) => l.msg === 'typed message too long, ignored', 15_000);
      // Bytes (not UTF-8) on the same topic.
      const bytes = await ana.room.localParticipant!.streamBytes({ topic: CHAT_TOPIC });
      await bytes.write(new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1]));
      await bytes.close();
      // A text stream its sender leaves in the middle of.
      const cut = await mallory.room.localParticipant!.streamText({ topic: CHAT_TOPIC });
      await cut.write('When does the museum');
      await mallory.room.disconnect();

      await ana.room.localParticipant!.sendText('When does the museum open?', {
        topic: CHAT_TOPIC,
      });
      await ana.waitFor('the typed question at the LLM', () => chats().length >= 1, 15_000);
      const asked = chats().map((r) => (r.body as { messages: { content: string }[] }).messages);
      assert.equal(asked.length, 1, 'only the ordinary message reached the model');
      assert.equal(asked[0]!.at(-1)!.content, 'Ana: When does the museum open?');
      await ana.waitFor(
        'the answer heard',
        () => ana.transcripts.some((t) => t.text.includes('It opens at nine.')),
        15_000,
      );
      const fatal = agent.logs().filter((l) => Number(l.level ?? 0) >= 50);
      assert.deepEqual(fatal, [], 'no error or fatal log line');
      assert.equal((await agent.status()).connected, true);
    },
  );
});
