/**
 * Personal data in what people say or type: found and replaced by its kind ("[phone]"), so a
 * transcript can go to a log (AGENT_REDACT=logs) or to the LLM and its summary (=llm) without
 * it. Transcripts come as STTs write them, so each kind is matched both in its written form and
 * in the forms speech takes (digits in groups, "john dot smith at gmail dot com").
 *
 * The kinds, in the order they are looked for (a span taken by one is not looked at again):
 *  1. email: an address, written or spoken ("at" ... "dot" and a known top-level domain).
 *  2. iban: a country code, two check digits and the account, whose length and mod-97 checksum
 *     are right for that country (ibantools); the words after it are not part of it.
 *  3. card: 13-19 digits, in groups or not (or said as words), that pass the Luhn check and
 *     start as a card network's numbers do (2-6); a Luhn-valid order number starting 1, 7, 8 or
 *     9 is left.
 *  4. ssn: a US social security number, AAA-GG-SSSS with valid parts (no 000, 666 or 9xx area,
 *     no 00 group, no 0000 serial); nine bare digits only right after "social security" or SSN.
 *  5. phone: a number that is a valid phone number for its country (libphonenumber-js with full
 *     metadata; without a +country code, US numbers), so years, prices, times and room numbers
 *     are not phone numbers.
 */
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import { findNumbers } from 'libphonenumber-js/max';

export type PiiKind = 'email' | 'card' | 'iban' | 'ssn' | 'phone';

export interface PiiSpan {
  kind: PiiKind;
  start: number;
  end: number;
}

const TLDS = 'com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|ca|au|us|info|me|ai|app|dev';
/** Mail providers: "<name> at gmail dot com" is an address whatever comes before it. */
const MAIL_PROVIDERS =
  /^(?:gmail|googlemail|yahoo|outlook|hotmail|live|icloud|me|aol|proton|protonmail|gmx|mail|zoho|fastmail)\b/i;
/** Words before a spoken address that say one is coming. */
const EMAIL_CUE = /\b(?:e-?mail|address|reach|contact|write|send|mail)\b/i;
/** Spoken separators within a name ("tom underscore lee"), and the written ones. */
const NAME_SEPARATOR = String.raw`(?: (?:dot|underscore|dash|hyphen) |[._-])`;

const WRITTEN_EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.[\p{L}]{2,}/gu;
const SPOKEN_EMAIL = new RegExp(
  String.raw`\b(?<name>[\p{L}\p{N}]+(?:${NAME_SEPARATOR}[\p{L}\p{N}]+)*) at (?<domain>[\p{L}\p{N}-]+(?: dot [\p{L}\p{N}-]+)*(?: dot |\.)(?:${TLDS}))\b`,
  'giu',
);
/** Digits in groups of any size, separated by one space, hyphen or dot. */
const DIGIT_RUN = /(?<![\p{N}.,])\d(?:[ .-]?\d){12,22}(?![\p{N}])/gu;
const DIGIT_WORDS = 'zero|oh|one|two|three|four|five|six|seven|eight|nine';
/** Seven or more digits said as words ("four one five, five five five ..."). */
const SPOKEN_DIGITS = new RegExp(
  String.raw`\b(?:${DIGIT_WORDS})(?:[ ,-]+(?:${DIGIT_WORDS})){6,}\b`,
  'gi',
);
const DIGIT_OF: Record<string, string> = {
  zero: '0',
  oh: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
/** A country code and check digits, then groups of letters and digits (read further below). */
const IBAN = /\b[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]+){1,9}/g;
const SSN_GROUPED = /(?<![\p{N}-])(?!000|666|9)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?![\p{N}-])/gu;
const SSN_BARE = /(?<![\p{N}])(?!000|666|9)\d{3}(?!00)\d{2}(?!0000)\d{4}(?![\p{N}])/gu;
/** Words before nine bare digits that make them a social security number. */
const SSN_CUE = /\b(?:social security(?: number)?|social|ssn)\b\W{0,3}(?:is\W{1,3})?$/i;

/** Every piece of personal data in `text`, by position, none overlapping. */
export function findPii(text: string): PiiSpan[] {
  const found: PiiSpan[] = [];
  const take = (kind: PiiKind, start: number, end: number) => {
    if (found.every((s) => end <= s.start || start >= s.end)) found.push({ kind, start, end });
  };

  for (const m of text.matchAll(WRITTEN_EMAIL)) take('email', m.index, m.index + m[0].length);
  for (const m of text.matchAll(SPOKEN_EMAIL)) {
    if (isSpokenEmail(m.groups!.name!, m.groups!.domain!, text.slice(0, m.index))) {
      take('email', m.index, m.index + m[0].length);
    }
  }
  for (const m of text.matchAll(IBAN)) {
    const length = ibanWithin(m[0]);
    if (length) take('iban', m.index, m.index + length);
  }
  for (const m of text.matchAll(DIGIT_RUN)) {
    const span = cardWithin(m[0]);
    if (span) take('card', m.index + span.start, m.index + span.end);
  }
  for (const m of text.matchAll(SPOKEN_DIGITS)) {
    const kind = kindOfDigits(spokenDigits(m[0]), text.slice(0, m.index));
    if (kind) take(kind, m.index, m.index + m[0].length);
  }
  for (const m of text.matchAll(SSN_GROUPED)) take('ssn', m.index, m.index + m[0].length);
  for (const m of text.matchAll(SSN_BARE)) {
    if (SSN_CUE.test(text.slice(0, m.index))) take('ssn', m.index, m.index + m[0].length);
  }
  for (const n of findNumbers(text, { defaultCountry: 'US', v2: true })) {
    if (n.number.isValid()) take('phone', n.startsAt, n.endsAt);
  }
  return found.sort((a, b) => a.start - b.start);
}

/** `text` with each piece of personal data replaced by its kind in brackets ("[email]"). */
export function redactPii(text: string): string {
  let out = '';
  let at = 0;
  for (const span of findPii(text)) {
    out += `${text.slice(at, span.start)}[${span.kind}]`;
    at = span.end;
  }
  return out + text.slice(at);
}

/**
 * The length of the IBAN a candidate starts with, if it is one: the longest run of its groups
 * that passes the country's length and checksum ("BE68 5390 0754 7034 is the..." stops before
 * "is").
 */
function ibanWithin(candidate: string): number | undefined {
  const ends = [...candidate.matchAll(/[A-Za-z0-9]+/g)].map((g) => g.index + g[0].length);
  for (const end of ends.reverse()) {
    const iban = electronicFormatIBAN(candidate.slice(0, end).toUpperCase());
    if (iban && isValidIBAN(iban)) return end;
  }
  return undefined;
}

/**
 * The card number in a run of digits, if there is one: the whole run, or (when the run is a
 * card number with more digits spoken around it) the longest Luhn-valid stretch of 13-19 digits
 * that starts and ends on a group boundary.
 */
function cardWithin(run: string): { start: number; end: number } | undefined {
  const groups = [...run.matchAll(/\d+/g)];
  let best: { start: number; end: number; digits: number } | undefined;
  for (let i = 0; i < groups.length; i++) {
    let digits = '';
    for (let j = i; j < groups.length; j++) {
      digits += groups[j]![0];
      if (digits.length > 19) break;
      if (digits.length < 13 || !isCardNumber(digits)) continue;
      if (!best || digits.length > best.digits) {
        const start = groups[i]!.index;
        best = { start, end: groups[j]!.index + groups[j]![0].length, digits: digits.length };
      }
    }
  }
  return best;
}

/**
 * "<name> at <domain>" is an address when the domain is a mail provider's, when the words before
 * it say an address is coming, or when the name is built like one ("ana dot lopez"): "I looked
 * at amazon dot com" is not.
 */
function isSpokenEmail(name: string, domain: string, before: string): boolean {
  return (
    MAIL_PROVIDERS.test(domain) ||
    EMAIL_CUE.test(before.slice(-40)) ||
    new RegExp(NAME_SEPARATOR).test(name)
  );
}

function spokenDigits(words: string): string {
  return [...words.toLowerCase().matchAll(new RegExp(String.raw`\b(?:${DIGIT_WORDS})\b`, 'g'))]
    .map((m) => DIGIT_OF[m[0]])
    .join('');
}

/** What a number said as words is: a card, a social security number, a phone, or nothing. */
function kindOfDigits(digits: string, before: string): PiiKind | undefined {
  if (digits.length >= 13 && digits.length <= 19 && isCardNumber(digits)) return 'card';
  if (digits.length === 9 && SSN_CUE.test(before)) return 'ssn';
  const phone = findNumbers(digits, { defaultCountry: 'US', v2: true })[0];
  if (phone?.number.isValid() && phone.startsAt === 0 && phone.endsAt === digits.length) {
    return 'phone';
  }
  return undefined;
}

function isCardNumber(digits: string): boolean {
  return /^[2-6]/.test(digits) && luhn(digits);
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
