/**
 * End-of-turn evaluation set: sentences written by hand, each cut where a person might pause
 * for 600-900 ms. A `|` marks a cut inside the sentence (the words before it are an unfinished
 * turn); a sentence without `|` is cut at its end (a true end). Per category, half the
 * sentences are cut mid-way on a word of that kind and half are true ends that finish on the
 * same kind of word ("I wanted to buy | a phone" and "That is the number I wanted to call.").
 *
 * Each cut is judged in the two forms STTs write it (`forms`): as a punctuating STT writes it
 * (Deepgram with punctuate=true, OpenAI), case kept and a period added at the pause of an
 * unfinished cut, since STTs close a segment at a pause; and lower case without punctuation.
 *
 * The split is fixed by position: within each category and kind, the 2nd and 4th of every five
 * sentences are REPORT, the rest TUNE (7 and 5 of 12). Rules are developed against TUNE; the
 * figures reported come from REPORT. Append new sentences at the end of a list so the split of
 * the others does not move.
 */

export const EOT_CATEGORIES = [
  'verb',
  'copula',
  'auxiliary',
  'possessive',
  'number',
  'preposition',
  'determiner',
  'conjunction',
  'subordinator',
  'relative',
  'filler',
] as const;
export type EotCategory = (typeof EOT_CATEGORIES)[number];

/** What each category's cuts end on (for tables). */
export const EOT_CATEGORY_NOTES: Record<EotCategory, string> = {
  verb: 'a verb waiting for its object',
  copula: 'a copula (is, was, will be)',
  auxiliary: 'an auxiliary or modal, or "to"',
  possessive: "a possessive (my, brother's)",
  number: 'a number in a list or a digit string',
  preposition: 'a preposition',
  determiner: 'an article or determiner',
  conjunction: 'a conjunction (and, or, but, so)',
  subordinator: 'a subordinator (because, if, when)',
  relative: 'a relative (the one that, the number I wanted to)',
  filler: 'a filler (um, uh, like, well, I mean)',
};

type Lists = Record<EotCategory, { cut: readonly string[]; end: readonly string[] }>;

const SENTENCES: Lists = {
  verb: {
    cut: [
      'I wanted to buy | a new phone for my son.',
      'Can you book | a table for two at seven?',
      'We need to find | a hotel near the airport.',
      'She told me to bring | my passport and a pen.',
      'I would like to order | the vegetarian pizza.',
      'Could you send | the invoice to my email?',
      'I forgot to mention | that the car is blue.',
      'Please remind | my husband about the meeting.',
      "I'm trying to reach | the customer service team.",
      'My daughter wants to visit | her grandmother on Sunday.',
      'I have to pay | the electricity bill today.',
      'Let me check | my calendar first.',
    ],
    end: [
      'That is the number I wanted to call.',
      'What do you want to eat?',
      "I don't know what to buy.",
      'This is the hotel we booked.',
      "I'll wait.",
      "The printer still doesn't work.",
      'Can you help?',
      "It's the song I used to love.",
      'Who did you invite?',
      'I completely agree.',
      'Tell me what you found.',
      'We should probably leave.',
    ],
  },
  copula: {
    cut: [
      "The problem is | that the door won't lock.",
      'My address is | twelve Baker Street.',
      'The best time to call is | after six.',
      'What I really need is | a quiet room.',
      "The reason I'm calling is | my order never arrived.",
      'Her name was | Maria, I think.',
      "Tomorrow's forecast is | rain all day.",
      'The only thing left to do is | pack the car.',
      'My biggest worry right now is | the cost.',
      'The question I have is | about the refund.',
      'The main entrance is | on the other side.',
      'Your appointment will be | at nine thirty.',
    ],
    end: [
      'I know who it is.',
      'Do you know where the keys are?',
      "That's just the way it is.",
      'Here you are.',
      'I wonder what time it is.',
      "I'm not sure how old she is.",
      'There it is.',
      'Tell me where you are.',
      "That's exactly what it was.",
      'I have no idea who they were.',
      'Do you know how far it is?',
      "I can't remember where it was.",
    ],
  },
  auxiliary: {
    cut: [
      'I think we should | leave before the rain starts.',
      'My brother will | pick me up at noon.',
      'You can | pay at the front desk.',
      'The package has | arrived already.',
      'We might | need a bigger car.',
      'Do you think they could | deliver it tomorrow?',
      'You need to | sign the form first.',
      'Our flight has been | delayed by two hours.',
      'Maybe you could | call me back later.',
      'I would | like to cancel my subscription.',
      'They must | have forgotten about us.',
      'We are going to | need more chairs.',
    ],
    end: [
      'Yes, I can.',
      "I don't think we should.",
      'I wish I could.',
      'Of course it does.',
      "I'm not sure I will.",
      "No, they haven't.",
      "I'd help if I could.",
      'Call me whenever you can.',
      'I really hope you will.',
      'I know you do.',
      'Yes, it has.',
      "I'd really love to.",
    ],
  },
  possessive: {
    cut: [
      "I borrowed my brother's | car for the weekend.",
      'Can you check on my | order from last week?',
      "We're staying at our | friends' place tonight.",
      'I need to update their | billing address.',
      'Is this your | bag on the seat?',
      "The restaurant's | kitchen closes at ten.",
      "I lost my sister's | phone number.",
      'Please send it to their | office instead.',
      'Did you see his | message this morning?',
      "I'd like to change our | reservation to Friday.",
      "The neighbour's | dog barked all night.",
      'Could you read me your | account number?',
    ],
    end: [
      "We stayed at my mother's.",
      'Is this one yours?',
      "The blue jacket is John's.",
      'That seat is mine.',
      "I think it's hers.",
      "We had dinner at Sarah's.",
      'The decision is theirs.',
      'Those boots are ours.',
      "I bought it at the baker's.",
      "Let's meet at Tom's.",
      'No, that one is his.',
      "It's not my fault, it's yours.",
    ],
  },
  number: {
    cut: [
      'My phone number is five five five two one | three four four seven.',
      'The winning numbers were four, eight, fifteen | and sixteen.',
      'I need rooms two, three | and five.',
      'The code is seven one | nine four.',
      'The flight numbers are 101, 205 | and 318.',
      'Please call me on 07700 900 | 123.',
      'Book it for the third, fourth | and fifth of May.',
      'My card number ends in four four | one two.',
      'We need sizes ten, twelve | and fourteen.',
      'Table numbers six, seven, eight | and nine are free.',
      'The pin is one nine | eight four.',
      'Chapters one, two | and three are done.',
    ],
    end: [
      'The winning numbers were four, eight and fifteen.',
      'My pin is four seven one nine.',
      "I'll take two.",
      'We need a table for four.',
      'My phone number is five five five, two one three, four four seven two.',
      "I'm twenty five.",
      'The meeting is at half past three.',
      'Rooms two, three and five.',
      'It was about a hundred.',
      'The answer is forty two.',
      'Call me at extension 204.',
      "I'd like chapters one and two.",
    ],
  },
  preposition: {
    cut: [
      'I left my keys in | the car.',
      'Can you look at | my application again?',
      'I was thinking of | going to Rome in June.',
      "We're flying to | Lisbon next Tuesday.",
      "I'd like a room with | a view of the sea.",
      'She is allergic to | peanuts and shellfish.',
      'Is there a pharmacy near | the station?',
      "I'm calling about | the flat on Green Street.",
      'Put the boxes under | the stairs please.',
      "We'll be there by | eight at the latest.",
      "I'm waiting for | a delivery from you.",
      'The keys are on | the kitchen table.',
    ],
    end: [
      'Which one are you thinking of?',
      'Put it in.',
      'Who are you talking to?',
      "That's the place we stayed at.",
      'Please come in.',
      'Could you turn the music down?',
      'What is this for?',
      "I'll pick you up.",
      'Hold on.',
      'Where are you from?',
      "That's something I don't want to think about.",
      'Can you switch it off?',
    ],
  },
  determiner: {
    cut: [
      'Can you tell me about the | opening hours?',
      "I'd like a | large coffee with oat milk.",
      'We need another | blanket in room four.',
      'Is there any | parking near the hotel?',
      "I'll have the | soup of the day.",
      'Could you recommend a | good dentist?',
      "There's no | hot water in the bathroom.",
      'Every | morning the train is late.',
      'We saw an | accident on the motorway.',
      'Could I get the | bill please?',
      "I'm looking for a | birthday present for my wife.",
      'Do you have a | table for six?',
    ],
    end: [
      "I'll take this.",
      'Can you do that?',
      'I really like those.',
      'Do you have any?',
      "I'd like some.",
      "We'll need both.",
      'I want them all.',
      'Look at this!',
      "That's enough.",
      'Thanks, I have plenty.',
      'Yes, I know that.',
      'Can I have another?',
    ],
  },
  conjunction: {
    cut: [
      'I need a taxi and | a hotel room for tonight.',
      'We could take the train or | rent a car.',
      "I'd love to come but | I'm working late.",
      'It was raining so | we stayed inside.',
      'Bring some bread and | cheese, please.',
      'Would you like coffee or | tea?',
      'My wife and | I are arriving on Monday.',
      'The room was clean but | very small.',
      'Call me tomorrow or | send an email.',
      'I went to the bank and then | to the post office.',
      'Neither the manager nor | the staff knew anything.',
      "He's tired and | a bit hungry.",
    ],
    end: [
      'I think so.',
      "I don't think so.",
      'Not yet.',
      'I hope so.',
      'See you then.',
      "I didn't like it either.",
      'Is that so?',
      'It was worth it, though.',
      'Nobody called me back, though.',
      "I've never been there either.",
      'I told you so.',
      'What happened then?',
    ],
  },
  subordinator: {
    cut: [
      'Please remind me to call my sister because | her birthday is today.',
      "I'll be late if | the traffic is bad.",
      'Call me when | you land.',
      'We can talk while | we walk.',
      "I'll wait here until | you get back.",
      "I'm not sure whether | I can make it.",
      'I stayed home although | I felt fine.',
      'We left early so that | we could get seats.',
      "We can't start unless | everyone is here.",
      'Nothing has changed since | you left.',
      'Let me know as soon as | the parcel arrives.',
      "Even though | it's late, I'm still hungry.",
    ],
    end: [
      "I don't know when.",
      'Tell me why.',
      "I'm not sure how.",
      'We can talk about it after.',
      "I've seen this film before.",
      'It has been raining ever since.',
      'Do you know where?',
      'Ask her when.',
      "I'd never been there before.",
      'Can you tell me how?',
      'I wonder why.',
      "Let's have lunch first and talk after.",
    ],
  },
  relative: {
    cut: [
      "I'm looking for the one that | has a red cover.",
      'The man who | called yesterday is here.',
      'Is this the bus which | goes to the airport?',
      'I want a phone that | lasts all day.',
      'The hotel where | we stayed was lovely.',
      "That's the woman whose | car was towed.",
      'The number I wanted to | call was busy.',
      'The day when | we met was rainy.',
      'Anyone who | wants a ticket should queue here.',
      'I need something that | will fix this leak.',
      'The reason why | I called is simple.',
      'Tell me about the course that | starts in May.',
    ],
    end: [
      'You know what?',
      'Guess who!',
      "I don't remember which.",
      "It's the one I wanted.",
      "That's the man I told you about.",
      'Is this the one you meant?',
      "She's the friend I trust.",
      'I have no idea what.',
      "That's the hotel that we liked.",
      'Do it the way you want.',
      'Is that who you saw?',
      'Those are the shoes she bought.',
    ],
  },
  filler: {
    cut: [
      'My flight leaves at um | half past seven.',
      'Is there a cafe, um, | near here?',
      "I'd like to, uh, | change my seat.",
      'The thing is, like, | I never got the email.',
      'So, um, | what time do you close?',
      'I was wondering, er, | if you had any rooms.',
      'Can I get a, uh, | medium latte?',
      "It's, you know, | a bit too expensive.",
      "We'll arrive around, hmm, | six maybe.",
      "Well, | I'm not really sure.",
      "I mean, | it's not a big deal.",
      'Could you, um, | repeat that please?',
    ],
    end: [
      "I'm doing well.",
      "That's what I mean.",
      'I think you know.',
      "That's right.",
      'Is that okay?',
      'Do whatever you like.',
      "I'm not feeling well.",
      'Sounds good, I guess.',
      'Yeah, okay.',
      'Not really.',
      'Very well.',
      'Just tell me what you like.',
    ],
  },
};

/**
 * Written after the rules were frozen, and judged once: a check of how the rules carry to
 * sentences they were not written beside (reported, not tuned on).
 */
const HOLDOUT: Lists = {
  verb: {
    cut: [
      'Can you explain | the charges on my bill?',
      'I just received | a letter from the bank.',
      'We are planning to rent | a cabin in the mountains.',
      'Would you mind closing | the window?',
    ],
    end: [
      "That's the car we wanted to buy.",
      'Which flight did you choose?',
      'Please hurry.',
      'I think it finally stopped.',
    ],
  },
  copula: {
    cut: [
      'The password is | blue elephant.',
      'My main concern was | the noise at night.',
      'The nearest station would be | Central.',
      "What we're hoping for is | a quick answer.",
    ],
    end: [
      'Can you tell me what the price is?',
      "I don't care how expensive it is.",
      'Guess where I am.',
      "I'll show you where the bathroom is.",
    ],
  },
  auxiliary: {
    cut: [
      'The doctor will | see you now.',
      'My parents have | never been to Asia.',
      'I should | probably go to bed.',
      'Next week we might be | able to help.',
    ],
    end: ['Sure, we can.', "I don't know if I should.", 'Only if you want to.', 'Yes, she was.'],
  },
  possessive: {
    cut: [
      "I'm calling about my son's | school trip.",
      'Where did you put your | glasses?',
      "The hotel's | pool is closed today.",
      'I found our | tickets in the drawer.',
    ],
    end: [
      "The red car is my dad's.",
      'Is that pen yours?',
      "We'll eat at Maria's.",
      'Those are mine.',
    ],
  },
  number: {
    cut: [
      'The serial number is three eight | two two one five.',
      'I need seats twelve, thirteen | and fourteen.',
      'My account number is four four nine one two | six.',
      'Take exits five, six | or seven.',
    ],
    end: [
      'There were twelve of us.',
      'The door code is two five eight zero.',
      'We need three.',
      'I was born in nineteen eighty five.',
    ],
  },
  preposition: {
    cut: [
      'Could you send the documents to | my lawyer?',
      "I'm worried about | the weather tomorrow.",
      'We had lunch with | my old teacher.',
      'The shop is next to | the bakery.',
    ],
    end: [
      'What are you looking at?',
      'Who is this present for?',
      "Please don't give up.",
      "That's the person I was talking about.",
    ],
  },
  determiner: {
    cut: [
      'Could I have a | glass of water?',
      'We booked the | last two seats.',
      'Is there an | earlier train?',
      'He bought every | ticket they had.',
    ],
    end: [
      "I've already got some.",
      "Don't forget those.",
      "I'll have both.",
      'Do you need all of them?',
    ],
  },
  conjunction: {
    cut: [
      'I want to cancel my order and | get a refund.',
      "I'd call them but | I don't have their number.",
      'Should we walk or | take a bus?',
      'The food was great and | the staff were friendly.',
    ],
    end: ['I guess so.', 'Not yet, sorry.', "I'll call you then.", "She didn't come either."],
  },
  subordinator: {
    cut: [
      'I need to leave early because | my son is sick.',
      'Can you wait until | I find my wallet?',
      "Let's go inside before | it starts raining.",
      'I will come if | you want me to.',
    ],
    end: ["I really don't know why.", "We've met before.", 'Tell me when.', 'Do you remember how?'],
  },
  relative: {
    cut: [
      'I want the room which | faces the garden.',
      'The girl who | sold me the ticket was rude.',
      'The place where | I grew up is gone.',
      'This is the form that | needs your signature.',
    ],
    end: [
      "That's the one I ordered.",
      'Guess what!',
      'Is this the bag you lost?',
      "He's the guy who I met.",
    ],
  },
  filler: {
    cut: [
      'We need, uh, | two more towels.',
      'Um, | is the pool open?',
      'The problem is, like, | nobody answers the phone.',
      'I was going to, you know, | ask for a discount.',
    ],
    end: [
      "It's going well.",
      "That's not what I mean.",
      'Order whatever you like.',
      'Yeah, you know.',
    ],
  },
};

export type EotSplit = 'tune' | 'report' | 'holdout';

export interface EotCase {
  category: EotCategory;
  /** The whole sentence, without the cut mark. */
  sentence: string;
  /** True when the cut is the sentence's end; false when words follow the cut. */
  trueEnd: boolean;
  split: EotSplit;
  /** The words said before the pause. */
  before: string;
  /** The words said after it ('' at a true end). */
  after: string;
  /** The transcript as a punctuating STT writes it, and as a lower-case unpunctuated one does. */
  forms: { punctuated: string; lowercase: string };
}

/** Lower case, punctuation gone except apostrophes inside words: what a bare STT writes. */
export const lowercaseForm = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]/gu, ' ')
    .replace(/(^|\s)'|'(\s|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();

/** An unfinished cut as a punctuating STT closes it at a pause: a period in place of a comma. */
const punctuatedCut = (before: string): string => `${before.replace(/[,;:]$/, '')}.`;

function toCase(category: EotCategory, text: string, trueEnd: boolean, split: EotSplit): EotCase {
  const [beforeRaw, afterRaw = ''] = text.split('|');
  const before = beforeRaw!.trim();
  const after = afterRaw.trim();
  if (trueEnd !== (after === '')) {
    throw new Error(`eot case "${text}": a cut needs words after "|", a true end none`);
  }
  return {
    category,
    sentence: trueEnd ? before : `${before} ${after}`,
    trueEnd,
    split,
    before,
    after,
    forms: {
      punctuated: trueEnd ? before : punctuatedCut(before),
      lowercase: lowercaseForm(before),
    },
  };
}

/** TUNE or REPORT, fixed by position: the 2nd and 4th of every five are REPORT. */
const splitAt = (index: number): EotSplit =>
  index % 5 === 1 || index % 5 === 3 ? 'report' : 'tune';

/** Every case, in category order, cuts before true ends, TUNE and REPORT before HOLDOUT. */
export const EOT_CASES: readonly EotCase[] = EOT_CATEGORIES.flatMap((category) => [
  ...SENTENCES[category].cut.map((t, i) => toCase(category, t, false, splitAt(i))),
  ...SENTENCES[category].end.map((t, i) => toCase(category, t, true, splitAt(i))),
  ...HOLDOUT[category].cut.map((t) => toCase(category, t, false, 'holdout')),
  ...HOLDOUT[category].end.map((t) => toCase(category, t, true, 'holdout')),
]);
