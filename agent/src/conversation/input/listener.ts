import { AudioStream } from '@livekit/rtc-node';
import type { Track } from '@livekit/rtc-node';
import { FRAME_MS, PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { ECHO_MARGIN_DB } from '../../audio/echo.js';
import type { EchoCanceller } from '../../audio/echo_canceller.js';
import { EchoEvidence, evidenceApplies, overEchoDb } from './echo_evidence.js';
import type { EchoVerdict } from './echo_evidence.js';
import { ActivityDetector, rmsDbfs, SILENCE_DBFS } from '../../audio/level.js';
import type { ActivityChange, ActivityOptions } from '../../audio/level.js';
import type { SileroVad, VadOptions } from '../../audio/vad.js';
import type { ProviderError, Stt, SttEvent } from '../../providers/types.js';

/** Audio kept from before VAD confirmed speech, so STT hears the first syllable too. */
const PREROLL_MS = 300;
/**
 * A sound's onset: this long above `onsetDbfs` (a click is one frame); the next onset needs
 * ONSET_RELEASE_MS below it first.
 */
const ONSET_ATTACK_MS = 20;
const ONSET_RELEASE_MS = 200;
/**
 * An utterance with fewer frames than this louder than the echo could be may be echo alone
 * (echo_evidence.ts). Through the SFU (two runs of the bench's echo scenario): the utterances of
 * echo alone had 0-1 such frames, the person's real "wait" over the echo 11-25.
 */
const ECHO_EVIDENCE_MIN_FRAMES = 5;
/**
 * A draft also waits for this long below the activity threshold, and sound after it that is
 * over by VAD's end drops it: a word's soft end, or a plosive's release after its closure, is
 * sound VAD may call silence.
 */
const DRAFT_QUIET_MS = 50;

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
  /** The current speech has lasted interruptMinSpeechMs (once per utterance). */
  onSpeechLasting(speechStartAt: number): void;
  /**
   * Speech ended at `speechEndAt` (performance.now() time). Its audio is committed to STT right
   * after: its final may come at once (a draft's), so this comes first.
   */
  onSpeechEnd(speechEndAt: number): void;
  /**
   * Words of an utterance, and whether enough of its sound was louder than the agent's echo
   * could be in this microphone (echo_evidence.ts; always so for a microphone without echo).
   */
  onTranscript(event: SttEvent, heard: EchoVerdict): void;
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
 * One person's ears: reads their microphone as pipeline PCM, measures its level, runs VAD on
 * it, and streams their speech (with a short pre-roll) to STT, committing each utterance when
 * VAD says it ended. Runs until the track ends or `signal` aborts.
 */
export async function listen(
  track: Track,
  opts: ListenerOptions,
  events: ListenerEvents,
): Promise<void> {
  const { signal } = opts;
  const stream = new AudioStream(track, {
    sampleRate: PIPELINE_SAMPLE_RATE,
    numChannels: PIPELINE_CHANNELS,
    frameSizeMs: FRAME_MS,
  });
  const reader = stream.getReader();
  // A pending read() cannot be interrupted by the signal itself: cancelling the reader ends it.
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });

  const level = new ActivityDetector(opts.activity);
  const vad = opts.vad.stream(opts.vadOptions);
  const normalSilenceMs = vad.minSilenceMs;
  // A stream that failed after its retries is dead; the next utterance gets a fresh one.
  let sttFailed = false;
  const evidence =
    opts.echo && opts.stt
      ? new EchoEvidence({
          prerollFrames: PREROLL_MS / FRAME_MS,
          minFrames: ECHO_EVIDENCE_MIN_FRAMES,
          marginDb: ECHO_MARGIN_DB,
        })
      : undefined;
  const openStt = () =>
    opts.stt?.stream({
      signal,
      onEvent: (event) =>
        events.onTranscript(
          event,
          !evidence
            ? { beyondEcho: true }
            : event.type === 'final'
              ? evidence.final()
              : evidence.interim(),
        ),
      onError: (error) => {
        sttFailed = true;
        events.onSttError(error);
      },
    });
  let stt = openStt();
  const draftSilenceMs = opts.draftSilenceMs ?? 0;
  const drafting = draftSilenceMs > 0 && opts.stt !== undefined;
  /** Set once the utterance so far went to STT as a draft. */
  let drafted = false;
  /**
   * The frames of a silence inside speech, held back from STT until it is known whose they are:
   * speech going on sends them; at VAD's end, sound still going on (the next words' onset, not
   * yet speech to VAD) goes to the next utterance's pre-roll, and the rest to this one (or, after
   * a confirmed draft, to the pre-roll too).
   */
  const heldBack: { samples: Int16Array; sound: boolean; quietBeforeMs: number }[] = [];
  const sendHeldBack = (frames = heldBack) => {
    for (const f of frames) stt?.pushAudio(f.samples);
  };
  /** How long the microphone has been below the activity threshold. */
  let quietMs = 0;
  const preroll: Int16Array[] = [];
  const prerollFrames = PREROLL_MS / FRAME_MS;
  /** Stream time (ms) where the current speech began. */
  let speechStartMs = 0;
  let lastingSent = false;
  const onset =
    opts.onsetDbfs === undefined
      ? undefined
      : new ActivityDetector({
          thresholdDbfs: opts.onsetDbfs,
          attackMs: ONSET_ATTACK_MS,
          releaseMs: ONSET_RELEASE_MS,
        });
  /** The stretch of sound the level meter hears now: did VAD call any of it speech? */
  let sound: { startMs: number; maxProbability: number; speech: boolean } | undefined;

  try {
    while (!signal.aborted) {
      const { done, value: frame } = await reader.read();
      if (done || signal.aborted) break;
      const echoOut = opts.echo?.process(frame.data, performance.now());
      const samples = echoOut?.stt ?? frame.data;
      const frameDb = rmsDbfs(samples);
      const change = level.push(frameDb, FRAME_MS);
      const quietBeforeMs = quietMs;
      quietMs = frameDb < opts.activity.thresholdDbfs ? quietMs + FRAME_MS : 0;
      if (change) events.onLevel(change);

      if (opts.agentSpeaking && opts.quickSilenceMs !== undefined) {
        vad.minSilenceMs = opts.agentSpeaking() ? opts.quickSilenceMs : normalSilenceMs;
      }
      const vadInput = echoOut?.vad ?? samples;
      // Before VAD runs on this frame: the pause is not kept waiting for its inference.
      if (onset) {
        // Only a frame the echo gate's margin louder than the agent's echo could be in it (at
        // any delay) counts towards an onset: in a microphone that carries the agent's voice,
        // the echo's own onsets (a reply's first word, a delay that moved) paused the reply
        // over and over in the bench's echo scenario.
        const db = rmsDbfs(vadInput);
        const beyondEcho = echoOut === undefined || db > echoOut.echoDb + ECHO_MARGIN_DB;
        const change = onset.push(beyondEcho ? db : SILENCE_DBFS, FRAME_MS);
        if (change?.active && !vad.speaking && opts.agentSpeaking?.()) events.onSoundOnset?.();
      }
      const vadEvents = await vad.push(vadInput);
      if (signal.aborted) break;
      if (level.active || change) {
        sound ??= { startMs: vad.timeMs, maxProbability: 0, speech: false };
        sound.maxProbability = Math.max(sound.maxProbability, vad.probability);
        if (vad.speaking) sound.speech = true;
      }
      if (sound && !level.active) {
        if (!sound.speech) {
          events.onSoundWithoutSpeech?.({
            soundMs: vad.timeMs - sound.startMs,
            maxProbability: sound.maxProbability,
          });
        }
        sound = undefined;
      }
      const now = performance.now();
      /** performance.now() of a stream time, from how far back it lies in the stream. */
      const at = (streamMs: number) => now - (vad.timeMs - streamMs);
      let ended: number | undefined;
      for (const e of vadEvents) {
        if (e.type === 'start') {
          if (sttFailed) {
            sttFailed = false;
            void stt?.close();
            evidence?.reset();
            stt = openStt();
          }
          speechStartMs = e.speechStartMs;
          lastingSent = false;
          // Before the audio goes to STT: a final may come back at once.
          evidence?.started();
          for (const f of preroll) stt?.pushAudio(f);
          preroll.length = 0;
          events.onSpeechStart(at(e.speechStartMs));
        } else {
          ended = at(e.speechEndMs);
        }
      }
      if (evidence && echoOut) {
        const overEcho = overEchoDb(echoOut, {
          applies: evidenceApplies(opts.echo?.estimate),
          audibleDbfs: opts.activity.thresholdDbfs,
        });
        evidence.frame(overEcho, vad.speaking || ended !== undefined);
      }
      if ((heldBack.length > 0 || drafted) && vad.speaking && vad.silenceMs === 0) {
        // Speech went on: the silence was inside the utterance. A draft is dropped by the STT.
        if (drafted) events.onSttDraft?.('dropped');
        drafted = false;
        sendHeldBack();
        heldBack.length = 0;
      }
      if ((vad.speaking && vad.silenceMs > 0) || ended !== undefined) {
        heldBack.push({ samples, sound: quietMs === 0, quietBeforeMs });
      } else if (vad.speaking) {
        stt?.pushAudio(samples);
      } else {
        preroll.push(samples);
        if (preroll.length > prerollFrames) preroll.shift();
      }
      if (
        drafting &&
        !drafted &&
        vad.speaking &&
        vad.silenceMs >= draftSilenceMs &&
        quietMs >= DRAFT_QUIET_MS &&
        stt?.draft
      ) {
        // The draft ends with the silence so far, as the utterance would.
        sendHeldBack();
        heldBack.length = 0;
        drafted = stt.draft();
      }
      if (ended !== undefined) {
        // Sound still going on as VAD ends the speech is the next words' onset, which VAD has
        // not called speech yet (an unvoiced "h", "s", "k"): sent with this utterance, it cut
        // their first sound off (a name after a comma, "…tomorrow, | Sam?", came out "am").
        // Only after a quiet stretch: sound all through was this speech trailing on (a soft end,
        // noise or echo above the threshold).
        let onset = heldBack.length;
        while (onset > 0 && heldBack[onset - 1]!.sound) onset--;
        if ((heldBack[onset]?.quietBeforeMs ?? 0) < DRAFT_QUIET_MS) onset = heldBack.length;
        const silence = heldBack.slice(0, onset);
        const soundInSilence = silence.some((f) => f.sound);
        if (drafted && soundInSilence) {
          // Sound that came and went after the draft was part of the utterance.
          events.onSttDraft?.('dropped');
          drafted = false;
        }
        if (drafted) events.onSttDraft?.('confirmed');
        else sendHeldBack(silence);
        // After a confirmed draft, the silence too becomes the next pre-roll, as if after the end.
        for (const f of drafted ? heldBack : heldBack.slice(onset)) preroll.push(f.samples);
        preroll.splice(0, Math.max(0, preroll.length - prerollFrames));
        drafted = false;
        heldBack.length = 0;
        // Before the commit: an STT may give the utterance's final at once (a short one's, a
        // draft's).
        evidence?.committed();
        events.onSpeechEnd(ended);
        stt?.commit();
      }
      if (vad.speaking && !lastingSent && vad.timeMs - speechStartMs >= opts.interruptMinSpeechMs) {
        lastingSent = true;
        events.onSpeechLasting(at(speechStartMs));
      }
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    reader.releaseLock();
    if (level.active) events.onLevel({ active: false, dbfs: -100 });
    vad.close();
    opts.echo?.close();
    await stt?.close();
  }
}
