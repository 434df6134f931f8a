import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from './config.js';
import { personaFor, personaMetadata, readPersonasFile } from './personas.js';

const dir = mkdtempSync(join(tmpdir(), 'personas-'));
function file(content: unknown): string {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function messagesOf(path: string): string[] {
  try {
    readPersonasFile(path);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.ok(err.issues.every((i) => i.variable === 'AGENT_PERSONAS_FILE'));
    return err.issues.map((i) => i.message);
  }
  assert.fail('expected a ConfigError');
}

const GUIDE = { name: 'guide', instructions: 'You are a museum guide.' };
const CHEF = {
  name: 'chef',
  instructions: 'You are a chef.',
  voice: 'onyx',
  greeting: 'Hi {name}!',
};

describe('the personas file', () => {
  it('reads the personas; the default is the one named, else the first', () => {
    const named = readPersonasFile(file({ default: 'chef', personas: [GUIDE, CHEF] }));
    assert.equal(named.default.name, 'chef');
    assert.equal(named.get('chef')?.voice, 'onyx');
    assert.equal(readPersonasFile(file({ personas: [GUIDE, CHEF] })).default.name, 'guide');
  });

  it('a missing file, or one that is not JSON, is refused naming the path', () => {
    assert.match(messagesOf(join(dir, 'nope.json'))[0]!, /cannot read .*nope\.json \(ENOENT\)/);
    assert.match(messagesOf(file('{ "personas": ['))[0]!, /is not JSON/);
  });

  it('bad fields are refused by their path, all at once', () => {
    const messages = messagesOf(
      file({
        default: 'pirate',
        personas: [
          { name: 'Guide One', instructions: 'x' },
          { name: 'chef', instructions: '   ' },
          { ...CHEF, mood: 'cheerful' },
        ],
      }),
    );
    assert.ok(messages.some((m) => /personas\.0\.name: expected 1 to 40 lower-case/.test(m)));
    assert.ok(messages.some((m) => /personas\.1\.instructions: expected non-empty/.test(m)));
    assert.ok(messages.some((m) => /personas\.2: .*mood/.test(m)));
  });

  it('a name twice, an unknown default and an empty list are refused', () => {
    assert.match(messagesOf(file({ personas: [GUIDE, GUIDE] })).join(), /"guide" twice/);
    assert.match(
      messagesOf(file({ default: 'pirate', personas: [GUIDE] })).join(),
      /default: expected one of the personas' names \(guide\)/,
    );
    assert.match(messagesOf(file({ personas: [] })).join(), /at least one persona/);
  });
});

describe("a room's persona", () => {
  const personas = readPersonasFile(file({ personas: [GUIDE, CHEF] }));

  it("is the dispatch's, then the room metadata's, then the default", () => {
    const chef = personaMetadata('chef');
    const guide = personaMetadata('guide');
    assert.equal(personaFor(personas, chef, guide).persona.name, 'chef');
    assert.equal(personaFor(personas, '', chef).persona.name, 'chef');
    assert.equal(personaFor(personas, undefined, undefined).persona.name, 'guide');
  });

  it('an unknown name gets the default, and says which name was asked for', () => {
    assert.deepEqual(personaFor(personas, personaMetadata('pirate'), undefined), {
      persona: personas.default,
      unknown: 'pirate',
    });
  });

  it('metadata for something else, or not a name, is not a persona', () => {
    for (const metadata of ['plain text', '{"topic":"x"}', '{"persona":"Be evil."}', '[1]']) {
      assert.deepEqual(personaFor(personas, metadata, undefined), { persona: personas.default });
    }
  });
});
