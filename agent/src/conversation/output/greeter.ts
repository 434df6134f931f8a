/**
 * Something that says a text aloud and resolves when it has been played (or abandoned). With
 * `heard`, the speech is prepared at once but played only once `heard` resolves.
 */
export type Say = (text: string, heard?: Promise<void>) => Promise<void>;

/**
 * Greets each person once, by name, one greeting at a time in the order people became ready.
 * A person who leaves before their turn is skipped.
 */
export class Greeter {
  readonly #template: string;
  readonly #say: Say;
  readonly #greeted = new Set<string>();
  readonly #present = new Set<string>();
  #queue: Promise<void> = Promise.resolve();

  constructor(template: string, say: Say) {
    this.#template = template;
    this.#say = say;
  }

  /** The greeting for `name`: the template with `{name}` replaced. */
  textFor(name: string): string {
    return this.#template.replaceAll('{name}', name);
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
      if (this.#present.has(identity)) await this.#say(this.textFor(name), heard);
    });
    return this.#queue;
  }

  /** Resolves when every queued greeting is done. */
  idle(): Promise<void> {
    return this.#queue;
  }
}
