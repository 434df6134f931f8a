import { AudioFrame } from '@livekit/rtc-node';
import type { AudioSource } from '@livekit/rtc-node';
import {
  PIPELINE_CHANNELS,
  PIPELINE_SAMPLE_RATE,
  SAMPLES_PER_FRAME,
  samplesToMs,
} from './format.js';

export interface PlayoutResult {
  /** Audio that actually left the source (pushed minus what was still queued when stopped). */
  playedMs: number;
  interrupted: boolean;
}

/**
 * Plays pipeline-format PCM on the agent's AudioSource, frame by frame, so that an abort stops
 * the voice at once: the source's queue is cleared and what was played is reported exactly.
 */
export async function playPcm(
  source: AudioSource,
  pcm: Int16Array,
  signal: AbortSignal,
): Promise<PlayoutResult> {
  let pushed = 0;
  for (let offset = 0; offset < pcm.length && !signal.aborted; offset += SAMPLES_PER_FRAME) {
    const chunk = pcm.subarray(offset, Math.min(offset + SAMPLES_PER_FRAME, pcm.length));
    const data = new Int16Array(SAMPLES_PER_FRAME);
    data.set(chunk);
    await source.captureFrame(
      new AudioFrame(data, PIPELINE_SAMPLE_RATE, PIPELINE_CHANNELS, SAMPLES_PER_FRAME),
    );
    pushed += SAMPLES_PER_FRAME;
  }
  if (!signal.aborted) {
    await Promise.race([source.waitForPlayout(), abortPromise(signal)]);
  }
  if (signal.aborted) {
    const queuedMs = source.queuedDuration;
    source.clearQueue();
    return { playedMs: Math.max(0, samplesToMs(pushed) - queuedMs), interrupted: true };
  }
  return { playedMs: samplesToMs(pushed), interrupted: false };
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
