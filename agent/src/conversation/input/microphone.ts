import type { RemoteTrack } from '@livekit/rtc-node';
import type { EchoReference } from '../../audio/echo.js';
import { EchoCanceller, type EchoCancellerStats } from '../../audio/echo_canceller.js';
import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { DEFAULT_ACTIVITY } from '../../audio/level.js';
import type { SileroVad } from '../../audio/vad.js';
import type { AgentConfig } from '../../config.js';
import type { Logger } from '../../log.js';
import type { Stt } from '../../providers/types.js';
import { listen, microphoneFrames, type ListenerEvents } from './listener.js';

/**
 * The VAD silence that ends speech over the agent: short, so a backchannel's words arrive
 * (and the paused reply resumes) soon after it ends. 120 ms still keeps "mm-hmm" one utterance.
 */
const QUICK_SILENCE_MS = 120;

export interface MicrophoneDeps {
  config: AgentConfig;
  vad: SileroVad;
  stt: Stt | undefined;
  /** What the agent plays, for telling its own voice in the microphone from the person's. */
  echoReference: EchoReference;
  agentSpeaking: () => boolean;
  signal: AbortSignal;
  log: Logger;
}

/**
 * One person's microphone chain as configured: their echo canceller (AGENT_ECHO), VAD, level
 * meter and STT stream, read by the listener until the track ends or `signal` aborts.
 */
export function microphoneChain(
  identity: string,
  track: RemoteTrack,
  deps: MicrophoneDeps,
): { listen: (events: ListenerEvents) => Promise<void>; echo: EchoCanceller | undefined } {
  const { config } = deps;
  const echo = config.AGENT_ECHO === 'off' ? undefined : echoCanceller(identity, deps);
  const options = {
    vad: deps.vad,
    vadOptions: {
      activationThreshold: config.AGENT_VAD_THRESHOLD,
      deactivationThreshold: Math.max(0.05, config.AGENT_VAD_THRESHOLD - 0.15),
      minSpeechMs: config.AGENT_VAD_MIN_SPEECH_MS,
      minSilenceMs: config.AGENT_VAD_SILENCE_MS,
    },
    stt: deps.stt,
    interruptMinSpeechMs: config.AGENT_BACKCHANNEL_MAX_MS,
    agentSpeaking: deps.agentSpeaking,
    quickSilenceMs: Math.min(QUICK_SILENCE_MS, config.AGENT_VAD_SILENCE_MS),
    draftSilenceMs: config.AGENT_STT_DRAFT_SILENCE_MS || undefined,
    echo,
    onsetDbfs: config.AGENT_ONSET_PAUSE_MS > 0 ? config.AGENT_INPUT_ACTIVE_DBFS : undefined,
    activity: { thresholdDbfs: config.AGENT_INPUT_ACTIVE_DBFS, ...DEFAULT_ACTIVITY },
    signal: deps.signal,
  };
  return { listen: (events) => listen(microphoneFrames(track), options, events), echo };
}

function echoCanceller(identity: string, { config, echoReference, log }: MicrophoneDeps) {
  return new EchoCanceller(echoReference, {
    sampleRate: PIPELINE_SAMPLE_RATE,
    native: config.AGENT_ECHO === 'cancel',
    onEngaged: ({ estimate, error }) =>
      error
        ? log.warn({ participant: identity, error }, 'echo canceller unavailable')
        : log.info({ participant: identity, ...estimate }, 'echo in microphone: canceller engaged'),
    // Measured per frame only when the debug log would show it.
    ...(log.isLevelEnabled('debug')
      ? {
          onStats: (stats: EchoCancellerStats) =>
            log.debug({ participant: identity, ...stats }, 'echo canceller'),
        }
      : {}),
  });
}
