/** The one audio format inside the agent: every input is converted to it, every output made in it. */
export const PIPELINE_SAMPLE_RATE = 24_000;
export const PIPELINE_CHANNELS = 1;
/** Frame length pushed to the agent's AudioSource and read from AudioStreams. */
export const FRAME_MS = 10;
export const SAMPLES_PER_FRAME = (PIPELINE_SAMPLE_RATE * FRAME_MS) / 1000;

export function samplesToMs(samples: number, sampleRate = PIPELINE_SAMPLE_RATE): number {
  return (samples * 1000) / sampleRate;
}
