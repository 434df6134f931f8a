import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TurnMetrics } from '@voice-agent/common/conventions';
import { formatTurnMetrics, parseTurnMetrics, turnMetricsAttributes } from './metrics';

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
