/**
 * The transport probe's relay: a participant in its own process, publishing and listening the
 * way the agent does (rtc-node; 24 kHz mono; 10 ms frames; an AudioSource with the agent's
 * 200 ms queue) but deciding nothing. Told by its parent (IPC) what to do on the next sound it
 * hears, it does it on the first 10 ms frame with sound:
 *
 *   start  begin playing a tone (the transport part of voice-to-voice)
 *   stop   clear the source's queue and stop the tone it is playing (the transport part of a
 *          barge-in stop)
 *
 * and reports when that frame arrived and when it acted, in epoch ms (one machine, one clock).
 */
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  dispose,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
} from '@livekit/rtc-node';
import type { RemoteTrack } from '@livekit/rtc-node';
import { SOUND_PEAK } from '@voice-agent/e2e/participants';
import {
  AGENT_SOURCE_QUEUE_MS,
  RELAY_SAMPLE_RATE,
  type RelayCommand,
  type RelayReport,
} from './protocol.js';

const FRAME_SAMPLES = RELAY_SAMPLE_RATE / 100;

function send(report: RelayReport): void {
  process.send?.(report);
}

/** A 440 Hz tone at about -12 dBFS, 10 ms at a time, phase continuous. */
function toneFrames(): () => Int16Array {
  let n = 0;
  return () => {
    const frame = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++, n++) {
      frame[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * n) / RELAY_SAMPLE_RATE));
    }
    return frame;
  };
}

async function main(): Promise<void> {
  const url = process.env.RELAY_URL;
  const token = process.env.RELAY_TOKEN;
  const queueMs = Number(process.env.RELAY_QUEUE_MS ?? AGENT_SOURCE_QUEUE_MS);
  if (!url || !token) throw new Error('RELAY_URL and RELAY_TOKEN are required');

  const room = new Room();
  let armed: 'start' | 'stop' | undefined;
  let playing = false;
  const source = new AudioSource(RELAY_SAMPLE_RATE, 1, queueMs);
  const nextFrame = toneFrames();

  /** Bumped by every start and stop: a playout loop runs while its generation is current. */
  let generation = 0;
  const play = async (): Promise<void> => {
    const mine = ++generation;
    send({ type: 'playing' });
    while (mine === generation) {
      // Like the agent's Speaker: each frame is handed over as soon as the queue takes it, and a
      // frame that was being handed over when the queue was cleared is cleared again.
      await source.captureFrame(new AudioFrame(nextFrame(), RELAY_SAMPLE_RATE, 1, FRAME_SAMPLES));
      if (mine !== generation && !playing) source.clearQueue();
    }
  };
  const stop = (): void => {
    generation++;
    playing = false;
    source.clearQueue();
  };

  const listen = async (track: RemoteTrack): Promise<void> => {
    const stream = new AudioStream(track, {
      sampleRate: RELAY_SAMPLE_RATE,
      numChannels: 1,
      frameSizeMs: 10,
    });
    const reader = stream.getReader();
    for (;;) {
      const { done, value: frame } = await reader.read();
      if (done) return;
      const action = armed;
      if (action === undefined) continue;
      let peak = 0;
      for (const s of frame.data) peak = Math.max(peak, Math.abs(s));
      if (peak < SOUND_PEAK) continue;
      const heardAt = Date.now();
      armed = undefined;
      if (action === 'stop') stop();
      else {
        playing = true;
        void play();
      }
      send({ type: 'acted', action, heardAt, actedAt: Date.now() });
    }
  };

  room.on(RoomEvent.TrackSubscribed, (track) => {
    if (track.kind === TrackKind.KIND_AUDIO) void listen(track);
  });
  process.on('message', (cmd: RelayCommand) => {
    if (cmd.type === 'arm') armed = cmd.action;
    else if (cmd.type === 'play') {
      playing = true;
      void play();
    } else if (cmd.type === 'hush') {
      stop();
    } else if (cmd.type === 'quit') {
      stop();
      void room
        .disconnect()
        .finally(() => dispose())
        .finally(() => process.exit(0));
    }
  });

  await room.connect(url, token, { autoSubscribe: true, dynacast: false });
  const track = LocalAudioTrack.createAudioTrack('relay', source);
  await room.localParticipant!.publishTrack(
    track,
    new TrackPublishOptions({ source: TrackSource.SOURCE_MICROPHONE }),
  );
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
