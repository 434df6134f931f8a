import { RoomEvent, TrackKind, TrackSource } from '@livekit/rtc-node';
import type { RemoteParticipant, RemoteTrack, RemoteTrackPublication } from '@livekit/rtc-node';
import {
  CHAT_TOPIC,
  HEARING_ATTRIBUTE,
  INTERRUPT_RPC,
  MAX_CHAT_CHARS,
  MODELS_ATTRIBUTE,
} from '@voice-agent/common';
import type { ModelsReport } from '@voice-agent/common';
import { EchoReference } from './audio/echo.js';
import { EchoCanceller, type EchoCancellerStats } from './audio/echo_canceller.js';
import { PIPELINE_SAMPLE_RATE } from './audio/format.js';
import { DEFAULT_ACTIVITY } from './audio/level.js';
import { Speaker } from './audio/speaker.js';
import type { SileroVad } from './audio/vad.js';
import type { AgentConfig } from './config.js';
import type { Logger } from './log.js';
import { BargeIn } from './conversation/decisions/barge_in.js';
import { Conversation } from './conversation/conversation.js';
import { SpokenWords } from './conversation/output/spoken_words.js';
import { chunksOf } from './conversation/output/chunker.js';
import { Greeter } from './conversation/output/greeter.js';
import { PreparedVoice } from './conversation/output/prepared_voice.js';
import { listen } from './conversation/input/listener.js';
import { OnsetPause } from './conversation/decisions/onset_pause.js';
import { TurnDetector } from './conversation/decisions/turn_detector.js';
import { roomTurnPolicy } from './conversation/decisions/turn_policy.js';
import { turnMetrics } from './metrics/turns.js';
import type { Llm, SpeechSynthesizer, Stt } from './providers/types.js';
import { AgentRoom, isHuman, nameOf } from './room/agent_room.js';
import type { RoomPerson } from './room/agent_room.js';
import { HearingReporter } from './room/hearing.js';
import type { JobContext, JobEntry } from './worker/worker.js';
import { errorFields } from './log.js';

/** Longest wait for someone to subscribe to the agent's voice before greeting anyway. */
const LISTENER_WAIT_MS = 3_000;
const NO_MODEL_NOTE = ' No language model is configured, so I can only greet you.';
/** A reply paused by speech whose words have not come this long after it ended plays on. */
const BARGE_IN_WORDS_TIMEOUT_MS = 1_500;
/**
 * The VAD silence that ends speech over the agent: short, so a backchannel's words arrive
 * (and the paused reply resumes) soon after it ends. 120 ms still keeps "mm-hmm" one utterance.
 */
const QUICK_SILENCE_MS = 120;

export interface JobDeps {
  config: AgentConfig;
  stt: Stt | undefined;
  llm: Llm | undefined;
  tts: SpeechSynthesizer;
  /** Speaks when `tts` fails before any audio (the embedded voice). */
  fallbackTts: SpeechSynthesizer;
  models: ModelsReport;
  vad: SileroVad;
  /**
   * The people in a room, asked of the server before the agent has joined it: their greetings
   * are synthesised while it joins. Without it, each greeting is synthesised once they are seen.
   */
  peopleIn?: (room: string) => Promise<RoomPerson[]>;
}

/** What the agent tracks of each person whose microphone it hears. */
interface Person {
  name: string;
  speaking: boolean;
  detector: TurnDetector;
  /** Numbers the person's utterances, for transcript segment ids. */
  utterance: number;
  /** Keeps the agent's own voice out of what is heard from them (AGENT_ECHO). */
  echo: EchoCanceller | undefined;
}

/**
 * One room, top to bottom: join, greet each person by name, hear every human's microphone
 * (level, VAD, STT, turn detection), answer turns through the conversation, stop when anyone
 * speaks over the agent, and leave when the room ends or the job is terminated.
 */
export function createJobEntry(deps: JobDeps): JobEntry {
  const { config } = deps;
  return async (ctx: JobContext) => {
    const { log } = ctx;
    const voice = new PreparedVoice(deps.tts);
    const greeting = config.AGENT_GREETING + (deps.llm ? '' : NO_MODEL_NOTE);
    const greeter = new Greeter(greeting, (text, heard) => conversation.say(text, heard));
    const roomName = ctx.job.room?.name;
    if (deps.peopleIn && roomName)
      void prepareGreetings(deps.peopleIn(roomName), greeter, voice, log);
    const room = await AgentRoom.join(ctx.url, ctx.token).catch((err: unknown) => {
      void voice.close();
      throw err;
    });
    const job = new AbortController();
    const end = (reason: string) => {
      if (!job.signal.aborted) log.info({ reason }, 'leaving room');
      job.abort();
    };
    ctx.signal.addEventListener('abort', () => end('terminated'), { once: true });
    room.room.on(RoomEvent.Disconnected, (reason) => end(`disconnected (${String(reason)})`));
    log.info({ joinMs: Date.now() - ctx.assignedAt, trackSid: room.trackSid }, 'agent joined room');
    await room.setAttributes({ [MODELS_ATTRIBUTE]: JSON.stringify(deps.models) });

    const hearing = new HearingReporter((json) =>
      room.setAttributes({ [HEARING_ATTRIBUTE]: json }),
    );
    // What the agent plays, for telling its own voice in people's microphones from theirs.
    const echoReference = new EchoReference();
    const spokenWords = new SpokenWords();
    const conversation = new Conversation({
      room,
      speaker: new Speaker(room.source, echoReference),
      llm: deps.llm,
      tts: voice,
      // No other voice to fall back to: the same one, not a second try of it.
      fallbackTts: deps.fallbackTts === deps.tts ? voice : deps.fallbackTts,
      log,
      signal: job.signal,
      options: {
        instructions: config.AGENT_INSTRUCTIONS,
        maxMessages: 40,
        apology: config.AGENT_APOLOGY,
        onWordPlayed: (word) => spokenWords.played(word, performance.now()),
      },
      policy: roomTurnPolicy({
        setting: config.AGENT_REPLY_POLICY,
        agentName: config.AGENT_DISPLAY_NAME,
        humans: () => room.humans().map((p) => ({ identity: p.identity, name: nameOf(p) })),
        log,
      }),
    });
    // A sound pauses the reply before VAD can call it speech; barge-in takes that pause over.
    const onsetPause = new OnsetPause(
      {
        pause: (by) => conversation.pause(by),
        resume: () => conversation.resume(),
        stop: (by) => void conversation.interrupt('speech', by),
      },
      {
        confirmWithinMs: config.AGENT_ONSET_PAUSE_MS,
        onLapsed: (who) => log.debug({ participant: who }, 'no speech in the sound: reply resumed'),
      },
    );
    const bargeIn = new BargeIn(
      {
        maxBackchannelMs: config.AGENT_BACKCHANNEL_MAX_MS,
        wordsTimeoutMs: BARGE_IN_WORDS_TIMEOUT_MS,
        // Only for a microphone known to carry the agent's echo: anyone else repeating the
        // agent's words ("nine?") means them.
        isEcho: (who, text) =>
          people.get(who)?.echo?.estimate !== undefined &&
          spokenWords.echoes(text, performance.now()),
      },
      onsetPause,
      (who, verdict, how) => {
        turnMetrics.bargeIn(verdict);
        log.info({ participant: who, verdict, how }, 'barge-in decided');
      },
    );
    const people = new Map<string, Person>();
    conversation.humansBusy = (except) =>
      [...people.entries()].some(([id, p]) => id !== except && (p.speaking || p.detector.pending));

    /** The greeting is synthesised while the agent waits for the person to hear its voice. */
    const greetWhenReady = (p: RemoteParticipant) => {
      greeter.arrived(p.identity);
      const waitFrom = performance.now();
      const heard = room
        .whenHeard(LISTENER_WAIT_MS)
        .then(() =>
          log.debug(
            { participant: p.identity, waitedMs: Math.round(performance.now() - waitFrom) },
            'agent voice has a listener',
          ),
        );
      void greeter.greet(p.identity, nameOf(p), heard);
    };

    const inputs = new Set<Promise<void>>();
    const onTrack = (track: RemoteTrack, pub: RemoteTrackPublication, p: RemoteParticipant) => {
      if (track.kind !== TrackKind.KIND_AUDIO || pub.source !== TrackSource.SOURCE_MICROPHONE)
        return;
      if (!isHuman(p) || people.has(p.identity)) return;
      const identity = p.identity;
      const trackSid = pub.sid ?? '';
      log.info({ participant: identity, trackSid }, 'listening to microphone');
      hearing.set(identity, { active: false, dbfs: -100 });
      const person: Person = {
        name: nameOf(p),
        speaking: false,
        utterance: 1,
        echo:
          config.AGENT_ECHO === 'off'
            ? undefined
            : new EchoCanceller(echoReference, {
                sampleRate: PIPELINE_SAMPLE_RATE,
                native: config.AGENT_ECHO === 'cancel',
                onEngaged: ({ estimate, error }) =>
                  error
                    ? log.warn({ participant: identity, error }, 'echo canceller unavailable')
                    : log.info(
                        { participant: identity, ...estimate },
                        'echo in microphone: canceller engaged',
                      ),
                // Measured per frame only when the debug log would show it.
                ...(log.isLevelEnabled('debug')
                  ? {
                      onStats: (stats: EchoCancellerStats) =>
                        log.debug({ participant: identity, ...stats }, 'echo canceller'),
                    }
                  : {}),
              }),
        detector: new TurnDetector(
          {
            completeHoldMs: config.AGENT_TURN_HOLD_MS,
            incompleteHoldMs: config.AGENT_TURN_HOLD_INCOMPLETE_MS,
          },
          {
            onTurn: (turn) => conversation.userTurn({ ...turn, identity, name: person.name }),
            onDraft: (text) => conversation.draftTurn(identity, person.name, text),
            // A hold that ended in no turn (only noise) may free the floor for waiting turns.
            onSettled: () => conversation.maybeReply(),
          },
        ),
      };
      people.set(identity, person);
      const transcript = (text: string, final: boolean) =>
        room
          .userTranscript({
            identity,
            trackSid,
            segmentId: `${identity}-${person.utterance}`,
            text,
            final,
          })
          .catch((err: unknown) => log.debug({ err: errorFields(err) }, 'transcript not sent'));

      const task = listen(
        track,
        {
          vad: deps.vad,
          vadOptions: {
            activationThreshold: config.AGENT_VAD_THRESHOLD,
            deactivationThreshold: Math.max(0.05, config.AGENT_VAD_THRESHOLD - 0.15),
            minSpeechMs: config.AGENT_VAD_MIN_SPEECH_MS,
            minSilenceMs: config.AGENT_VAD_SILENCE_MS,
          },
          stt: deps.stt,
          interruptMinSpeechMs: config.AGENT_BACKCHANNEL_MAX_MS,
          agentSpeaking: () => conversation.speaking,
          quickSilenceMs: Math.min(QUICK_SILENCE_MS, config.AGENT_VAD_SILENCE_MS),
          draftSilenceMs: config.AGENT_STT_DRAFT_SILENCE_MS || undefined,
          echo: person.echo,
          onsetDbfs: config.AGENT_ONSET_PAUSE_MS > 0 ? config.AGENT_INPUT_ACTIVE_DBFS : undefined,
          activity: { thresholdDbfs: config.AGENT_INPUT_ACTIVE_DBFS, ...DEFAULT_ACTIVITY },
          signal: job.signal,
        },
        {
          onLevel: ({ active, dbfs }) =>
            hearing.set(identity, { active, dbfs: Math.round(dbfs * 10) / 10 }),
          onSoundOnset: () => {
            if (onsetPause.soundOnset(identity))
              log.debug({ participant: identity }, 'reply paused on a sound');
          },
          onSpeechStart: (startAt) => {
            person.speaking = true;
            person.detector.speechStarted();
            conversation.speechStarted();
            const wasHolding = bargeIn.holding;
            bargeIn.speechStarted(identity);
            if (bargeIn.holding && !wasHolding) {
              const onsetToPauseMs = Math.round(performance.now() - startAt);
              log.info({ participant: identity, onsetToPauseMs }, 'barge-in: reply paused');
            }
          },
          onSpeechLasting: (startAt) =>
            bargeIn.speechLasting(identity, performance.now() - startAt),
          onSpeechEnd: (speechEndAt) => {
            person.speaking = false;
            person.detector.speechEnded(speechEndAt);
            bargeIn.speechEnded(identity);
          },
          onTranscript: (event, heard) => {
            if (event.type === 'interim') {
              void transcript(event.text, false);
              log.debug({ participant: identity, text: event.text, ...heard }, 'heard so far');
              bargeIn.interim(identity, event.text, heard);
              return;
            }
            if (event.text.trim()) void transcript(event.text, true);
            // Words only at debug: transcripts do not belong in production logs.
            log.debug({ participant: identity, text: event.text, ...heard }, 'heard');
            person.utterance++;
            // Words that only paused the agent (a backchannel, a cough) are not a turn.
            const verdict = bargeIn.final(identity, event.text, heard);
            const words = verdict === 'backchannel' || verdict === 'noise' ? '' : event.text;
            person.detector.final(words, event.latencyMs);
            conversation.maybeReply();
          },
          onSoundWithoutSpeech: ({ soundMs, maxProbability }) =>
            log.info(
              {
                participant: identity,
                soundMs: Math.round(soundMs),
                maxProbability: Math.round(maxProbability * 100) / 100,
              },
              'sound without speech',
            ),
          onSttDraft: (outcome) => {
            turnMetrics.sttDraft(outcome);
            log.debug({ participant: identity, outcome }, 'stt draft');
          },
          onSttError: (err) => {
            log.error({ participant: identity, err: errorFields(err) }, 'transcription failed');
            // Their words are lost: tell them, rather than wait for a final that never comes.
            const lost = person.detector.pending;
            person.detector.reset();
            bargeIn.forget(identity);
            conversation.forget(identity);
            if (lost && deps.llm) void conversation.apologize('transcription failed', identity);
            conversation.maybeReply();
          },
        },
      )
        .catch((err: unknown) =>
          log.warn({ participant: identity, err: errorFields(err) }, 'microphone stream failed'),
        )
        .finally(() => {
          inputs.delete(task);
          people.get(identity)?.detector.reset();
          people.delete(identity);
          bargeIn.forget(identity);
          conversation.forget(identity);
          conversation.maybeReply();
        });
      inputs.add(task);
    };

    room.room
      .on(RoomEvent.TrackSubscribed, onTrack)
      .on(RoomEvent.ParticipantConnected, (p) => {
        if (!isHuman(p)) return;
        log.info({ participant: p.identity }, 'participant joined');
        greetWhenReady(p);
      })
      .on(RoomEvent.ParticipantDisconnected, (p) => {
        log.info({ participant: p.identity }, 'participant left');
        greeter.left(p.identity);
        hearing.remove(p.identity);
      });

    // Typed input, answered like speech.
    room.room.registerTextStreamHandler(CHAT_TOPIC, (reader, { identity }) => {
      void reader.readAll().then((raw) => {
        const text = raw.trim();
        const sender = room.room.remoteParticipants.get(identity);
        if (!text || !sender || !isHuman(sender)) return;
        if (text.length > MAX_CHAT_CHARS) {
          log.warn(
            { participant: identity, chars: text.length },
            'typed message too long, ignored',
          );
          return;
        }
        const now = performance.now();
        conversation.interrupt('typed message', identity);
        conversation.userTurn({
          identity,
          name: nameOf(sender),
          text,
          speechEndAt: now,
          endedAt: now,
          sttFinalMs: 0,
        });
      });
    });
    room.room.localParticipant!.registerRpcMethod(INTERRUPT_RPC, async (data) =>
      conversation.interrupt('rpc', data.callerIdentity) ? 'ok' : 'idle',
    );

    // People already in the room when the agent arrived, and tracks subscribed during the join.
    for (const p of room.humans()) {
      for (const pub of p.trackPublications.values()) {
        if (pub.track && pub.subscribed) onTrack(pub.track as RemoteTrack, pub, p);
      }
      greetWhenReady(p);
    }
    room.setState('listening');

    await new Promise<void>((resolve) => {
      if (job.signal.aborted) resolve();
      else job.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    hearing.close();
    void voice.close();
    await Promise.allSettled([...inputs]);
    await room.leave();
  };
}

/** Longest a greeting synthesised ahead waits to be asked for before it is dropped. */
const PREPARED_GREETING_KEEP_MS = 10_000;
/** Greetings synthesised ahead at most: the first ones greeted; the rest wait their turn anyway. */
const PREPARED_GREETINGS = 3;

/**
 * Synthesises the first words of each greeting for the people already in the room while the
 * agent joins it (join and synthesis each take 120-250 ms; one after the other before).
 */
async function prepareGreetings(
  people: Promise<RoomPerson[]>,
  greeter: Greeter,
  voice: PreparedVoice,
  log: Logger,
): Promise<void> {
  const askedAt = performance.now();
  try {
    const present = (await people).slice(0, PREPARED_GREETINGS);
    for (const p of present) {
      const first = chunksOf(greeter.textFor(nameOf(p)))[0];
      if (first) voice.prepare(first, PREPARED_GREETING_KEEP_MS);
    }
    log.debug(
      { people: present.length, lookupMs: Math.round(performance.now() - askedAt) },
      'greetings prepared while joining',
    );
  } catch (err) {
    log.debug({ err: errorFields(err) }, 'people in the room unknown before joining');
  }
}
