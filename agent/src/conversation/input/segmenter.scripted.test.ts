import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FRAME_MS } from '../../audio/format.js';
import type { VadEvent } from '../../audio/vad.js';
import { DRAFT_QUIET_MS, Segmenter } from './segmenter.js';
import type { SegmenterAction, SegmenterOptions } from './segmenter.js';

/**
 * The segmenter driven by a script of frames instead of a microphone and Silero: each character
 * is one 10 ms frame, its level and what VAD says of it.
 *
 *   .  quiet, no speech            ~  sound, no speech
 *   S  speech (VAD starts it after a frame without)
 *   _  quiet, silence inside speech   n  sound, silence inside speech
 *   E  quiet, VAD ends the speech     X  sound, VAD ends the speech
 *
 * Spaces are only for reading. Frame i carries the sample value i, so a push shows as `#i`.
 */
const AUDIBLE_DBFS = -45;
const SOUND_DB = -30;
const QUIET_DB = -70;

const OPTIONS: SegmenterOptions = {
  prerollFrames: 3,
  audibleDbfs: AUDIBLE_DBFS,
  draftSilenceMs: 0,
  interruptMinSpeechMs: 1_000,
};

interface Play {
  /** The frames, as above. */
  script: string;
  options?: Partial<SegmenterOptions>;
  /** What the STT answers a draft (SttStream.draft); true unless said. */
  draftOk?: boolean;
  sttCanDraft?: boolean;
  /** Keep the evidenceFrame actions (left out unless asked: one per frame). */
  evidenceFrames?: boolean;
}

/** Plays a script into a new segmenter: every action, rendered short, in order. */
function play(p: Play): string[] {
  const segmenter = new Segmenter({ ...OPTIONS, ...p.options });
  const out: string[] = [];
  let speaking = false;
  let silenceMs = 0;
  let speechStartMs = 0;
  let lastSpeechEndMs = 0;
  const frames = [...p.script.replaceAll(' ', '')];
  frames.forEach((c, i) => {
    const vadEvents: VadEvent[] = [];
    const startMs = i * FRAME_MS;
    const timeMs = startMs + FRAME_MS;
    if (c === 'S') {
      if (!speaking) {
        speechStartMs = startMs;
        vadEvents.push({ type: 'start', speechStartMs, atMs: timeMs });
      }
      speaking = true;
      silenceMs = 0;
      lastSpeechEndMs = timeMs;
    } else if (c === '_' || c === 'n') {
      assert.ok(speaking, `frame ${i}: silence inside speech needs speech first`);
      silenceMs += FRAME_MS;
    } else if (c === 'E' || c === 'X') {
      assert.ok(speaking, `frame ${i}: an end needs speech first`);
      const speechMs = lastSpeechEndMs - speechStartMs;
      vadEvents.push({ type: 'end', speechEndMs: lastSpeechEndMs, atMs: timeMs, speechMs });
      speaking = false;
      silenceMs = 0;
    }
    const actions = segmenter.frame({
      samples: Int16Array.of(i),
      levelDb: '~SnX'.includes(c) ? SOUND_DB : QUIET_DB,
      vadEvents,
      vad: { speaking, silenceMs: speaking ? silenceMs : 0, timeMs },
      sttCanDraft: p.sttCanDraft ?? true,
    });
    for (let step = actions.next(); !step.done;) {
      const action = step.value;
      if (action.type !== 'evidenceFrame' || p.evidenceFrames) out.push(render(action));
      step = actions.next(action.type === 'draft' ? (p.draftOk ?? true) : undefined);
    }
  });
  return out;
}

function render(a: SegmenterAction): string {
  switch (a.type) {
    case 'push':
      return `#${a.samples[0]}`;
    case 'speechStart':
    case 'speechEnd':
    case 'speechLasting':
      return `${a.type}@${a.streamMs}`;
    case 'draftOutcome':
      return `draft ${a.outcome}`;
    case 'evidenceFrame':
      return a.inSpeech ? 'evidence: speech' : 'evidence: not speech';
    default:
      return a.type;
  }
}

/** `#from` .. `#to`, inclusive. */
const pushes = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => `#${from + k}`);

describe('Segmenter: the pre-roll and the start of speech', () => {
  it('the last pre-roll frames go to STT as the utterance starts, before the start is told', () => {
    assert.deepEqual(play({ script: '..... SS' }), [
      'utteranceStart',
      ...pushes(2, 4),
      'speechStart@50',
      '#5',
      '#6',
    ]);
  });

  it('speech that lasts interruptMinSpeechMs is reported once, with its start', () => {
    const actions = play({ script: '.. SSSSSSS __ SSS', options: { interruptMinSpeechMs: 50 } });
    assert.deepEqual(
      actions.filter((a) => a.startsWith('speechLasting')),
      ['speechLasting@20'],
    );
    assert.equal(actions.indexOf('speechLasting@20'), actions.indexOf('#6') + 1);
  });

  it('every frame counts towards the echo evidence: as speech while VAD hears speech or ends it', () => {
    const evidence = play({ script: '.S_E.', evidenceFrames: true }).filter((a) =>
      a.startsWith('evidence:'),
    );
    assert.deepEqual(evidence, [
      'evidence: not speech',
      'evidence: speech',
      'evidence: speech',
      'evidence: speech',
      'evidence: not speech',
    ]);
  });
});

describe('Segmenter: the silence inside speech, held back', () => {
  it('silence inside speech is held back, and sent before the speech that goes on', () => {
    assert.deepEqual(play({ script: 'SS __ S' }), [
      'utteranceStart',
      'speechStart@0',
      '#0',
      '#1',
      '#2',
      '#3',
      '#4',
    ]);
    assert.deepEqual(play({ script: 'SS __' }).slice(-1), ['#1'], 'held while VAD is unsure');
  });

  it("at VAD's end the silence goes to STT, then the evidence, the end and the commit", () => {
    assert.deepEqual(play({ script: 'SS ___E' }).slice(2), [
      ...pushes(0, 1),
      ...pushes(2, 5),
      'evidenceCommitted',
      'speechEnd@20',
      'commit',
    ]);
  });

  it("the onset after at least 50 ms of quiet at VAD's end goes to the next pre-roll", () => {
    const quiet = '_'.repeat(DRAFT_QUIET_MS / FRAME_MS);
    // Speech 0-1, quiet 2-6, the next words' onset 7-9 still sounding as VAD ends; then speech.
    const actions = play({ script: `SS ${quiet} nnX .. SS`, options: { prerollFrames: 10 } });
    const commit = actions.indexOf('commit');
    assert.deepEqual(actions.slice(2, commit), [
      ...pushes(0, 6),
      'evidenceCommitted',
      'speechEnd@20',
    ]);
    assert.deepEqual(actions.slice(commit + 1), [
      'utteranceStart',
      ...pushes(7, 11),
      'speechStart@120',
      '#12',
      '#13',
    ]);
  });

  it('sound running straight on from the speech stays with the utterance', () => {
    const actions = play({ script: 'SS nnnnnnX .. SS' });
    const commit = actions.indexOf('commit');
    assert.deepEqual(actions.slice(2, commit - 2), pushes(0, 8));
  });

  it('sound after less than 50 ms of quiet stays with the utterance too', () => {
    const quiet = '_'.repeat(DRAFT_QUIET_MS / FRAME_MS - 1);
    const actions = play({ script: `SS ${quiet} nnX` });
    assert.deepEqual(actions.slice(2, -3), pushes(0, 8));
  });

  it('sound that came and went in the silence is part of the utterance', () => {
    const actions = play({ script: 'SS __nn__E .. S' });
    const commit = actions.indexOf('commit');
    assert.deepEqual(actions.slice(2, commit - 2), pushes(0, 8));
    assert.deepEqual(actions.slice(commit + 1, commit + 5), [
      'utteranceStart',
      '#9',
      '#10',
      'speechStart@110',
    ]);
  });
});

describe('Segmenter: drafts at a short silence', () => {
  const options = { draftSilenceMs: 30 };

  it(`a draft is made after draftSilenceMs of silence with ${DRAFT_QUIET_MS} ms of quiet`, () => {
    // Silence from frame 2; 30 ms of it at frame 4, but 50 ms of quiet only at frame 6.
    const actions = play({ script: 'SS _____', options });
    assert.deepEqual(actions.slice(2), [...pushes(0, 6), 'draft']);
  });

  it('a silence that is not quiet is not drafted until it is', () => {
    const actions = play({ script: 'SS nnn ____ _', options });
    assert.deepEqual(actions.slice(2), [...pushes(0, 9), 'draft']);
  });

  it('speech going on drops the draft, then sends the silence since it', () => {
    const actions = play({ script: 'SS _____ __ S', options });
    assert.deepEqual(actions.slice(2), [
      ...pushes(0, 6),
      'draft',
      'draft dropped',
      '#7',
      '#8',
      '#9',
    ]);
  });

  it("a draft still standing at VAD's end is confirmed; its silence becomes the pre-roll", () => {
    const actions = play({ script: 'SS _____ __E SS', options });
    const commit = actions.indexOf('commit');
    assert.deepEqual(actions.slice(9, commit + 1), [
      'draft',
      'draft confirmed',
      'evidenceCommitted',
      'speechEnd@20',
      'commit',
    ]);
    assert.deepEqual(actions.slice(commit + 1, commit + 6), [
      'utteranceStart',
      ...pushes(7, 9),
      'speechStart@100',
    ]);
  });

  it("sound after a draft that is over by VAD's end drops it, and goes with the utterance", () => {
    const actions = play({ script: 'SS _____ nn ____ _E', options });
    const draft = actions.indexOf('draft');
    assert.deepEqual(actions.slice(draft + 1), [
      'draft dropped',
      ...pushes(7, 14),
      'evidenceCommitted',
      'speechEnd@20',
      'commit',
    ]);
  });

  it('a draft the STT did not make is neither dropped nor confirmed, and is asked again', () => {
    const actions = play({ script: 'SS _____ _ E', options, draftOk: false });
    assert.deepEqual(actions.slice(9), [
      'draft',
      '#7',
      'draft',
      '#8',
      'evidenceCommitted',
      'speechEnd@20',
      'commit',
    ]);
  });

  it('no draft without draftSilenceMs, or from an STT that cannot draft', () => {
    assert.ok(!play({ script: 'SS __________E' }).includes('draft'));
    assert.ok(!play({ script: 'SS __________E', options, sttCanDraft: false }).includes('draft'));
  });
});
