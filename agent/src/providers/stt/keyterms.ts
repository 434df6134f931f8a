/**
 * OpenAI's transcription models take no word list, only a `prompt`: text the audio is taken to
 * follow. A short sentence naming the terms makes them likelier spellings without asking for
 * anything the speaker did not say.
 */
export function keytermPrompt(keyterms: readonly string[] | undefined): string | undefined {
  if (!keyterms || keyterms.length === 0) return undefined;
  return `Terms that may come up: ${keyterms.join(', ')}.`;
}
