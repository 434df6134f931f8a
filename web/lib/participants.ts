import {
  AGENT_STATE_ATTRIBUTE,
  HEARING_ATTRIBUTE,
  type HeardInput,
  type HearingReport,
} from '@voice-agent/common/conventions';
import { ParticipantKind } from 'livekit-client';

/** What the page shows for one participant; built from livekit-client participants. */
export interface ParticipantView {
  identity: string;
  name: string;
  isLocal: boolean;
  isAgent: boolean;
  /** The agent's `lk.agent.state`; agents only. */
  agentState?: string;
  /** Whether an agent currently hears this human; humans only. */
  agentHears?: AgentHears;
  /** The level the agent measured for this human, dBFS; humans only, when reported. */
  heardDbfs?: number;
}

/** `unknown` until an agent in the room publishes a hearing report. */
export type AgentHears = 'true' | 'false' | 'unknown';

/** The parts of a livekit-client `Participant` this module reads. */
export interface ParticipantLike {
  identity: string;
  name?: string | undefined;
  kind: ParticipantKind;
  attributes: Readonly<Record<string, string>>;
}

export function isAgentParticipant(p: ParticipantLike): boolean {
  return p.kind === ParticipantKind.AGENT || AGENT_STATE_ATTRIBUTE in p.attributes;
}

function isHeardInput(v: unknown): v is HeardInput {
  if (typeof v !== 'object' || v === null) return false;
  const { active, dbfs } = v as Record<string, unknown>;
  return typeof active === 'boolean' && typeof dbfs === 'number' && Number.isFinite(dbfs);
}

/**
 * Parses the agent's `voice_agent.hearing` attribute. Malformed JSON gives `undefined`; entries of
 * the wrong shape are dropped.
 */
export function parseHearingReport(raw: string | undefined): HearingReport | undefined {
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const report: HearingReport = {};
  for (const [identity, input] of Object.entries(json)) {
    if (isHeardInput(input)) report[identity] = input;
  }
  return report;
}

/**
 * Whether any agent hears `identity` now, from the agents' reports: `true` if one reports the
 * person active, `false` if reports exist but none does, `unknown` without reports.
 */
export function agentHears(
  reports: readonly HearingReport[],
  identity: string,
): { hears: AgentHears; dbfs?: number } {
  if (reports.length === 0) return { hears: 'unknown' };
  const inputs = reports.flatMap((r) => (r[identity] ? [r[identity]] : []));
  const dbfs = inputs.length > 0 ? Math.max(...inputs.map((i) => i.dbfs)) : undefined;
  const hears: AgentHears = inputs.some((i) => i.active) ? 'true' : 'false';
  return dbfs === undefined ? { hears } : { hears, dbfs };
}

/** One view per participant, the local one first, then the others in the order given. */
export function describeParticipants(
  local: ParticipantLike,
  remotes: Iterable<ParticipantLike>,
): ParticipantView[] {
  const all = [{ p: local, isLocal: true }, ...[...remotes].map((p) => ({ p, isLocal: false }))];
  const reports = all.flatMap(({ p }) => {
    if (!isAgentParticipant(p)) return [];
    const report = parseHearingReport(p.attributes[HEARING_ATTRIBUTE]);
    return report ? [report] : [];
  });
  return all.map(({ p, isLocal }): ParticipantView => {
    const base = { identity: p.identity, name: p.name || p.identity, isLocal };
    if (isAgentParticipant(p)) {
      const state = p.attributes[AGENT_STATE_ATTRIBUTE];
      return state === undefined
        ? { ...base, isAgent: true }
        : { ...base, isAgent: true, agentState: state };
    }
    const { hears, dbfs } = agentHears(reports, p.identity);
    return dbfs === undefined
      ? { ...base, isAgent: false, agentHears: hears }
      : { ...base, isAgent: false, agentHears: hears, heardDbfs: dbfs };
  });
}
