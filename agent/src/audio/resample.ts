import { PIPELINE_SAMPLE_RATE } from './format.js';
import { PolyphaseResampler } from './vad_resampler.js';

/**
 * Converts a whole mono utterance to the pipeline rate (no-op when it already is), in plain
 * JavaScript: no synchronous call into rtc-node's FFI on the event loop (a greeting's resample
 * through rtc-node's AudioResampler coincided with the agent's event loop freezing for good in
 * 1 of 3 runs of the browser test).
 */
export function toPipelineRate(samples: Int16Array, sampleRate: number): Int16Array {
  if (sampleRate === PIPELINE_SAMPLE_RATE) return samples;
  const resampler = new PolyphaseResampler(sampleRate, PIPELINE_SAMPLE_RATE);
  // The filter delays its output: feed silence to flush the tail, then drop the delay.
  const delayIn = Math.ceil((resampler.delayMs * sampleRate) / 1000) + 1;
  const delayOut = Math.round((resampler.delayMs * PIPELINE_SAMPLE_RATE) / 1000);
  const head = resampler.push(samples);
  const tail = resampler.push(new Int16Array(delayIn));
  const length = Math.round((samples.length * PIPELINE_SAMPLE_RATE) / sampleRate);
  const out = new Int16Array(length);
  for (let i = 0; i < length; i++) {
    const at = i + delayOut;
    const v = at < head.length ? head[at]! : (tail[at - head.length] ?? 0);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * 32768)));
  }
  return out;
}
