/**
 * A scripted three-way conversation: two humans, Ana and Ben, with the agent, Sam. Each line says
 * whether Sam should answer it under the `addressed` reply policy (see reply_policy.ts); the unit
 * tests drive AddressTracker through it, and a benchmark speaks it through a real SFU.
 *
 * Texts are short plain English sentences, one each, ending in '.' or '?', with no digits, so any
 * TTS can say them and any STT hears them back (commas and case may be lost: the decisions do not
 * depend on them).
 */

export interface GroupScriptLine {
  speaker: 'Ana' | 'Ben';
  text: string;
  /** Whether Sam should answer this line. */
  expectReply: boolean;
  /**
   * Silence before this line, after the previous line and Sam's answer to it (if any) ended.
   * Absent: GROUP_SCRIPT_GAP_MS.
   */
  gapMs?: number;
}

/** The usual pause between lines, well inside the follow-up window. */
export const GROUP_SCRIPT_GAP_MS = 1_000;

export const GROUP_SCRIPT: readonly GroupScriptLine[] = [
  // Ana names Sam at the start, then follows up without the name.
  { speaker: 'Ana', text: 'Sam, what time does the museum open?', expectReply: true },
  { speaker: 'Ana', text: 'And is it far from the station?', expectReply: true },
  // Ben turns to Ana; the two of them chat without names.
  { speaker: 'Ben', text: 'Ana, did you book the train tickets?', expectReply: false },
  { speaker: 'Ana', text: 'Not yet, I was waiting for you.', expectReply: false },
  { speaker: 'Ben', text: 'Then I will book them tonight.', expectReply: false },
  { speaker: 'Ana', text: 'Good, thank you.', expectReply: false },
  // Ben names Sam at the end, then follows up.
  { speaker: 'Ben', text: 'What do you think about the weather tomorrow, Sam?', expectReply: true },
  { speaker: 'Ben', text: 'Should we bring coats then?', expectReply: true },
  // Ana talks about Sam, not to Sam; after her, Ben's question is no longer a follow-up.
  { speaker: 'Ana', text: 'I asked Sam yesterday about the hotel.', expectReply: false },
  { speaker: 'Ben', text: 'Was the hotel nice?', expectReply: false },
  { speaker: 'Ana', text: 'Yes, the rooms were clean and quiet.', expectReply: false },
  // Ana names Sam after a greeting, follows up, then turns to Ben mid-exchange.
  { speaker: 'Ana', text: 'Hey Sam, can you suggest a place for lunch?', expectReply: true },
  { speaker: 'Ana', text: 'Is it open on Sunday?', expectReply: true },
  { speaker: 'Ana', text: 'Ben, do you like fish?', expectReply: false },
  { speaker: 'Ben', text: 'I love fish.', expectReply: false },
  { speaker: 'Ana', text: 'Great, then we will go there.', expectReply: false },
  // Ben asks Sam, then comes back after the follow-up window has closed.
  {
    speaker: 'Ben',
    text: 'Sam, how long is the walk from the museum to the park?',
    expectReply: true,
  },
  { speaker: 'Ben', text: 'Is there a bus as well?', expectReply: false, gapMs: 25_000 },
  { speaker: 'Ana', text: 'Ben, we can just take a taxi.', expectReply: false },
  { speaker: 'Ben', text: 'Fine, let us take a taxi.', expectReply: false },
  // Ana asks Sam; Ben then asks Ana, who answers him.
  { speaker: 'Ana', text: 'What do you think, Sam?', expectReply: true },
  { speaker: 'Ben', text: 'Do you agree, Ana?', expectReply: false },
  { speaker: 'Ana', text: 'Yes, I think it is a good plan.', expectReply: false },
  // Ben names Sam and Ana together, follows up, then speaks to the whole room.
  { speaker: 'Ben', text: 'Sam and Ana, should we leave at noon?', expectReply: true },
  { speaker: 'Ben', text: 'Or is that too early?', expectReply: true },
  { speaker: 'Ben', text: 'Okay everyone, let us meet at the hotel.', expectReply: false },
  { speaker: 'Ana', text: 'See you there, Ben.', expectReply: false },
  { speaker: 'Ben', text: 'Thanks for the help, Sam.', expectReply: true },
];
