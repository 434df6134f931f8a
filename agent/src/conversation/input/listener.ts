import { AudioStream } from '@livekit/rtc-node';
import type { AudioFrame, Track } from '@livekit/rtc-node';
import { FRAME_MS, PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { ECHO_MARGIN_DB } from '../../audio/echo.js';
import type { EchoCanceller, EchoOutput } from '../../audio/echo_canceller.js';
import type { EchoVerdict } from './echo_evidence.js';
import { ActivityDetector, rmsDbfs, SILENCE_DBFS } from '../../audio/level.js';
import type { ActivityChange, ActivityOptions } from '../../audio/level.js';
import type { SileroVad, VadOptions, VadStream } from '../../audio/vad.js';
import type { ProviderError, Stt, SttEvent } from '../../providers/types.js';
import { Segmenter } from './segmenter.js';
import type { SegmenterAction } from './segmenter.js';
import { SoundWithoutSpeech } from './sound_without_speech.js';
import { SttFeed } from './stt_feed.js';

/** Audio kept from before VAD confirmed speech, so STT hears the first syllable too. */
const PREROLL_MS = 300;
/**
 * A sound's onset: this long above `onsetDbfs` (a click is one frame); the next onset needs
 * ONSET_RELEASE_MS below it first.
 */
const ONSET_ATTACK_MS = 20;
const ONSET_RELEASE_MS = 200;

export interface ListenerOptions {
  vad: SileroVad;
  vadOptions: Partial<VadOptions>;
  /** Without STT the person is only heard (level, VAD), not transcribed. */
  stt: Stt | undefined;
  /** Speech must last this long before onSpeechLasting fires (the barge-in threshold). */
  interruptMinSpeechMs: number;
  /**
   * While this says the agent is speaking, speech ends after `quickSilenceMs` instead of the
   * VAD's usual silence: a backchannel over the agent is committed to STT (and its words
   * decide the pause) sooner.
   */
  agentSpeaking?: () => boolean;
  quickSilenceMs?: number;
  /**
   * After this much silence inside speech (shorter than VAD's), the utterance so far goes to
   * STT as a draft (SttStream.draft), so its words are ready about when VAD calls the speech
   * over; speech that goes on drops the draft. Undefined, or an STT without drafts: never.
   */
  draftSilenceMs?: number | undefined;
  /**
   * Takes the agent's own voice, leaking back through this person's microphone, out of what
   * VAD and STT hear (audio/echo_canceller.ts). Closed when listening ends.
   */
  echo?: EchoCanceller | undefined;
  /**
   * While the agent speaks, a sound this loud (dBFS, in what VAD hears) for ONSET_ATTACK_MS
   * fires onSoundOnset, before VAD can call it speech, if it is louder than the agent's echo
   * could be in this microphone. Undefined: never.
   */
  onsetDbfs?: number | undefined;
  activity: ActivityOptions;
  signal: AbortSignal;
}

export interface ListenerEvents {
  /** Microphone level crossed the activity threshold (for the hearing report). */
  onLevel(change: ActivityChange): void;
  /** A sound began while the agent speaks (see `onsetDbfs`); VAD has not judged it yet. */
  onSoundOnset?(): void;
  /** Speech began at `speechStartAt` (performance.now() time); VAD has just confirmed it. */
  onSpeechStart(speechStartAt: number): void;
  /**
   * The current speech has lasted interruptMinSpeechMs (once per utterance); `echo`: what the
   * level says of it so far (echo_evidence.ts).
   */
  onSpeechLasting(speechStartAt: number, echo: EchoVerdict): void;
  /**
   * Speech ended at `speechEndAt` (performance.now() time). Its audio is committed to STT right
   * after: its final may come at once (a draft's), so this comes first.
   */
  onSpeechEnd(speechEndAt: number): void;
  /**
   * Words of an utterance, and whether enough of its sound was louder than the agent's echo
   * could be in this microphone (echo_evidence.ts; always so for a microphone without echo).
   */
  onTranscript(event: SttEvent, echo: EchoVerdict): void;
  onSttError(error: ProviderError): void;
  /** A draft (see `draftSilenceMs`) was confirmed by the speech's end, or dropped as it went on. */
  onSttDraft?(outcome: 'confirmed' | 'dropped'): void;
  /**
   * The level meter heard sound that VAD never called speech (a cough, a door, or speech it
   * missed): how long, and the highest speech probability VAD gave it.
   */
  onSoundWithoutSpeech?(info: { soundMs: number; maxProbability: number }): void;
}

/**
 * A microphone track's frames as pipeline PCM (rtc-node resamples and downmixes whatever the
 * person's client sends: 8 kHz, stereo).
 */
export function microphoneFrames(track: Track): ReadableStream<AudioFrame> {
  return new AudioStream(track, {
    sampleRate: PIPELINE_SAMPLE_RATE,
    numChannels: PIPELINE_CHANNELS,
    frameSizeMs: FRAME_MS,
  });
}

/**
 * One person's ears: reads their microphone's frames (pipeline PCM, microphoneFrames()),
 * measures their level, runs VAD on them, and streams their speech (with a short pre-roll) to
 * STT, committing each utterance when VAD says it ended. Runs until the frames end or `signal`
 * aborts. Everything is timed by the frames themselves (VAD's stream time), not the wall clock,
 * so frames may come faster than real time (a test feeds ten minutes in seconds). What goes to
 * STT, and when, is the segmenter's to say (segmenter.ts); this loop does the I/O.
 */
export async function listen(
  frames: ReadableStream<AudioFrame>,
  opts: ListenerOptions,
  events: ListenerEvents,
): Promise<void> {
  const { signal } = opts;
  const mic = readMicrophone(frames, signal);
  const level = new ActivityDetector(opts.activity);
  const vad = opts.vad.stream(opts.vadOptions);
  const setSilence = silenceSetter(vad, opts);
  const prerollFrames = PREROLL_MS / FRAME_MS;
  const audibleDbfs = opts.activity.thresholdDbfs;
  const stt = new SttFeed(
    { stt: opts.stt, echo: opts.echo, prerollFrames, audibleDbfs, signal },
    events,
  );
  const onset = soundOnsets(opts, events);
  const sound = new SoundWithoutSpeech();
  const segmenter = new Segmenter({
    prerollFrames,
    audibleDbfs,
    draftSilenceMs: opts.draftSilenceMs ?? 0,
    interruptMinSpeechMs: opts.interruptMinSpeechMs,
  });

  try {
    while (!signal.aborted) {
      const { done, value: frame } = await mic.reader.read();
      if (done || signal.aborted) break;
      const echoOut = opts.echo?.process(frame.data, performance.now());
      const samples = echoOut?.stt ?? frame.data;
      const levelDb = rmsDbfs(samples);
      const change = level.push(levelDb, FRAME_MS);
      if (change) events.onLevel(change);

      setSilence();
      const vadInput = echoOut?.vad ?? samples;
      // Before VAD runs on this frame: the pause is not kept waiting for its inference.
      onset?.(vadInput, echoOut, vad.speaking);
      const vadEvents = await vad.push(vadInput);
      if (signal.aborted) break;
      const missed = sound.frame({ levelActive: level.active, levelChanged: !!change, vad });
      if (missed) events.onSoundWithoutSpeech?.(missed);

      const now = performance.now();
      const actions = segmenter.frame({
        samples,
        levelDb,
        vadEvents,
        vad: { speaking: vad.speaking, silenceMs: vad.silenceMs, timeMs: vad.timeMs },
        sttCanDraft: stt.canDraft,
      });
      /** performance.now() of a stream time, from how far back it lies in the stream. */
      const at = (streamMs: number) => now - (vad.timeMs - streamMs);
      carryOutAll(actions, { stt, events, echoOut, at });
    }
  } finally {
    mic.release();
    if (level.active) events.onLevel({ active: false, dbfs: -100 });
    vad.close();
    opts.echo?.close();
    await stt.close();
  }
}

/**
 * A reader of the microphone's frames. A pending read() cannot be interrupted by the signal
 * itself: cancelling the reader ends it. release() when done.
 */
function readMicrophone(
  frames: ReadableStream<AudioFrame>,
  signal: AbortSignal,
): { reader: ReadableStreamDefaultReader<AudioFrame>; release(): void } {
  const reader = frames.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  return {
    reader,
    release: () => {
      signal.removeEventListener('abort', cancel);
      reader.releaseLock();
    },
  };
}

/**
 * While the agent speaks, speech ends after `quickSilenceMs` instead of the VAD's usual silence
 * (with both `agentSpeaking` and `quickSilenceMs`): call before each frame goes to VAD.
 */
function silenceSetter(vad: VadStream, opts: ListenerOptions): () => void {
  const normalSilenceMs = vad.minSilenceMs;
  return () => {
    if (opts.agentSpeaking && opts.quickSilenceMs !== undefined) {
      vad.minSilenceMs = opts.agentSpeaking() ? opts.quickSilenceMs : normalSilenceMs;
    }
  };
}

/** What carrying out the segmenter's actions for one frame needs. */
interface ActionTarget {
  stt: SttFeed;
  events: ListenerEvents;
  /** What the echo canceller made of the frame, if there is one. */
  echoOut: EchoOutput | undefined;
  /** performance.now() of a stream time. */
  at: (streamMs: number) => number;
}

/**
 * Carries out one frame's actions in order, each before the next is decided: the STT's answer
 * to a draft decides what follows.
 */
function carryOutAll(actions: ReturnType<Segmenter['frame']>, to: ActionTarget): void {
  for (let step = actions.next(); !step.done;) {
    const action = step.value;
    if (action.type === 'draft') {
      step = actions.next(to.stt.draft());
    } else {
      carryOut(action, to);
      step = actions.next();
    }
  }
}

/** Does what the segmenter asked for (a draft aside). */
function carryOut(action: Exclude<SegmenterAction, { type: 'draft' }>, to: ActionTarget): void {
  const { stt, events, at } = to;
  switch (action.type) {
    case 'utteranceStart':
      return stt.startUtterance();
    case 'evidenceFrame':
      return stt.evidenceFrame(to.echoOut, action.inSpeech);
    case 'evidenceCommitted':
      return stt.evidenceCommitted();
    case 'push':
      return stt.push(action.samples);
    case 'commit':
      return stt.commit();
    case 'speechStart':
      return events.onSpeechStart(at(action.streamMs));
    case 'speechEnd':
      return events.onSpeechEnd(at(action.streamMs));
    case 'speechLasting':
      return events.onSpeechLasting(at(action.streamMs), stt.currentEcho());
    case 'draftOutcome':
      return events.onSttDraft?.(action.outcome);
  }
}

/**
 * While the agent speaks, a sound `onsetDbfs` loud for ONSET_ATTACK_MS fires onSoundOnset before
 * VAD can call it speech, if it is louder than the agent's echo could be. Undefined without
 * `onsetDbfs`. Takes each frame as VAD will hear it, before VAD does.
 */
function soundOnsets(
  opts: ListenerOptions,
  events: ListenerEvents,
):
  | ((vadInput: Int16Array, echoOut: EchoOutput | undefined, vadSpeaking: boolean) => void)
  | undefined {
  if (opts.onsetDbfs === undefined) return undefined;
  const onset = new ActivityDetector({
    thresholdDbfs: opts.onsetDbfs,
    attackMs: ONSET_ATTACK_MS,
    releaseMs: ONSET_RELEASE_MS,
  });
  return (vadInput, echoOut, vadSpeaking) => {
    // Only a frame the echo gate's margin louder than the agent's echo could be in it (at any
    // delay) counts towards an onset: in a microphone that carries the agent's voice, the echo's
    // own onsets (a reply's first word, a delay that moved) paused the reply over and over in the
    // bench's echo scenario.
    const db = rmsDbfs(vadInput);
    const beyondEcho = echoOut === undefined || db > echoOut.echoDb + ECHO_MARGIN_DB;
    const change = onset.push(beyondEcho ? db : SILENCE_DBFS, FRAME_MS);
    if (change?.active && !vadSpeaking && opts.agentSpeaking?.()) events.onSoundOnset?.();
  };
}
