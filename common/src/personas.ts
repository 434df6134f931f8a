/**
 * Personas: who the agent is in a room (instructions, voice, greeting, display name). The
 * operator lists them in a JSON file (AGENT_PERSONAS_FILE), read by the agent and by the web
 * app's token route; a visitor picks one by name from the page, and the token route puts that
 * name, checked against the file, in the room's agent dispatch. Free text a visitor types never
 * becomes instructions.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config.js';

/** A persona's name: what the page offers and the dispatch carries. */
export const PERSONA_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export const personaSchema = z.strictObject({
  name: z.string().regex(PERSONA_NAME, 'expected 1 to 40 lower-case letters, digits, "_" or "-"'),
  /** The system prompt for every request in the room. */
  instructions: z
    .string()
    .trim()
    .min(1, 'expected non-empty instructions')
    .max(8000, 'expected at most 8000 characters'),
  /** The TTS voice (OpenAI voice name, or the Aura model with Deepgram); default TTS_VOICE. */
  voice: z.string().trim().min(1).max(100).optional(),
  /** Said to each person who joins; `{name}` is their name. Default AGENT_GREETING. */
  greeting: z.string().trim().min(1).max(300).optional(),
  /** How the agent is named in the room and addressed by people; default AGENT_DISPLAY_NAME. */
  displayName: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/\p{L}/u, 'expected a name with at least one letter (people call the agent by it)')
    .optional(),
});
export type Persona = z.infer<typeof personaSchema>;

export const personasFileSchema = z
  .strictObject({
    /** The persona of a room whose dispatch names none. Default: the first. */
    default: z.string().optional(),
    personas: z.array(personaSchema).min(1, 'expected at least one persona'),
  })
  .superRefine((file, ctx) => {
    const names = file.personas.map((p) => p.name);
    for (const [i, name] of names.entries()) {
      if (names.indexOf(name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['personas', i, 'name'], message: `"${name}" twice` });
      }
    }
    if (file.default !== undefined && !names.includes(file.default)) {
      ctx.addIssue({
        code: 'custom',
        path: ['default'],
        message: `expected one of the personas' names (${names.join(', ')})`,
      });
    }
  });

/** The personas a deployment offers, and the one a room gets by default. */
export interface Personas {
  readonly list: readonly Persona[];
  readonly default: Persona;
  /** The persona of that name, if there is one. */
  get(name: string): Persona | undefined;
}

export function personasOf(list: readonly Persona[], defaultName?: string): Personas {
  const byName = new Map(list.map((p) => [p.name, p]));
  return {
    list,
    default: (defaultName && byName.get(defaultName)) || list[0]!,
    get: (name) => byName.get(name),
  };
}

/**
 * Reads and checks a personas file. Throws a ConfigError naming `variable` and saying what is
 * wrong (unreadable, not JSON, or each bad field by its path).
 */
export function readPersonasFile(path: string, variable = 'AGENT_PERSONAS_FILE'): Personas {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError([{ variable, message: `cannot read ${path} (${code})` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([
      { variable, message: `${path} is not JSON: ${(err as Error).message}` },
    ]);
  }
  const parsed = personasFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable,
        message: `${path}: ${issue.path.map(String).join('.') || '(file)'}: ${issue.message}`,
      })),
    );
  }
  return personasOf(parsed.data.personas, parsed.data.default);
}

/** The key of the dispatch (or room) metadata JSON that names a room's persona. */
export const PERSONA_METADATA_KEY = 'persona';

/** Dispatch or room metadata naming a persona: `{"persona":"<name>"}`. */
export function personaMetadata(name: string): string {
  return JSON.stringify({ [PERSONA_METADATA_KEY]: name });
}

/** The persona name in dispatch or room metadata, if it names one (anything else: undefined). */
export function personaNameIn(metadata: string | undefined): string | undefined {
  if (!metadata) return undefined;
  try {
    const value: unknown = JSON.parse(metadata);
    if (value && typeof value === 'object' && PERSONA_METADATA_KEY in value) {
      const name = (value as Record<string, unknown>)[PERSONA_METADATA_KEY];
      return typeof name === 'string' && PERSONA_NAME.test(name) ? name : undefined;
    }
  } catch {
    // Not JSON: metadata for something else.
  }
  return undefined;
}

/**
 * The persona a room gets: the one its dispatch metadata names, else its room metadata's, else
 * the default. `unknown` is a name asked for that the file does not have (the default is used).
 */
export function personaFor(
  personas: Personas,
  dispatchMetadata: string | undefined,
  roomMetadata: string | undefined,
): { persona: Persona; unknown?: string } {
  const asked = personaNameIn(dispatchMetadata) ?? personaNameIn(roomMetadata);
  if (asked === undefined) return { persona: personas.default };
  const persona = personas.get(asked);
  return persona ? { persona } : { persona: personas.default, unknown: asked };
}
