import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGENT_STATE_ATTRIBUTE, HEARING_ATTRIBUTE } from '@voice-agent/common';
import { ParticipantKind } from 'livekit-client';
import {
  agentHears,
  describeParticipants,
  parseHearingReport,
  type ParticipantLike,
} from './participants';

const me: ParticipantLike = {
  identity: 'user-aaaaaaaaaa',
  name: 'Ana',
  kind: ParticipantKind.STANDARD,
  attributes: {},
};
const ben: ParticipantLike = {
  identity: 'user-bbbbbbbbbb',
  name: 'Ben',
  kind: ParticipantKind.STANDARD,
  attributes: {},
};

function agent(attributes: Record<string, string>, kind = ParticipantKind.AGENT): ParticipantLike {
  return { identity: 'agent-1', name: 'Agent', kind, attributes };
}

describe('participant list', () => {
  it('before an agent joins: humans only, hearing unknown, self first', () => {
    assert.deepEqual(describeParticipants(me, [ben]), [
      { identity: me.identity, name: 'Ana', isLocal: true, isAgent: false, agentHears: 'unknown' },
      {
        identity: ben.identity,
        name: 'Ben',
        isLocal: false,
        isAgent: false,
        agentHears: 'unknown',
      },
    ]);
  });

  it('the agent row carries its state; each human row whether it is heard', () => {
    const hearing = JSON.stringify({
      [me.identity]: { active: true, dbfs: -23.4 },
      [ben.identity]: { active: false, dbfs: -71 },
    });
    const rows = describeParticipants(me, [
      agent({ [AGENT_STATE_ATTRIBUTE]: 'listening', [HEARING_ATTRIBUTE]: hearing }),
      ben,
    ]);
    assert.deepEqual(rows, [
      {
        identity: me.identity,
        name: 'Ana',
        isLocal: true,
        isAgent: false,
        agentHears: 'true',
        heardDbfs: -23.4,
      },
      {
        identity: 'agent-1',
        name: 'Agent',
        isLocal: false,
        isAgent: true,
        agentState: 'listening',
      },
      {
        identity: ben.identity,
        name: 'Ben',
        isLocal: false,
        isAgent: false,
        agentHears: 'false',
        heardDbfs: -71,
      },
    ]);
  });

  it('a standard participant with lk.agent.state counts as the agent', () => {
    const [, row] = describeParticipants(me, [
      agent({ [AGENT_STATE_ATTRIBUTE]: 'speaking' }, ParticipantKind.STANDARD),
    ]);
    assert.equal(row?.isAgent, true);
    assert.equal(row?.agentState, 'speaking');
  });

  it('an agent whose report omits a human: that human is not heard', () => {
    const rows = describeParticipants(me, [agent({ [HEARING_ATTRIBUTE]: '{}' })]);
    assert.equal(rows[0]?.agentHears, 'false');
    assert.equal(rows[1]?.agentState, undefined);
  });

  it('a human cannot make others look heard by setting the hearing attribute', () => {
    const fake = {
      ...ben,
      attributes: {
        [HEARING_ATTRIBUTE]: JSON.stringify({ [me.identity]: { active: true, dbfs: 0 } }),
      },
    };
    assert.equal(describeParticipants(me, [fake])[0]?.agentHears, 'unknown');
  });

  it('a participant without a name is shown by identity', () => {
    const rows = describeParticipants({ ...me, name: '' }, []);
    assert.equal(rows[0]?.name, me.identity);
  });
});

describe('hearing report', () => {
  it('malformed JSON or a non-object is no report', () => {
    assert.equal(parseHearingReport('{'), undefined);
    assert.equal(parseHearingReport('[]'), undefined);
    assert.equal(parseHearingReport('null'), undefined);
    assert.equal(parseHearingReport(undefined), undefined);
  });

  it('entries of the wrong shape are dropped, good ones kept', () => {
    assert.deepEqual(
      parseHearingReport(
        JSON.stringify({
          a: { active: 'yes', dbfs: -3 },
          b: { active: false },
          c: { active: true, dbfs: -30 },
        }),
      ),
      { c: { active: true, dbfs: -30 } },
    );
  });

  it('two agents: heard if either hears', () => {
    const reports = [{ x: { active: false, dbfs: -60 } }, { x: { active: true, dbfs: -20 } }];
    assert.deepEqual(agentHears(reports, 'x'), { hears: 'true', dbfs: -20 });
    assert.deepEqual(agentHears(reports, 'y'), { hears: 'false' });
    assert.deepEqual(agentHears([], 'x'), { hears: 'unknown' });
  });
});
