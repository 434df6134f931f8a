/**
 * A labelled corpus for the PII redaction (agent/src/privacy/redact.ts), written for this
 * project: sentences as people say them and STTs write them (digits in groups, numbers spoken as
 * words, lower case, no punctuation) and as people type them in chat. Each piece of personal data
 * is marked inline as {kind:value}; a negative case has no marks and holds what is easily taken
 * for personal data: times, prices, years, dates, room names, order and tracking numbers, Luhn
 * failures, websites, "at" in ordinary speech.
 *
 * Within each category, cases alternate between TUNE (the ones looked at while the rules were
 * adjusted) and REPORT (the figures given: precision and recall, and the test's bounds).
 * All card numbers, IBANs and phone numbers here are made up; the card numbers pass the Luhn
 * check, the IBANs their checksum.
 */
import type { PiiKind } from '../src/privacy/redact.js';

export type PiiSplit = 'tune' | 'report';

export interface PiiCase {
  category: string;
  split: PiiSplit;
  /** The text without marks. */
  text: string;
  /** The marked pieces, by position in `text`. */
  pii: { kind: PiiKind; start: number; end: number }[];
}

const POSITIVE: Record<string, string[]> = {
  'email written': [
    'my email is {email:ana.lopez@example.com} if you need it',
    'send it to {email:j.smith42@mailbox.org} please',
    'You can reach me at {email:priya_k@company.co.uk}.',
    'it is {email:tom+newsletter@gmail.com}',
    'Contact: {email:support-team@acme-widgets.io}',
    'cc {email:Maria.Garcia@Hospital.ES} and me',
    'write to {email:li.wei@uni-heidelberg.de} about the form',
    'her address is {email:o.brien@post.ie} I think',
    '{email:noah1999@yahoo.com} is my old one',
    'I typed {email:kim.lee@outlook.com}, is that right?',
    'the invoice went to {email:billing@northwind.net}',
    'use {email:d.okafor@mail.ng.com} for the documents',
  ],
  'email spoken': [
    'my email is {email:ana dot lopez at example dot com}',
    "it's {email:johnsmith at gmail dot com}",
    'you can email me at {email:priya at company dot co dot uk}',
    'send the file to {email:tom underscore lee at yahoo dot com}',
    'my address is {email:mgarcia at hospital dot org}',
    'just write to {email:noah at outlook dot com} and he will answer',
    'reach out to {email:support at acme dot io} for that',
    'the email was {email:kim.lee at icloud dot com}',
    'contact {email:liwei at proton dot me}',
    'email {email:billing at northwind dot net} with the order',
    'it is {email:d dash okafor at mail dot com}',
    'Her email is {email:SaraJones at hotmail dot com}.',
  ],
  'card grouped': [
    'my card number is {card:4141 0415 0133 2676}',
    'the card is {card:5147 1961 3559 4934} expiring next year',
    'Card: {card:2221-2798-7672-1548}',
    'it is {card:3440 534795 80593}, the amex',
    'use {card:6011 4487 8037 8050} for the deposit',
    'um {card:4090 1745 8487 8108} and the code is on the back',
    'card number {card:3526-0879-3516-4521}',
    'ok so {card:5252 6308 4839 3912} that one',
    'the visa is {card:4951 1748 6960 2700}',
    'charge {card:3758 842584 24567} please',
  ],
  'card bare': [
    'card {card:4180181975113806} exp 04 28',
    'my number is {card:5327892272190708}',
    'I have {card:6561424875742835} here',
    'its {card:4693497960169} the old visa',
    'try {card:372652661996726}',
    'the long one {card:4422223762401956345}',
    'pay with {card:36433855610110}',
    'card ending... actually the whole thing is {card:4559715984758722}',
    'number {card:6011039620617474}',
    'again {card:5551477319743292}',
  ],
  'card spoken': [
    'my card is {card:four one four one zero four one five zero one three three two six seven six}',
    'the number is {card:five one four seven one nine six one three five five nine four nine three four}',
    'ok {card:six zero one one four four eight seven eight zero three seven eight zero five zero}',
    'it is {card:four zero nine zero one seven four five eight four eight seven eight one zero eight}',
    'card {card:three seven two six five two six six one nine nine six seven two six}',
    'so {card:four nine five one one seven four eight six nine six zero two seven zero zero} right',
  ],
  iban: [
    'my IBAN is {iban:DE89 3704 0044 0532 0130 00}',
    'the account is {iban:GB82 WEST 1234 5698 7654 32}',
    'IBAN {iban:FR14 2004 1010 0505 0001 3M02 606}',
    'pay into {iban:NL91ABNA0417164300}',
    'transfer it to {iban:es91 2100 0418 4502 0005 1332}',
    'the iban is {iban:IT60 X054 2811 1010 0000 0123 456} thanks',
    '{iban:BE68 5390 0754 7034} is the club account',
    'send it to {iban:CH93 0076 2011 6238 5295 7}',
    'my austrian account {iban:AT61 1904 3002 3457 3201}',
    'IBAN: {iban:PL61109010140000071219812874}',
    'the swedish one is {iban:SE45 5000 0000 0583 9825 7466}',
    'use {iban:ie29 aibk 9311 5212 3456 78}',
    'account {iban:DE44 5001 0517 5407 3249 31} please',
    'it goes to {iban:NO93 8601 1117 947}',
  ],
  ssn: [
    'my social security number is {ssn:123-45-6789}',
    'SSN {ssn:219-09-9999}',
    'it is {ssn:078-05-1120}',
    'the ssn is {ssn:536 22 1234}',
    'social security {ssn:372 48 9016}',
    'my social is {ssn:401-73-2286}',
    'social security number {ssn:287659012}',
    'ssn: {ssn:604118392}',
    'for the form, {ssn:512-34-7788}',
    'his number is {ssn:233-61-4450} on the card',
  ],
  'phone us': [
    'call me at {phone:(415) 555-2671}',
    'my number is {phone:212-555-0198}',
    'it is {phone:617.555.0142}',
    'text {phone:6175550142} when you land',
    'the office is {phone:1-800-555-0199}',
    'reach me on {phone:303 555 0117}',
    'my cell {phone:(646) 555-3890}',
    'call {phone:+1 (312) 555-0176} after five',
    'the number is {phone:415 555 2671} ok',
    'her phone {phone:720-555-0134}',
    'you can call {phone:(202) 555-0183} anytime',
    'my work line is {phone:+1 212 555 0198}',
  ],
  'phone international': [
    'my uk number is {phone:+44 20 7946 0958}',
    'call berlin on {phone:+49 30 901820}',
    'the paris office {phone:+33 1 42 68 53 00}',
    'sydney is {phone:+61 2 9374 4000}',
    'madrid {phone:+34 912 345 678}',
    'my mobile {phone:+44 7700 900123}',
    'the hotel number is {phone:+39 06 6982 1234}',
    'call {phone:+81 3-3224-9999} in tokyo',
  ],
  'phone spoken': [
    'my number is {phone:four one five five five five two six seven one}',
    'call me on {phone:six one seven five five five zero one four two}',
    'it is {phone:two one two five five five zero one nine eight}',
    'the number is {phone:three zero three five five five zero one one seven} thanks',
    'text {phone:six four six five five five three eight nine zero}',
    'ok {phone:seven two zero five five five zero one three four}',
  ],
  'several kinds': [
    'email {email:ana@example.com} or call {phone:415-555-2671}',
    'card {card:4141 0415 0133 2676} and my ssn is {ssn:123-45-6789}',
    'IBAN {iban:DE89370400440532013000}, phone {phone:+49 30 901820}',
    '{email:kim.lee@outlook.com} / {phone:(646) 555-3890}',
  ],
};

const NEGATIVE: Record<string, string[]> = {
  times: [
    'the meeting is at 3:45 tomorrow',
    "let's say 10:30 pm",
    'the train leaves at 17:05 and arrives at 19:40',
    'we open from 9 to 5',
    'it took 2 hours 15 minutes',
    'the timer said 00:04:59',
    'at half past seven',
    'between 1400 and 1600 hours',
    'quarter to 12',
    'the clock showed 12:00:00',
  ],
  prices: [
    'it costs $1,299.99',
    'the total was 4,500 dollars',
    'about 12.50 euros each',
    'we raised $2,500,000 last year',
    'price is 19.99 plus tax',
    'the quote came to 13,450.75',
    'roughly 350 thousand',
    'a hundred and twenty five dollars',
    'rent is 1850 a month',
    'the car was 24999',
  ],
  'years and dates': [
    'I was born in 1987',
    'between 2024 and 2025',
    'on 12/25/2024',
    'the date is 2024-03-15',
    'back in the 1990s',
    'march 3rd 2023',
    'from 1914 to 1918',
    'the deadline is 01.07.2025',
    'in the year 2000',
    'it happened on 9 11 2001',
  ],
  'rooms and places': [
    'join room 4021',
    'the room is called ocean-7',
    'meet in building 12 room 305',
    'I am at gate B22',
    'flight UA 857 to Shanghai',
    'we stayed at the hilton on 5th avenue',
    'the zip code is 02139',
    'send it to 90210-1234',
    'route 66',
    'apartment 14B, 221 Baker Street',
  ],
  'order and reference numbers': [
    'order number 1718530816748443',
    'ticket 7201213377512083',
    'the tracking number is 1Z999AA10123456784',
    'reference 8260926115064333',
    'invoice 9302768077841847',
    'the booking code is XK4T9Q',
    'case 1573868020103',
    'confirmation 399847689581',
    'serial number SN-2023-0045-7781',
    'the part is 4141 0415 0133 2677',
  ],
  'versions and identifiers': [
    'version 2.14.3 fixed it',
    'the ISBN is 978-3-16-148410-0',
    'node 20.11.1',
    'the model is gpt-4o-mini',
    'error code 0x80070005',
    'ip 10.77.0.1',
    'see RFC 6455',
    'it is on channel 7',
    'the postcode is SW1A 1AA',
    'the vin is 1HGCM82633A004352',
  ],
  'quantities and measures': [
    'the population is 8,336,817',
    'about 40.7128, -74.0060',
    '7 times 8 is 56',
    'the score was 3 2',
    'it weighs 1500 grams',
    'we drove 1,234 miles',
    'the file is 4096 bytes',
    'a 27 inch screen',
    'it has 16 gigabytes',
    'one two three four testing',
  ],
  'at in speech': [
    'I looked at amazon dot com yesterday',
    'we met at the office',
    'look at this',
    'I bought it at target',
    'go to example dot com',
    'she works at google',
    'at the end of the day',
    'the site is wikipedia dot org',
    'check the weather at bbc dot co dot uk',
    'email is the best way to reach me',
  ],
  'numbers said as words': [
    'one two three four five six seven eight nine ten',
    'it was two thousand and nineteen',
    'table for four at seven thirty',
    'nine nine nine is the emergency number here',
    'the code is one one two two three',
    'seven seven seven flights leave at nine',
    'count down five four three two one zero',
    'three two one go',
    'room one oh four',
    'we need six or seven more chairs',
    'a score of four to one',
    'one oh one dalmatians',
  ],
  'chat text': [
    'ok see you at 7',
    'lol 100%',
    'the link is https://example.com/docs/2024/setup',
    '@ana can you check this',
    'my handle is @tom_lee on the forum',
    'Item #4521 is back in stock',
    'PO box 1234',
    'call of duty 4',
    'top 10 tips for 2025',
    '3 x 4 = 12',
  ],
  'ordinary speech': [
    'can you tell me a joke',
    'what is the capital of france',
    'my name is ana and I live in madrid',
    'I need to call my mother',
    'the number of people here is growing',
    'my phone is broken',
    'what is your email policy',
    'give me five minutes',
    'two plus two',
    'I have three kids aged 4 7 and 11',
  ],
};

/** Every case, parsed, each with its split. */
export const PII_CASES: readonly PiiCase[] = [
  ...Object.entries(POSITIVE).flatMap(([category, texts]) =>
    texts.map((marked, i) => parse(category, marked, i)),
  ),
  ...Object.entries(NEGATIVE).flatMap(([category, texts]) =>
    texts.map((marked, i) => parse(category, marked, i)),
  ),
];

function parse(category: string, marked: string, index: number): PiiCase {
  const pii: PiiCase['pii'] = [];
  let text = '';
  let at = 0;
  for (const m of marked.matchAll(/\{(email|card|iban|ssn|phone):([^}]*)\}/g)) {
    text += marked.slice(at, m.index);
    pii.push({ kind: m[1] as PiiKind, start: text.length, end: text.length + m[2]!.length });
    text += m[2];
    at = m.index + m[0].length;
  }
  text += marked.slice(at);
  return { category, split: index % 2 === 0 ? 'tune' : 'report', text, pii };
}
