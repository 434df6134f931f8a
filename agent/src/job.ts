import { RoomEvent, TrackKind, TrackSource } from '@livekit/rtc-node';
import type { RemoteParticipant, RemoteTrack, RemoteTrackPublication } from '@livekit/rtc-node';
import { HEARING_ATTRIBUTE } from '@voice-agent/common';
import { monitorInput } from './audio/input.js';
import { DEFAULT_ACTIVITY } from './audio/level.js';
import { playPcm } from './audio/playout.js';
import type { AgentConfig } from './config.js';
import { Greeter } from './conversation/greeter.js';
import type { Tts } from './providers/tts/tts.js';
import { AgentRoom, isHuman } from './room/agent_room.js';
import { HearingReporter } from './room/hearing.js';
import type { JobContext, JobEntry } from './worker/worker.js';
import { errorFields } from './worker/worker.js';

/** Longest wait for someone to subscribe to the agent's voice before greeting anyway. */
const LISTENER_WAIT_MS = 3_000;

export interface JobDeps {
  config: Pick<AgentConfig, 'AGENT_GREETING' | 'AGENT_INPUT_ACTIVE_DBFS'>;
  tts: Tts;
}

/**
 * One room, top to bottom: join, listen to every human's microphone, greet each person by name,
 * and leave when the room ends or the job is terminated.
 */
export function createJobEntry({ config, tts }: JobDeps): JobEntry {
  return async (ctx: JobContext) => {
    const { log } = ctx;
    const room = await AgentRoom.join(ctx.url, ctx.token);
    const job = new AbortController();
    const end = (reason: string) => {
      if (!job.signal.aborted) log.info({ reason }, 'leaving room');
      job.abort();
    };
    ctx.signal.addEventListener('abort', () => end('terminated'), { once: true });
    room.room.on(RoomEvent.Disconnected, (reason) => end(`disconnected (${String(reason)})`));
    log.info({ joinMs: Date.now() - ctx.assignedAt, trackSid: room.trackSid }, 'agent joined room');

    const hearing = new HearingReporter((json) =>
      room.setAttributes({ [HEARING_ATTRIBUTE]: json }),
    );
    let firstAudio = true;
    const say = async (text: string) => {
      if (job.signal.aborted) return;
      try {
        await room.setState('speaking');
        const { samples, synthesisMs } = await tts.synthesize(text, job.signal);
        const started = Date.now();
        const { playedMs, interrupted } = await room.transcribeAgentSpeech(text, () =>
          playPcm(room.source, samples, job.signal),
        );
        log.info(
          {
            text,
            synthesisMs: Math.round(synthesisMs),
            playedMs: Math.round(playedMs),
            interrupted,
            ...(firstAudio ? { sinceAssignedMs: started - ctx.assignedAt } : {}),
          },
          'agent spoke',
        );
        firstAudio = false;
      } catch (err) {
        if (!job.signal.aborted) log.error({ err: errorFields(err) }, 'agent could not speak');
      } finally {
        if (!job.signal.aborted) await room.setState('listening').catch(() => undefined);
      }
    };
    const greeter = new Greeter(config.AGENT_GREETING, say);
    const inputs = new Set<Promise<void>>();

    const greetWhenReady = async (p: RemoteParticipant) => {
      greeter.arrived(p.identity);
      await room.whenHeard(LISTENER_WAIT_MS);
      void greeter.greet(p.identity, p.name || p.identity);
    };

    const onTrack = (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => {
      if (track.kind !== TrackKind.KIND_AUDIO || pub.source !== TrackSource.SOURCE_MICROPHONE)
        return;
      if (!isHuman(p)) return;
      log.info({ participant: p.identity, trackSid: pub.sid }, 'listening to microphone');
      hearing.set(p.identity, { active: false, dbfs: -100 });
      const task = monitorInput(
        track,
        { thresholdDbfs: config.AGENT_INPUT_ACTIVE_DBFS, ...DEFAULT_ACTIVITY },
        job.signal,
        ({ active, dbfs }) => {
          log.debug({ participant: p.identity, active, dbfs: Math.round(dbfs) }, 'input activity');
          hearing.set(p.identity, { active, dbfs: Math.round(dbfs * 10) / 10 });
        },
      )
        .catch((err: unknown) =>
          log.warn({ participant: p.identity, err: errorFields(err) }, 'microphone stream failed'),
        )
        .finally(() => inputs.delete(task));
      inputs.add(task);
    };

    room.room
      .on(RoomEvent.TrackSubscribed, onTrack)
      .on(RoomEvent.ParticipantConnected, (p) => {
        if (!isHuman(p)) return;
        log.info({ participant: p.identity }, 'participant joined');
        void greetWhenReady(p);
      })
      .on(RoomEvent.ParticipantDisconnected, (p) => {
        log.info({ participant: p.identity }, 'participant left');
        greeter.left(p.identity);
        hearing.remove(p.identity);
      });

    // People already in the room when the agent arrived, and tracks subscribed during the join.
    for (const p of room.humans()) {
      for (const pub of p.trackPublications.values()) {
        if (pub.track && pub.subscribed) onTrack(pub.track as RemoteTrack, pub, p);
      }
      void greetWhenReady(p);
    }
    await room.setState('listening');

    await new Promise<void>((resolve) => {
      if (job.signal.aborted) resolve();
      else job.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    hearing.close();
    await Promise.allSettled([...inputs]);
    await room.leave();
  };
}
