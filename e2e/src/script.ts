/** What the simulated people say and what the LLM fixture answers, shared by tests and benches. */

/** A reply long enough to interrupt anywhere in its first seconds (about 11 s of speech). */
export const STORY =
  'Once upon a time, in a small village by the sea, there lived an old fisherman. ' +
  'Every morning he rowed his little boat out past the rocks, singing to the gulls. ' +
  'One day he caught a fish that could talk, and it promised him three wishes.';

/** Lower case, letters and spaces only: how recognised phrases are compared. */
export const normalise = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .trim();

/**
 * The fixture's LLM: the scripted answer to the last user message (`Name: question`), or
 * `fallback` for a question it does not know.
 */
export function scriptedReply(
  answers: Record<string, string>,
  fallback = 'I did not catch that.',
): (messages: { role: string; content: string }[]) => string {
  return (messages) => {
    const last = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    return answers[normalise(last.replace(/^[^:]+:\s*/, ''))] ?? fallback;
  };
}
