import { errorFields, type Logger } from '../../log.js';
import { nameOf, type RoomPerson } from '../../room/person.js';
import { chunksOf } from './chunker.js';
import type { PreparedVoice } from './prepared_voice.js';

/**
 * Something that says a text aloud and resolves when it has been played (or abandoned). With
 * `heard`, the speech is prepared at once but played only once `heard` resolves. With `wanted`,
 * it is dropped if `wanted()` is false once it may be said (the floor is free).
 */
export type Say = (text: string, heard?: Promise<void>, wanted?: () => boolean) => Promise<void>;

/**
 * Greets each person once, by name, one greeting at a time in the order people became ready.
 * A person who leaves before their turn, or before the floor is free for their greeting, is
 * skipped (and greeted if they come back).
 */
export class Greeter {
  readonly #template: string;
  readonly #say: Say;
  readonly #note: () => string;
  readonly #greeted: Set<string>;
  readonly #present = new Set<string>();
  #queue: Promise<void> = Promise.resolve();

  /**
   * `note` gives words to add to a greeting as it is said (e.g. how to address the agent);
   * `greeted` is who has been greeted in the room already (kept across the room's jobs).
   */
  constructor(
    template: string,
    say: Say,
    note: () => string = () => '',
    greeted = new Set<string>(),
  ) {
    this.#template = template;
    this.#say = say;
    this.#note = note;
    this.#greeted = greeted;
  }

  /** The greeting for `name`: the template with `{name}` replaced. */
  textFor(name: string): string {
    return this.#template.replaceAll('{name}', name);
  }

  /** Whether `identity` has been greeted (or their greeting is queued). */
  hasGreeted(identity: string): boolean {
    return this.#greeted.has(identity);
  }

  arrived(identity: string): void {
    this.#present.add(identity);
  }

  left(identity: string): void {
    this.#present.delete(identity);
  }

  /**
   * Queues a greeting; a second call is ignored. Only people who {@link arrived} and have not
   * {@link left} by their turn are greeted. With `heard`, the greeting is prepared at once and
   * played when `heard` resolves (someone can hear the agent's voice).
   */
  greet(identity: string, name: string, heard?: Promise<void>): Promise<void> {
    if (this.#greeted.has(identity)) return this.#queue;
    this.#greeted.add(identity);
    this.#queue = this.#queue.then(async () => {
      // Asked again once the floor is free (say calls it then): a greeting can wait out a long
      // reply, and the person may have left meanwhile (a quick join and leave while it speaks).
      let wanted = true;
      const stillHere = () => (wanted = this.#present.has(identity));
      if (stillHere()) await this.#say(this.textFor(name) + this.#note(), heard, stillHere);
      // Not greeted after all: greeted when they come back.
      if (!wanted) this.#greeted.delete(identity);
    });
    return this.#queue;
  }

  /** Resolves when every queued greeting is done. */
  idle(): Promise<void> {
    return this.#queue;
  }
}

/**
 * Greets `person` once someone can hear the agent's voice, or after `whenHeard` gives up: the
 * greeting is synthesised meanwhile.
 */
export function greetWhenHeard(
  greeter: Greeter,
  person: RoomPerson,
  whenHeard: Promise<void>,
  log: Logger,
): void {
  greeter.arrived(person.identity);
  const waitFrom = performance.now();
  const heard = whenHeard.then(() =>
    log.debug(
      { participant: person.identity, waitedMs: Math.round(performance.now() - waitFrom) },
      'agent voice has a listener',
    ),
  );
  void greeter.greet(person.identity, person.name, heard);
}

/** Longest a greeting synthesised ahead waits to be asked for before it is dropped. */
const PREPARED_GREETING_KEEP_MS = 10_000;
/** Greetings synthesised ahead at most: the first ones greeted; the rest wait their turn anyway. */
const PREPARED_GREETINGS = 3;

/**
 * Synthesises the first words of each greeting for the people already in the room while the
 * agent joins it (join and synthesis each take 120-250 ms; one after the other before).
 */
export async function prepareGreetings(
  people: Promise<RoomPerson[]>,
  greeter: Greeter,
  voice: PreparedVoice,
  log: Logger,
): Promise<void> {
  const askedAt = performance.now();
  try {
    const present = (await people)
      .filter((p) => !greeter.hasGreeted(p.identity))
      .slice(0, PREPARED_GREETINGS);
    for (const p of present) {
      const first = chunksOf(greeter.textFor(nameOf(p)))[0];
      if (first) voice.prepare(first, PREPARED_GREETING_KEEP_MS);
    }
    log.debug(
      { people: present.length, lookupMs: Math.round(performance.now() - askedAt) },
      'greetings prepared while joining',
    );
  } catch (err) {
    log.debug({ err: errorFields(err) }, 'people in the room unknown before joining');
  }
}
