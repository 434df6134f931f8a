import { AudioStream } from '@livekit/rtc-node';
import type { Track } from '@livekit/rtc-node';
import { PIPELINE_CHANNELS, PIPELINE_SAMPLE_RATE, FRAME_MS } from './format.js';
import { ActivityDetector, rmsDbfs } from './level.js';
import type { ActivityChange, ActivityOptions } from './level.js';

/**
 * Reads one participant's microphone as pipeline-format PCM until the track ends or `signal`
 * aborts, and reports when it starts and stops carrying sound.
 */
export async function monitorInput(
  track: Track,
  activity: ActivityOptions,
  signal: AbortSignal,
  onChange: (change: ActivityChange) => void,
): Promise<void> {
  const stream = new AudioStream(track, {
    sampleRate: PIPELINE_SAMPLE_RATE,
    numChannels: PIPELINE_CHANNELS,
    frameSizeMs: FRAME_MS,
  });
  const reader = stream.getReader();
  // A pending read() cannot be interrupted by the signal itself: cancelling the reader ends it.
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  const detector = new ActivityDetector(activity);
  try {
    while (!signal.aborted) {
      const { done, value: frame } = await reader.read();
      if (done || signal.aborted) break;
      const durationMs = (frame.samplesPerChannel * 1000) / frame.sampleRate;
      const change = detector.push(rmsDbfs(frame.data), durationMs);
      if (change) onChange(change);
    }
  } finally {
    signal.removeEventListener('abort', cancel);
    reader.releaseLock();
    if (detector.active) onChange({ active: false, dbfs: -100 });
  }
}
