'use client';

import { METRICS_TOPIC, type TurnMetrics } from '@voice-agent/common/conventions';
import type { Room } from 'livekit-client';
import { useCallback, useState } from 'react';
import { parseTurnMetrics } from '../lib/metrics';

export interface UseTurnMetrics {
  /** The latest turn's breakdown, undefined until the first arrives. */
  latest: TurnMetrics | undefined;
  /** Registers the room's `voice_agent.metrics` handler (forgets old figures); returns cleanup. */
  attach(room: Room): () => void;
}

/** The agent's per-turn latency reports: one JSON TurnMetrics per `voice_agent.metrics` stream. */
export function useTurnMetrics(): UseTurnMetrics {
  const [latest, setLatest] = useState<TurnMetrics | undefined>(undefined);

  const attach = useCallback((room: Room) => {
    let live = true;
    setLatest(undefined);
    room.registerTextStreamHandler(METRICS_TOPIC, (reader) => {
      reader.readAll().then(
        (raw) => {
          const metrics = parseTurnMetrics(raw);
          if (live && metrics) setLatest(metrics);
        },
        () => undefined, // A report that did not arrive whole is skipped.
      );
    });
    return () => {
      live = false;
      room.unregisterTextStreamHandler(METRICS_TOPIC);
    };
  }, []);

  return { latest, attach };
}
