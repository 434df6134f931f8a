/** The agent participant as the page needs it: who, in what state, with which models. */
import {
  AGENT_STATE_ATTRIBUTE,
  MODELS_ATTRIBUTE,
  type ModelsReport,
} from '@voice-agent/common/conventions';
import { isAgentParticipant, type ParticipantLike } from './participants';

export interface AgentView {
  identity: string;
  name: string;
  /** `lk.agent.state`, undefined until the agent sets it. */
  state: string | undefined;
  /** `voice_agent.models`, undefined when absent or malformed. */
  models: ModelsReport | undefined;
}

/** Parses `voice_agent.models`; malformed JSON or fields that are not strings give `undefined`. */
export function parseModelsReport(raw: string | undefined): ModelsReport | undefined {
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { stt, llm, tts } = json as Record<string, unknown>;
  if (typeof stt !== 'string' || typeof llm !== 'string' || typeof tts !== 'string') {
    return undefined;
  }
  return { stt, llm, tts };
}

/** The first agent among `participants`, or undefined when none has joined. */
export function findAgent(participants: Iterable<ParticipantLike>): AgentView | undefined {
  for (const p of participants) {
    if (!isAgentParticipant(p)) continue;
    return {
      identity: p.identity,
      name: p.name || p.identity,
      state: p.attributes[AGENT_STATE_ATTRIBUTE],
      models: parseModelsReport(p.attributes[MODELS_ATTRIBUTE]),
    };
  }
  return undefined;
}

/** The agent says it has no language model: it can greet but not answer. */
export function lacksLanguageModel(agent: AgentView | undefined): boolean {
  return agent?.models?.llm === 'none';
}

const STATE_TEXT: Readonly<Record<string, string>> = {
  initializing: 'is starting up',
  listening: 'is listening',
  thinking: 'is thinking…',
  speaking: 'is speaking',
};

/** The agent-state line: "Agent is listening", "Waiting for the agent to join…". */
export function agentStateText(agent: AgentView | undefined): string {
  if (!agent) return 'Waiting for the agent to join…';
  if (agent.state === undefined) return `${agent.name} has joined`;
  return `${agent.name} ${STATE_TEXT[agent.state] ?? `is ${agent.state}`}`;
}

/**
 * What the page says when the agent answers only turns that start with its name (its
 * `voice_agent.reply_policy` is 'addressed'); undefined otherwise, or without an agent.
 */
export function addressHint(
  agent: AgentView | undefined,
  replyPolicy: string | undefined,
): string | undefined {
  if (!agent || replyPolicy !== 'addressed') return undefined;
  return `With others here, start with “${agent.name}, …”`;
}
