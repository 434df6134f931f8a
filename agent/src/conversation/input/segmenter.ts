import { FRAME_MS } from '../../audio/format.js';
import type { VadEvent } from '../../audio/vad.js';

/**
 * A draft also waits for this long below the activity threshold, and sound after it that is
 * over by VAD's end drops it: a word's soft end, or a plosive's release after its closure, is
 * sound VAD may call silence. Sound at VAD's end is the next words' onset only after this long
 * a quiet stretch.
 */
export const DRAFT_QUIET_MS = 50;

export interface SegmenterOptions {
  /** Frames of audio kept from before VAD confirmed speech, so STT hears the first syllable. */
  prerollFrames: number;
  /** The activity threshold (dBFS): a frame below it is quiet. */
  audibleDbfs: number;
  /** Silence inside speech (ms) after which the utterance so far is drafted; 0: never. */
  draftSilenceMs: number;
  /** Speech must last this long (ms) before `speechLasting`. */
  interruptMinSpeechMs: number;
}

/** What the listener knows of one 10 ms frame once VAD has heard it. */
export interface FrameFacts {
  /** The frame as STT would hear it. */
  samples: Int16Array;
  /** Its level (dBFS). */
  levelDb: number;
  /** The events VAD gave for it. */
  vadEvents: readonly VadEvent[];
  /** VAD's status after it (VadStream's fields of the same names). */
  vad: { speaking: boolean; silenceMs: number; timeMs: number };
  /** The STT stream can draft (SttStream.draft). */
  sttCanDraft: boolean;
}

/**
 * What the listener does, in order. Times are stream times (ms), as VAD gives them; the listener
 * turns them into performance.now() times.
 */
export type SegmenterAction =
  /**
   * An utterance starts at STT, before any of its audio: a stream that failed is replaced, and
   * the echo evidence starts (EchoEvidence.started: the pre-roll is the utterance's start).
   */
  | { type: 'utteranceStart' }
  /** Echo evidence: this frame, sent to STT as speech or not (EchoEvidence.frame). */
  | { type: 'evidenceFrame'; inSpeech: boolean }
  /** Echo evidence: the utterance is committed (EchoEvidence.committed). */
  | { type: 'evidenceCommitted' }
  /** Audio of the current utterance to STT. */
  | { type: 'push'; samples: Int16Array }
  /** Ask STT for a draft of the utterance so far; answer with whether it made one. */
  | { type: 'draft' }
  | { type: 'commit' }
  | { type: 'speechStart'; streamMs: number }
  | { type: 'speechEnd'; streamMs: number }
  | { type: 'speechLasting'; streamMs: number }
  | { type: 'draftOutcome'; outcome: 'confirmed' | 'dropped' };

/** A frame of a silence inside speech, held back from STT until it is known whose it is. */
interface HeldFrame {
  samples: Int16Array;
  /** The frame was at or above the activity threshold. */
  sound: boolean;
  /** How long the microphone had been quiet before it (ms). */
  quietBeforeMs: number;
}

/**
 * Cuts one person's microphone into utterances for STT, frame by frame, from VAD's events and
 * the level. It does no I/O: it is told each frame's facts and answers with the actions they
 * call for, in order, and the listener carries them out. The rules, in the order they apply to
 * a frame:
 *
 * 1. VAD's start: an utterance starts at STT (a failed stream replaced, the echo evidence
 *    started), the pre-roll goes to it, and then the start is reported (a final may come back
 *    at once).
 * 2. Every frame counts towards the echo evidence, as speech while VAD hears speech or ends it.
 * 3. Speech going on after a silence inside it: the silence held back goes to STT, and a draft
 *    made in it is dropped.
 * 4. The frame itself: held back while VAD hears silence inside speech (or ends it), sent to STT
 *    while it hears speech, kept as pre-roll otherwise.
 * 5. `draftSilenceMs` of silence inside speech, and DRAFT_QUIET_MS of quiet: the silence held
 *    back goes to STT and the utterance so far is drafted.
 * 6. VAD's end: sound still going on after a quiet stretch of DRAFT_QUIET_MS (the next words'
 *    onset, not yet speech to VAD) goes to the next pre-roll, the rest of the silence to this
 *    utterance. A draft is dropped if sound came and went in that silence, else confirmed, and
 *    then the whole silence goes to the pre-roll. The evidence and the speech end come before
 *    the commit: an STT may give the utterance's final at once.
 * 7. Speech that has lasted `interruptMinSpeechMs`: reported once per utterance.
 */
export class Segmenter {
  readonly #opts: SegmenterOptions;
  /** How long the microphone has been below the activity threshold. */
  #quietMs = 0;
  readonly #preroll: Int16Array[] = [];
  readonly #heldBack: HeldFrame[] = [];
  /** Set once the utterance so far went to STT as a draft. */
  #drafted = false;
  /** Stream time (ms) where the current speech began. */
  #speechStartMs = 0;
  #lastingSent = false;

  constructor(opts: SegmenterOptions) {
    this.#opts = opts;
  }

  /**
   * The actions one frame calls for, in the order they are to be carried out. The caller carries
   * out each action before it asks for the next, and answers a `draft` action with whether the
   * STT made the draft (`next(drafted)`; SttStream.draft's answer): what follows can depend on
   * it, as the state does.
   */
  *frame(f: FrameFacts): Generator<SegmenterAction, void, boolean | undefined> {
    const quietBeforeMs = this.#quietMs;
    this.#quietMs = f.levelDb < this.#opts.audibleDbfs ? this.#quietMs + FRAME_MS : 0;
    const endedMs = yield* this.#vadEvents(f.vadEvents);
    const { speaking, silenceMs } = f.vad;
    yield { type: 'evidenceFrame', inSpeech: speaking || endedMs !== undefined };
    if ((this.#heldBack.length > 0 || this.#drafted) && speaking && silenceMs === 0) {
      // Speech went on: the silence was inside the utterance. A draft is dropped by the STT.
      if (this.#drafted) yield { type: 'draftOutcome', outcome: 'dropped' };
      this.#drafted = false;
      yield* this.#sendHeldBack();
    }
    if ((speaking && silenceMs > 0) || endedMs !== undefined) {
      this.#heldBack.push({ samples: f.samples, sound: this.#quietMs === 0, quietBeforeMs });
    } else if (speaking) {
      yield { type: 'push', samples: f.samples };
    } else {
      this.#preroll.push(f.samples);
      if (this.#preroll.length > this.#opts.prerollFrames) this.#preroll.shift();
    }
    if (this.#shouldDraft(f)) {
      // The draft ends with the silence so far, as the utterance would.
      yield* this.#sendHeldBack();
      this.#drafted = (yield { type: 'draft' }) === true;
    }
    if (endedMs !== undefined) yield* this.#end(endedMs);
    if (speaking && !this.#lastingSent) {
      if (f.vad.timeMs - this.#speechStartMs >= this.#opts.interruptMinSpeechMs) {
        this.#lastingSent = true;
        yield { type: 'speechLasting', streamMs: this.#speechStartMs };
      }
    }
  }

  /** Rule 1 for each start; returns the stream time of an end, if VAD gave one. */
  *#vadEvents(events: readonly VadEvent[]): Generator<SegmenterAction, number | undefined> {
    let endedMs: number | undefined;
    for (const e of events) {
      if (e.type === 'end') {
        endedMs = e.speechEndMs;
        continue;
      }
      this.#speechStartMs = e.speechStartMs;
      this.#lastingSent = false;
      // Before the audio goes to STT: a final may come back at once.
      yield { type: 'utteranceStart' };
      for (const samples of this.#preroll) yield { type: 'push', samples };
      this.#preroll.length = 0;
      yield { type: 'speechStart', streamMs: e.speechStartMs };
    }
    return endedMs;
  }

  /** Rule 5: the silence inside speech is long and quiet enough for a draft. */
  #shouldDraft(f: FrameFacts): boolean {
    const draftSilenceMs = this.#opts.draftSilenceMs;
    return (
      draftSilenceMs > 0 &&
      !this.#drafted &&
      f.vad.speaking &&
      f.vad.silenceMs >= draftSilenceMs &&
      this.#quietMs >= DRAFT_QUIET_MS &&
      f.sttCanDraft
    );
  }

  /** Rule 6: VAD ended the speech (at stream time `endedMs`). */
  *#end(endedMs: number): Generator<SegmenterAction> {
    // Sound still going on as VAD ends the speech is the next words' onset, which VAD has not
    // called speech yet (an unvoiced "h", "s", "k"): sent with this utterance, it cut their
    // first sound off (a name after a comma, "…tomorrow, | Sam?", came out "am"). Only after a
    // quiet stretch: sound all through was this speech trailing on (a soft end, noise or echo
    // above the threshold).
    const heldBack = this.#heldBack;
    const onset = onsetIndex(heldBack);
    const silence = heldBack.slice(0, onset);
    if (this.#drafted && silence.some((f) => f.sound)) {
      // Sound that came and went after the draft was part of the utterance.
      yield { type: 'draftOutcome', outcome: 'dropped' };
      this.#drafted = false;
    }
    if (this.#drafted) yield { type: 'draftOutcome', outcome: 'confirmed' };
    else for (const f of silence) yield { type: 'push', samples: f.samples };
    // After a confirmed draft, the silence too becomes the next pre-roll, as if after the end.
    for (const f of this.#drafted ? heldBack : heldBack.slice(onset)) this.#preroll.push(f.samples);
    this.#preroll.splice(0, Math.max(0, this.#preroll.length - this.#opts.prerollFrames));
    this.#drafted = false;
    heldBack.length = 0;
    // Before the commit: an STT may give the utterance's final at once (a short one's, a
    // draft's).
    yield { type: 'evidenceCommitted' };
    yield { type: 'speechEnd', streamMs: endedMs };
    yield { type: 'commit' };
  }

  /** The frames held back go to STT. */
  *#sendHeldBack(): Generator<SegmenterAction> {
    for (const f of this.#heldBack) yield { type: 'push', samples: f.samples };
    this.#heldBack.length = 0;
  }
}

/**
 * Where the next words' onset begins among the frames held back at VAD's end: the sound still
 * going on at the end, if a quiet stretch of DRAFT_QUIET_MS came before it; else the end (none).
 */
function onsetIndex(heldBack: readonly HeldFrame[]): number {
  let onset = heldBack.length;
  while (onset > 0 && heldBack[onset - 1]!.sound) onset--;
  if ((heldBack[onset]?.quietBeforeMs ?? 0) < DRAFT_QUIET_MS) onset = heldBack.length;
  return onset;
}
