/**
 * The tools of a conversation's replies (AGENT_TOOLS): what one reply needs to run them
 * (../tools/tool_rounds.ts), built for each reply by the conversation.
 */
import type { Logger } from '../../log.js';
import type { ToolRegistry } from '../tools/registry.js';
import type { ToolRound } from '../tools/round.js';
import type { ReplyTools } from '../tools/tool_rounds.js';
import type { FillerClip } from './filler.js';

export interface ToolSettings {
  registry: ToolRegistry;
  /** A tool still running this long after it started gets the filler (0: never). */
  fillerAfterMs: number;
  /** The filler clip (AGENT_FILLER); none: no filler for slow tools. */
  filler?: FillerClip | undefined;
}

/**
 * One reply's tools, or undefined when there are none. Its completed rounds are appended to
 * `rounds` (the conversation records them with the reply, once). `confirmed`: a reply prepared
 * for a draft turn (tools with side effects wait for it). The filler is said only when
 * `fillerWanted()` (no filler was said for this turn yet), and `onFiller` is told.
 */
export function replyTools(
  settings: ToolSettings | undefined,
  reply: {
    rounds: ToolRound[];
    confirmed?: Promise<boolean> | undefined;
    fillerWanted: () => boolean;
    onFiller: () => void;
    log?: Logger | undefined;
  },
): ReplyTools | undefined {
  if (!settings || settings.registry.names.length === 0) return undefined;
  const clip = settings.filler;
  return {
    registry: settings.registry,
    confirmed: reply.confirmed,
    onRound: (round) => reply.rounds.push(round),
    log: reply.log,
    ...(clip && settings.fillerAfterMs > 0
      ? {
          filler: {
            afterMs: settings.fillerAfterMs,
            segment: () => (reply.fillerWanted() ? clip.segment : undefined),
            onSaid: reply.onFiller,
          },
        }
      : {}),
  };
}
