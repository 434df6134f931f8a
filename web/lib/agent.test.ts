import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_STATE_ATTRIBUTE, MODELS_ATTRIBUTE } from '@voice-agent/common/conventions';
import { ParticipantKind } from 'livekit-client';
import {
  addressHint,
  agentStateText,
  findAgent,
  lacksLanguageModel,
  parseModelsReport,
} from './agent';
import type { ParticipantLike } from './participants';

const ana: ParticipantLike = {
  identity: 'user-aaaaaaaaaa',
  name: 'Ana',
  kind: ParticipantKind.STANDARD,
  attributes: {},
};

function agent(attributes: Record<string, string>): ParticipantLike {
  return { identity: 'agent-1', name: 'Agent', kind: ParticipantKind.AGENT, attributes };
}

describe('the agent participant', () => {
  it('no agent in the room: none, and the page says it waits', () => {
    assert.equal(findAgent([ana]), undefined);
    assert.equal(agentStateText(undefined), 'Waiting for the agent to join…');
    assert.equal(lacksLanguageModel(undefined), false);
  });

  it('the agent with its state and models', () => {
    const found = findAgent([
      ana,
      agent({
        [AGENT_STATE_ATTRIBUTE]: 'thinking',
        [MODELS_ATTRIBUTE]: JSON.stringify({ stt: 'openai', llm: 'openai', tts: 'flite' }),
      }),
    ]);
    assert.deepEqual(found, {
      identity: 'agent-1',
      name: 'Agent',
      state: 'thinking',
      models: { stt: 'openai', llm: 'openai', tts: 'flite' },
    });
    assert.equal(agentStateText(found), 'Agent is thinking…');
    assert.equal(lacksLanguageModel(found), false);
  });

  it("llm 'none' means no language model", () => {
    const found = findAgent([
      agent({ [MODELS_ATTRIBUTE]: JSON.stringify({ stt: 'none', llm: 'none', tts: 'flite' }) }),
    ]);
    assert.equal(lacksLanguageModel(found), true);
    assert.equal(agentStateText(found), 'Agent has joined');
  });

  it('each state has its line', () => {
    const lines = ['initializing', 'listening', 'speaking'].map((state) =>
      agentStateText(findAgent([agent({ [AGENT_STATE_ATTRIBUTE]: state })])),
    );
    assert.deepEqual(lines, ['Agent is starting up', 'Agent is listening', 'Agent is speaking']);
  });

  it('a malformed models attribute is ignored', () => {
    assert.equal(parseModelsReport('{'), undefined);
    assert.equal(parseModelsReport(JSON.stringify({ stt: 'x', llm: 1, tts: 'y' })), undefined);
    assert.equal(parseModelsReport('null'), undefined);
  });
});

describe('how to address the agent in a group', () => {
  const sam = findAgent([{ ...agent({}), name: 'Sam' }]);

  it('answering only when named: the page names it as it must be said', () =>
    assert.equal(addressHint(sam, 'addressed'), 'With others here, start with “Sam, …”'));

  it('answering every turn, no report, or no agent: nothing to say', () => {
    assert.equal(addressHint(sam, 'always'), undefined);
    assert.equal(addressHint(sam, undefined), undefined);
    assert.equal(addressHint(undefined, 'addressed'), undefined);
  });
});
