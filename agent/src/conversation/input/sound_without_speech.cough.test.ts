import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SoundWithoutSpeech } from './sound_without_speech.js';
import type { SoundWithoutSpeechInfo } from './sound_without_speech.js';

/**
 * Frames, one a character: `.` quiet, `~` sound VAD does not call speech, `S` sound VAD calls
 * speech. `probabilities` gives VAD's probability per frame (0 unless said). Each frame is 10 ms.
 */
function play(script: string, probabilities: number[] = []): (SoundWithoutSpeechInfo | '')[] {
  const sound = new SoundWithoutSpeech();
  let active = false;
  return [...script].map((c, i) => {
    const levelActive = c !== '.';
    const levelChanged = levelActive !== active;
    active = levelActive;
    const vad = { speaking: c === 'S', probability: probabilities[i] ?? 0, timeMs: (i + 1) * 10 };
    return sound.frame({ levelActive, levelChanged, vad }) ?? '';
  });
}

describe('SoundWithoutSpeech: a cough, a door, speech VAD missed', () => {
  it('sound VAD never called speech is reported as it ends: how long, how close VAD came', () => {
    const out = play('..~~~..', [0, 0, 0.1, 0.4, 0.2]);
    assert.deepEqual(out, ['', '', '', '', '', { soundMs: 30, maxProbability: 0.4 }, '']);
  });

  it('sound VAD called speech, even for a frame, is not reported', () => {
    assert.deepEqual(play('..~S~..~..').filter(Boolean), [{ soundMs: 10, maxProbability: 0 }]);
  });
});
