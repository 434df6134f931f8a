import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EOT_CATEGORIES } from '@voice-agent/agent/test/eot-cases';
import { drawEot, eotParts, eotPhrases, eotReply, EOT_REPLY } from './eot.js';
import { HALF_REPLY, REST_REPLY, UNKNOWN_REPLY } from './script.js';

const user = (content: string) => [{ role: 'user' as const, content }];

describe('eot scenario: the sentences drawn and the fixture replies', () => {
  it('draws REPORT sentences one category after another, the same on every run', () => {
    const draw = drawEot({ cuts: EOT_CATEGORIES.length, ends: 3 });
    assert.deepEqual(
      draw.cuts.map((c) => c.category),
      [...EOT_CATEGORIES],
    );
    assert.ok(draw.cuts.every((c) => c.split === 'report' && !c.trueEnd && c.after));
    assert.ok(draw.ends.every((c) => c.split === 'report' && c.trueEnd));
    assert.deepEqual(drawEot({ cuts: 11, ends: 3 }), draw);
  });

  it('covers every REPORT sentence in the full run, and repeats past the end', () => {
    const draw = drawEot({ cuts: 55, ends: 55 });
    assert.equal(new Set(draw.cuts.map((c) => c.sentence)).size, 55);
    assert.equal(new Set(draw.ends.map((c) => c.sentence)).size, 55);
    assert.equal(drawEot({ cuts: 56, ends: 0 }).cuts[55], draw.cuts[0]);
  });

  it('answers the whole sentence, and tells a first part or a rest alone apart', () => {
    const draw = drawEot({ cuts: 2, ends: 1 });
    const cut = draw.cuts[0]!;
    const reply = eotReply(draw);
    assert.equal(reply(user(`Ana: ${cut.sentence}`)), EOT_REPLY);
    assert.equal(reply(user(cut.before)), HALF_REPLY);
    assert.equal(reply(user(cut.after)), REST_REPLY);
    assert.equal(reply(user(draw.ends[0]!.sentence)), EOT_REPLY);
    assert.equal(reply(user('something else entirely')), UNKNOWN_REPLY);
    assert.ok(eotPhrases(draw).includes(cut.sentence) && eotParts(draw).includes(cut.before));
  });
});
