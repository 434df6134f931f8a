import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnMetrics } from '@voice-agent/common/conventions';
import {
  addTurn,
  formatTurnMetrics,
  isTypedTurn,
  MAX_TURNS_KEPT,
  parseTurnMetrics,
  percentile,
  summarizeTurns,
  turnMetricsAttributes,
} from './metrics';

const TURN: TurnMetrics = {
  turnId: 'turn-3',
  speaker: 'user-aaaaaaaaaa',
  endOfUtteranceMs: 412.6,
  sttFinalMs: 88.2,
  llmTtftMs: 301.49,
  ttsTtfbMs: 120,
  endToEndMs: 955.5,
};

describe('turn metrics', () => {
  it('a well-formed report parses to the same values', () => {
    assert.deepEqual(parseTurnMetrics(JSON.stringify({ ...TURN, extra: true })), TURN);
  });

  it('the line shows whole milliseconds in pipeline order', () => {
    assert.equal(
      formatTurnMetrics(TURN),
      'end-of-utterance 413 ms · STT 88 ms · LLM first token 301 ms · TTS first byte 120 ms · end-to-end 956 ms',
    );
  });

  it('one kebab-case data attribute per field, whole ms, plus data-e2e-ms', () => {
    assert.deepEqual(turnMetricsAttributes(TURN), {
      'data-turn-id': 'turn-3',
      'data-speaker': 'user-aaaaaaaaaa',
      'data-end-of-utterance-ms': '413',
      'data-stt-final-ms': '88',
      'data-llm-ttft-ms': '301',
      'data-tts-ttfb-ms': '120',
      'data-end-to-end-ms': '956',
      'data-e2e-ms': '956',
    });
  });

  it('typed input has an empty speaker', () => {
    assert.equal(parseTurnMetrics(JSON.stringify({ ...TURN, speaker: '' }))?.speaker, '');
  });

  const bad: [string, string][] = [
    ['not JSON', '{'],
    ['an array', '[]'],
    ['a missing duration', JSON.stringify({ ...TURN, llmTtftMs: undefined })],
    ['a duration as text', JSON.stringify({ ...TURN, endToEndMs: '955' })],
    ['a missing turn id', JSON.stringify({ ...TURN, turnId: 3 })],
  ];
  for (const [scenario, raw] of bad) {
    it(`${scenario} is ignored`, () => assert.equal(parseTurnMetrics(raw), undefined));
  }
});

describe('the session latency panel', () => {
  const turn = (i: number, endToEndMs: number): TurnMetrics => ({
    ...TURN,
    turnId: `turn-${i}`,
    endToEndMs,
  });

  it('percentiles are nearest-rank: p50 of 1..20 is 10, p95 is 19', () => {
    const sorted = Array.from({ length: 20 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 10);
    assert.equal(percentile(sorted, 95), 19);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([], 50), undefined);
  });

  it('one row per stage in pipeline order, with the last turn and the session p50 and p95', () => {
    const turns = [900, 1100, 1000, 3000].map((ms, i) => turn(i, ms));
    const rows = summarizeTurns(turns);
    assert.deepEqual(
      rows.map((r) => r.field),
      ['endOfUtteranceMs', 'sttFinalMs', 'llmTtftMs', 'ttsTtfbMs', 'endToEndMs'],
    );
    const e2e = rows.at(-1)!;
    assert.deepEqual([e2e.lastMs, e2e.p50Ms, e2e.p95Ms], [3000, 1000, 3000]);
    assert.equal(rows[0]!.p50Ms, TURN.endOfUtteranceMs);
  });

  it('no turns, no rows', () => assert.deepEqual(summarizeTurns([]), []));

  it('a typed turn has no end of utterance or STT: shown empty, left out of their percentiles', () => {
    // As the agent reports a typed message: the typist as speaker, no end of utterance or STT.
    const typed: TurnMetrics = { ...turn(9, 300), endOfUtteranceMs: 0, sttFinalMs: 0 };
    const rows = summarizeTurns([turn(1, 900), typed]);
    const [eou, stt, llm] = rows;
    assert.deepEqual([eou!.lastMs, eou!.p50Ms, eou!.p95Ms], [undefined, 412.6, 412.6]);
    assert.equal(stt!.lastMs, undefined);
    assert.equal(llm!.lastMs, TURN.llmTtftMs);
    assert.deepEqual([rows[4]!.p50Ms, rows[4]!.p95Ms], [300, 900]);
    assert.equal(isTypedTurn({ ...typed, speaker: '', endOfUtteranceMs: 5 }), true);
    assert.equal(isTypedTurn(turn(1, 900)), false);
    const onlyTyped = summarizeTurns([typed]);
    assert.deepEqual([onlyTyped[0]!.p50Ms, onlyTyped[0]!.p95Ms], [undefined, undefined]);
  });

  it('a stage the agent could not time (-1) is shown empty and left out', () => {
    const rows = summarizeTurns([turn(1, 900), { ...turn(2, 800), ttsTtfbMs: -1 }]);
    const tts = rows[3]!;
    assert.deepEqual([tts.lastMs, tts.p50Ms, tts.p95Ms], [undefined, 120, 120]);
  });

  it('keeps only the newest turns', () => {
    let turns: TurnMetrics[] = [];
    for (let i = 0; i < MAX_TURNS_KEPT + 5; i++) turns = addTurn(turns, turn(i, i));
    assert.equal(turns.length, MAX_TURNS_KEPT);
    assert.equal(turns[0]!.turnId, 'turn-5');
  });
});
