/**
 * What a scenario's answers cost: LLM requests (chat requests at the fixture: each is billed,
 * a reply prepared and then dropped included) and TTS characters (the text of every speech
 * request, greetings and fillers included), per answered turn. An answered turn is one of the
 * agent's `"msg":"turn"` log lines (one per reply to a person's turn) that played some audio.
 */
import type { RecordedRequest } from '@voice-agent/fixtures';
import type { AgentLogLine } from '@voice-agent/e2e/stack';
import type { Row } from './context.js';
import { requestsBetween, speechInput } from './measure.js';

/** At most this many LLM requests per answered turn, on average (issue 22). */
export const MAX_LLM_REQUESTS_PER_TURN = 1.2;

export interface ReplyCost {
  llmRequests: number;
  ttsChars: number;
  answeredTurns: number;
  /** llmRequests / answeredTurns (null without an answered turn). */
  llmRequestsPerTurn: number | null;
  ttsCharsPerTurn: number | null;
}

/** The cost of what happened in [from, to) (epoch ms), from the fixture's requests and the agent's log. */
export function replyCost(
  requests: readonly RecordedRequest[],
  logs: readonly AgentLogLine[],
  from: number,
  to: number,
): ReplyCost {
  const llmRequests = requestsBetween(requests, 'chat', from, to).length;
  const ttsChars = requestsBetween(requests, 'speech', from, to).reduce(
    (sum, r) => sum + speechInput(r).length,
    0,
  );
  const answeredTurns = logs.filter(
    (l) => l.msg === 'turn' && l.time >= from && l.time < to && Number(l.playedMs) > 0,
  ).length;
  const per = (n: number) => (answeredTurns ? Math.round((n / answeredTurns) * 100) / 100 : null);
  return {
    llmRequests,
    ttsChars,
    answeredTurns,
    llmRequestsPerTurn: per(llmRequests),
    ttsCharsPerTurn: per(ttsChars),
  };
}

/** The two rows every scenario's table gets. */
export function costRows(cost: ReplyCost): Row[] {
  const n = cost.answeredTurns;
  return [
    {
      metric: 'LLM requests per answered turn',
      value: `${cost.llmRequestsPerTurn ?? '-'} (${cost.llmRequests} requests)`,
      n,
      target: `<= ${MAX_LLM_REQUESTS_PER_TURN}`,
      met:
        cost.llmRequestsPerTurn === null
          ? undefined
          : cost.llmRequestsPerTurn <= MAX_LLM_REQUESTS_PER_TURN,
    },
    {
      metric: 'TTS characters per answered turn',
      value: `${cost.ttsCharsPerTurn ?? '-'} (${cost.ttsChars} chars)`,
      n,
      target: '',
      met: undefined,
    },
  ];
}
