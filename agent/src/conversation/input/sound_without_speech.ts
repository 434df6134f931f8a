/** What VAD said of one frame, and where the level meter stood. */
export interface SoundFacts {
  /** The level meter hears sound (ActivityDetector.active, after this frame). */
  levelActive: boolean;
  /** The level meter's state changed with this frame. */
  levelChanged: boolean;
  /** VAD after this frame: speaking, its latest speech probability, its stream time (ms). */
  vad: { speaking: boolean; probability: number; timeMs: number };
}

/** A stretch of sound VAD never called speech: how long, and the highest probability it gave. */
export interface SoundWithoutSpeechInfo {
  soundMs: number;
  maxProbability: number;
}

/**
 * Follows each stretch of sound the level meter hears and whether VAD called any of it speech:
 * one it never did (a cough, a door, or speech VAD missed) is reported as it ends. No I/O.
 */
export class SoundWithoutSpeech {
  /** The stretch of sound the level meter hears now: did VAD call any of it speech? */
  #sound: { startMs: number; maxProbability: number; speech: boolean } | undefined;

  /** One frame; a stretch of sound without speech that ended with it, if one did. */
  frame(f: SoundFacts): SoundWithoutSpeechInfo | undefined {
    if (f.levelActive || f.levelChanged) {
      this.#sound ??= { startMs: f.vad.timeMs, maxProbability: 0, speech: false };
      this.#sound.maxProbability = Math.max(this.#sound.maxProbability, f.vad.probability);
      if (f.vad.speaking) this.#sound.speech = true;
    }
    const sound = this.#sound;
    if (!sound || f.levelActive) return undefined;
    this.#sound = undefined;
    if (sound.speech) return undefined;
    return { soundMs: f.vad.timeMs - sound.startMs, maxProbability: sound.maxProbability };
  }
}
