/**
 * Telling people how to address the agent once it answers only when named. Rules:
 *
 * 1. The room's policy (`always` or `addressed`, see reply_policy.ts `effectivePolicy`) is
 *    published whenever the number of humans changes it, and once at the start; front ends read
 *    it to show "With others here, start with “Sam, …”".
 * 2. The first greeting said while the policy is `addressed` ends with a spoken note saying so
 *    (usually the greeting of the second person); no later greeting repeats it.
 *
 * Pure apart from `publish`: the caller says how many humans are in the room.
 */
import { effectivePolicy, type ReplyPolicy, type ReplyPolicySetting } from './reply_policy.js';

/** What the agent says after a greeting when it starts answering only when named. */
export function addressingNote(agentName: string): string {
  return ` With others here, I answer when you start with my name, ${agentName}.`;
}

export class AddressingNotice {
  readonly #setting: ReplyPolicySetting;
  readonly #note: string;
  readonly #publish: (policy: ReplyPolicy) => void;
  #published: ReplyPolicy | undefined;
  #told = false;

  constructor(opts: {
    setting: ReplyPolicySetting;
    agentName: string;
    publish: (policy: ReplyPolicy) => void;
  }) {
    this.#setting = opts.setting;
    this.#note = addressingNote(opts.agentName);
    this.#publish = opts.publish;
  }

  /** Rule 1: the room now has `humans` humans. */
  humansChanged(humans: number): void {
    const policy = effectivePolicy(this.#setting, humans);
    if (policy === this.#published) return;
    this.#published = policy;
    this.#publish(policy);
  }

  /** Rule 2: the text to add to a greeting said now, with `humans` humans in the room ('' if none). */
  greetingNote(humans: number): string {
    if (this.#told || effectivePolicy(this.#setting, humans) !== 'addressed') return '';
    this.#told = true;
    return this.#note;
  }
}
