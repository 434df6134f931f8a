import type { Logger } from '../../log.js';
import type { TurnPolicy, UserTurn } from '../conversation.js';
import { AddressTracker, effectivePolicy } from './reply_policy.js';
import type { Human, ReplyPolicySetting } from './reply_policy.js';

/**
 * The room's reply policy as the Conversation asks for it: who is in the room decides between
 * `always` and `addressed` (for `auto`), the AddressTracker decides each turn, and every
 * decision is logged with its reason.
 */
export function roomTurnPolicy(opts: {
  setting: ReplyPolicySetting;
  agentName: string;
  humans: () => Human[];
  log: Logger;
}): TurnPolicy {
  const tracker = new AddressTracker({ agentName: opts.agentName });
  const policy = (humans: Human[]) => effectivePolicy(opts.setting, humans.length);
  return {
    preview: ({ identity, text }) => {
      const humans = opts.humans();
      return tracker.preview(
        { speaker: identity, text, at: performance.now() },
        policy(humans),
        humans,
      ).reply;
    },
    decide: (turn: UserTurn) => {
      const humans = opts.humans();
      const mode = policy(humans);
      const d = tracker.decide(
        { speaker: turn.identity, text: turn.text, at: turn.endedAt },
        mode,
        humans,
      );
      opts.log.info(
        { participant: turn.identity, policy: mode, reply: d.reply, reason: d.reason },
        'reply decision',
      );
      // The words behind it only at debug: transcripts do not belong in production logs.
      opts.log.debug({ participant: turn.identity, text: turn.text }, 'reply decision words');
      return d.reply;
    },
    replied: (to) => tracker.agentReplied(to, performance.now()),
  };
}
