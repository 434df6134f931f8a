/**
 * How long a TTS stream may give no audio, once it has begun, before it counts as stalled (ms).
 * Providers send speech far faster than real time; a gap this long is a stalled stream, and
 * waiting the LLM's 5 s would be 5 s of silence mid-sentence (the fault suite measured 5.9 s).
 */
export const TTS_STALL_MS = 1_500;
