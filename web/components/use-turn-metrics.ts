'use client';

import { useTextStream } from '@livekit/components-react';
import { METRICS_TOPIC, type TurnMetrics } from '@voice-agent/common/conventions';
import { useMemo } from 'react';
import { MAX_TURNS_KEPT, parseTurnMetrics } from '../lib/metrics';

export interface UseTurnMetrics {
  /** The session's turns, oldest first (the newest MAX_TURNS_KEPT). */
  turns: readonly TurnMetrics[];
  /** The latest turn's breakdown, undefined until the first arrives. */
  latest: TurnMetrics | undefined;
}

/**
 * The agent's per-turn latency reports in the room of the RoomContext: one JSON TurnMetrics per
 * `voice_agent.metrics` stream, read with LiveKit's `useTextStream`. A report that is not a
 * whole TurnMetrics (or still arriving) is skipped.
 */
export function useTurnMetrics(): UseTurnMetrics {
  const { textStreams } = useTextStream(METRICS_TOPIC);
  return useMemo(() => {
    const turns = textStreams
      .map((s) => parseTurnMetrics(s.text))
      .filter((m): m is TurnMetrics => m !== undefined)
      .slice(-MAX_TURNS_KEPT);
    return { turns, latest: turns.at(-1) };
  }, [textStreams]);
}
