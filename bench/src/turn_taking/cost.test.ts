import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedRequest } from '@voice-agent/fixtures';
import type { AgentLogLine } from '@voice-agent/e2e/stack';
import { costRows, replyCost } from './cost.js';

const at = (epochMs: number) => epochMs - performance.timeOrigin;
const request = (endpoint: RecordedRequest['endpoint'], epochMs: number, body: unknown = {}) =>
  ({ endpoint, at: at(epochMs), body, headers: {} }) as RecordedRequest;
const turn = (time: number, playedMs: number): AgentLogLine => ({ msg: 'turn', time, playedMs });

describe('replyCost', () => {
  const from = Date.now();
  const requests = [
    request('chat', from + 10),
    request('chat', from + 20), // a prepared reply dropped, then asked again
    request('speech', from + 30, { input: 'Hello there.' }),
    request('chat', from + 5_000), // after the window
  ];
  const logs = [
    turn(from + 40, 1_200),
    turn(from + 50, 0),
    { msg: 'agent spoke', time: from + 60 },
  ];

  it('counts chat requests and speech characters in the window, per turn that played audio', () => {
    const cost = replyCost(requests, logs, from, from + 1_000);
    assert.deepEqual(cost, {
      llmRequests: 2,
      ttsChars: 12,
      answeredTurns: 1,
      llmRequestsPerTurn: 2,
      ttsCharsPerTurn: 12,
    });
  });

  it('has no rate without an answered turn, and no verdict on it', () => {
    const cost = replyCost(requests, [], from, from + 1_000);
    assert.equal(cost.llmRequestsPerTurn, null);
    assert.equal(costRows(cost)[0]!.met, undefined);
  });

  it('says whether the requests per turn are within the target', () => {
    const rows = costRows(replyCost(requests, logs, from, from + 1_000));
    assert.equal(rows[0]!.met, false);
    assert.match(rows[0]!.value, /^2 \(2 requests\)$/);
  });
});
