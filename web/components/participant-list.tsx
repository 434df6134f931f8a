'use client';

import { formatPeak, SILENT, type PeakStats } from '../lib/audio-peak';
import type { ParticipantView } from '../lib/participants';

const HEARS_LABEL = { true: 'agent hears', false: 'agent does not hear', unknown: '' } as const;

function Row({ p, stats }: { p: ParticipantView; stats: PeakStats | undefined }) {
  // Received audio is measured for remote participants only.
  const audio = p.isLocal ? undefined : formatPeak(stats ?? SILENT);
  return (
    <li
      className="participant"
      data-testid="participant"
      data-identity={p.identity}
      data-name={p.name}
      data-is-agent={String(p.isAgent)}
      data-agent-state={p.isAgent ? (p.agentState ?? '') : undefined}
      data-agent-hears={p.isAgent ? undefined : p.agentHears}
      data-audio-peak={audio?.peak}
      data-first-audio-at={audio?.firstAudioAt}
    >
      <span className="participant-name">
        {p.name}
        {p.isLocal && <span className="muted"> (you)</span>}
      </span>
      {p.isAgent && <span className="badge">agent</span>}
      {p.isAgent && (
        <span className={`state state-${p.agentState ?? 'unknown'}`}>
          {p.agentState ?? 'no state yet'}
        </span>
      )}
      {!p.isAgent && p.agentHears !== undefined && p.agentHears !== 'unknown' && (
        <span className={`hears hears-${p.agentHears}`}>
          {HEARS_LABEL[p.agentHears]}
          {p.heardDbfs !== undefined && ` (${Math.round(p.heardDbfs)} dBFS)`}
        </span>
      )}
      {audio && (
        <span className="muted audio">
          {audio.firstAudioAt === '' ? 'no audio yet' : 'audio received'}
        </span>
      )}
    </li>
  );
}

/** One row per participant, the local one first. */
export function ParticipantList({
  participants,
  levels,
}: {
  participants: readonly ParticipantView[];
  levels: Readonly<Record<string, PeakStats>>;
}) {
  if (participants.length === 0) return null;
  return (
    <ul className="participants" aria-label="Participants">
      {participants.map((p) => (
        <Row key={p.identity} p={p} stats={levels[p.identity]} />
      ))}
    </ul>
  );
}
