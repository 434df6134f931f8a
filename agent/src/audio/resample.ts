import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';
import { PIPELINE_SAMPLE_RATE } from './format.js';

/** Converts a whole mono utterance to the pipeline rate (no-op when it already is). */
export function toPipelineRate(samples: Int16Array, sampleRate: number): Int16Array {
  if (sampleRate === PIPELINE_SAMPLE_RATE) return samples;
  const resampler = new AudioResampler(
    sampleRate,
    PIPELINE_SAMPLE_RATE,
    1,
    AudioResamplerQuality.MEDIUM,
  );
  try {
    const frames = [
      ...resampler.push(new AudioFrame(samples, sampleRate, 1, samples.length)),
      ...resampler.flush(),
    ];
    const out = new Int16Array(frames.reduce((n, f) => n + f.data.length, 0));
    let at = 0;
    for (const f of frames) {
      out.set(f.data, at);
      at += f.data.length;
    }
    return out;
  } finally {
    resampler.close();
  }
}
