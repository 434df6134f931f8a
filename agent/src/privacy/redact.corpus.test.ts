import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PII_CASES, type PiiCase, type PiiSplit } from '../../test/pii_cases.js';
import { findPii, redactPii, type PiiSpan } from './redact.js';

/**
 * The redaction corpus (test/pii_cases.ts). A marked piece is found when a span of its kind
 * starts and ends within two characters of it (a comma or a full stop either side); a span that
 * is not such a match is a false positive, whether the string has marks or not.
 */
interface Score {
  items: number;
  found: number;
  spans: number;
  correct: number;
  misses: string[];
}

const NEAR = 2;
const matches = (s: PiiSpan, p: PiiCase['pii'][number]) =>
  s.kind === p.kind && Math.abs(s.start - p.start) <= NEAR && Math.abs(s.end - p.end) <= NEAR;

function score(cases: readonly PiiCase[]): Score {
  const t: Score = { items: 0, found: 0, spans: 0, correct: 0, misses: [] };
  for (const c of cases) {
    const spans = findPii(c.text);
    t.items += c.pii.length;
    t.spans += spans.length;
    for (const p of c.pii) {
      if (spans.some((s) => matches(s, p))) t.found++;
      else t.misses.push(`missed ${p.kind}: "${c.text}"`);
    }
    for (const s of spans) {
      if (c.pii.some((p) => matches(s, p))) t.correct++;
      else t.misses.push(`false ${s.kind} "${c.text.slice(s.start, s.end)}" in "${c.text}"`);
    }
  }
  return t;
}

const ratio = (n: number, d: number) => (d ? (n / d).toFixed(3) : '-');

function table(split: PiiSplit): Score {
  const cases = PII_CASES.filter((c) => c.split === split);
  const categories = [...new Set(cases.map((c) => c.category))];
  const lines = categories.map((category) => {
    const inCategory = cases.filter((c) => c.category === category);
    const t = score(inCategory);
    return (
      `  ${category.padEnd(28)} strings ${String(inCategory.length).padStart(3)}  ` +
      `recall ${`${t.found}/${t.items}`.padStart(6)}  false positives ${t.spans - t.correct}`
    );
  });
  const all = score(cases);
  console.log(
    `PII redaction, ${split.toUpperCase()} set: ${cases.length} strings ` +
      `(${cases.filter((c) => c.pii.length).length} with PII), ${all.items} pieces\n` +
      `${lines.join('\n')}\n` +
      `  precision ${ratio(all.correct, all.spans)} (${all.correct}/${all.spans})  ` +
      `recall ${ratio(all.found, all.items)} (${all.found}/${all.items})\n` +
      all.misses.map((m) => `    ${m}`).join('\n'),
  );
  return all;
}

describe('PII redaction on the labelled corpus', () => {
  it('has at least 100 strings with PII and 100 without, each split in two', () => {
    const positive = PII_CASES.filter((c) => c.pii.length > 0);
    const negative = PII_CASES.filter((c) => c.pii.length === 0);
    assert.ok(positive.length >= 100, `${positive.length} positive`);
    assert.ok(negative.length >= 100, `${negative.length} negative`);
    for (const set of [positive, negative]) {
      const report = set.filter((c) => c.split === 'report').length;
      assert.ok(report >= set.length * 0.4, `${report} of ${set.length} in REPORT`);
    }
  });

  it('finds at least 95% of the REPORT pieces with at least 95% precision', () => {
    const t = table('report');
    assert.ok(t.found / t.items >= 0.95, `recall ${t.found}/${t.items}`);
    assert.ok(t.correct / t.spans >= 0.95, `precision ${t.correct}/${t.spans}`);
  });

  it('prints the TUNE set (not asserted)', () => {
    table('tune');
  });
});

describe('redactPii', () => {
  it('replaces each piece by its kind and leaves the rest as it was', () => {
    assert.equal(
      redactPii('mail ana@example.com or call (415) 555-2671 at 3:45, room 4021'),
      'mail [email] or call [phone] at 3:45, room 4021',
    );
    assert.equal(
      redactPii('card 4141 0415 0133 2676, iban DE89 3704 0044 0532 0130 00, ssn 123-45-6789'),
      'card [card], iban [iban], ssn [ssn]',
    );
  });

  it('leaves a card number that fails the Luhn check', () => {
    assert.equal(redactPii('card 4141 0415 0133 2677'), 'card 4141 0415 0133 2677');
  });
});
