import { RpcError } from '@livekit/rtc-node';
import { personaFor, REPLY_POLICY_ATTRIBUTE } from '@voice-agent/common';
import type { ModelsReport, Personas } from '@voice-agent/common';
import { rpcContextUpdate, UpdateRefused, type RoomContexts } from './admin/context_update.js';
import { EchoReference } from './audio/echo.js';
import { Speaker } from './audio/speaker.js';
import type { SileroVad } from './audio/vad.js';
import type { AgentConfig } from './config.js';
import { errorFields, type Logger } from './log.js';
import { Conversation } from './conversation/conversation.js';
import { ChatContext } from './conversation/memory/context.js';
import { freshMemory, type RoomMemories } from './conversation/memory/room_memory.js';
import { summarizeWith } from './conversation/memory/summary.js';
import { estimateTokens } from './conversation/memory/tokens.js';
import { AddressingNotice } from './conversation/decisions/addressing_notice.js';
import { BargeIn } from './conversation/decisions/barge_in.js';
import { OnsetPause } from './conversation/decisions/onset_pause.js';
import { roomTurnPolicy } from './conversation/decisions/turn_policy.js';
import { microphoneChain, type MicrophoneDeps } from './conversation/input/microphone.js';
import { PersonInput, PersonInputs } from './conversation/input/person_input.js';
import type { PersonInputDeps } from './conversation/input/person_input.js';
import { Greeter, greetWhenHeard, prepareGreetings } from './conversation/output/greeter.js';
import { PreparedVoice } from './conversation/output/prepared_voice.js';
import type { FillerClip } from './conversation/output/filler.js';
import type { ToolSettings } from './conversation/output/reply_tools.js';
import { SpokenWords } from './conversation/output/spoken_words.js';
import { turnMetrics } from './metrics/turns.js';
import { redactPii } from './privacy/redact.js';
import type { Llm, SpeechSynthesizer, Stt } from './providers/types.js';
import type { RoomPerson } from './room/person.js';
import { RoomIO, type Microphone } from './room/room_io.js';
import { WorkerShuttingDown, type JobContext, type JobEntry } from './worker/worker.js';
import type { ClusterRooms, RoomHold, TakenRoom } from './cluster/room_leases.js';

/** Longest wait for someone to subscribe to the agent's voice before greeting anyway. */
const LISTENER_WAIT_MS = 3_000;
const NO_MODEL_NOTE = ' No language model is configured, so I can only greet you.';
/** A reply paused by speech whose words have not come this long after it ended plays on. */
const BARGE_IN_WORDS_TIMEOUT_MS = 1_500;

export interface JobDeps {
  config: AgentConfig;
  /** Who the agent is in a room; the room's dispatch picks one. */
  personas: Personas;
  /** Where live context updates find a room's conversation (admin/context_update.ts). */
  contexts?: RoomContexts | undefined;
  /**
   * Each room's conversation and who was greeted, kept between the room's jobs (a server
   * restart, a dropped connection); none: every job starts afresh.
   */
  memories?: RoomMemories | undefined;
  /**
   * Rooms shared with the other workers (REDIS_URL): each room's conversation kept in Redis for
   * whichever worker's job comes next, and a lease that has a dead worker's rooms dispatched
   * again. None: this process on its own.
   */
  cluster?: ClusterRooms | undefined;
  stt: Stt | undefined;
  llm: Llm | undefined;
  /** The TTS stage in a persona's voice (its own voice for none). */
  ttsFor: (voice: string | undefined) => SpeechSynthesizer;
  /** Speaks when `tts` fails before any audio (the embedded voice). */
  fallbackTts: SpeechSynthesizer;
  models: ModelsReport;
  vad: SileroVad;
  /** Said when a reply is late (made once per process, ahead of need); none: no filler. */
  filler?: FillerClip | undefined;
  /** The tools the model may call (the process's registry); none: replies call no tools. */
  tools?: ToolSettings | undefined;
  /**
   * The people in a room, asked of the server before the agent has joined it: their greetings
   * are synthesised while it joins. Without it, each greeting is synthesised once they are seen.
   */
  peopleIn?: (room: string) => Promise<RoomPerson[]>;
}

/**
 * One room, composed: the room's inputs and outputs, the conversation (the floor and its
 * context), the barge-in decisions over it, and one input per person whose microphone the
 * agent hears. Runs until the room ends or the job is terminated.
 */
export function createJobEntry(deps: JobDeps): JobEntry {
  const { config } = deps;
  return async (ctx: JobContext) => {
    const { persona, unknown } = personaFor(
      deps.personas,
      ctx.job.metadata,
      ctx.job.room?.metadata,
    );
    const log = ctx.log.child({ persona: persona.name });
    if (unknown) log.warn({ asked: unknown }, 'no such persona: the default speaks');
    const tts = deps.ttsFor(persona.voice);
    const voice = new PreparedVoice(tts);
    const greeting = (persona.greeting ?? config.AGENT_GREETING) + (deps.llm ? '' : NO_MODEL_NOTE);
    const agentName = persona.displayName ?? config.AGENT_DISPLAY_NAME;
    const addressing = new AddressingNotice({
      setting: config.AGENT_REPLY_POLICY,
      agentName,
      // A page that misses it only lacks the hint; the spoken note still tells people.
      publish: (policy) =>
        void io.room
          .setAttributes({ [REPLY_POLICY_ATTRIBUTE]: policy })
          .catch((err: unknown) =>
            log.warn({ err: errorFields(err), policy }, 'could not publish the reply policy'),
          ),
    });
    const roomName = ctx.job.room?.name;
    const newContext = () =>
      new ChatContext({
        instructions: persona.instructions,
        tokenBudget: config.AGENT_CONTEXT_TOKENS,
        // Sent with every request: their share of the budget is theirs.
        reservedTokens: deps.tools
          ? estimateTokens(JSON.stringify(deps.tools.registry.specs()))
          : undefined,
        summarize: deps.llm && summarizeWith(deps.llm),
        redact: config.AGENT_REDACT === 'llm' ? redactPii : undefined,
        log,
      });
    // The room's conversation so far, if the agent was here before (a job of this process that
    // is still here hands it over and leaves).
    const replaced = new AbortController();
    const lease =
      roomName && deps.memories
        ? deps.memories.take(roomName, newContext, () => replaced.abort())
        : freshMemory(newContext);
    const { context, greeted } = lease.memory;
    if (lease.restored) {
      log.info({ greeted: greeted.size }, 'conversation restored from an earlier job');
    }
    const held =
      roomName && deps.cluster
        ? deps.cluster.hold(
            roomName,
            {
              jobId: ctx.job.id,
              identity: ctx.identity,
              agentName: config.AGENT_NAME,
              metadata: ctx.job.metadata,
            },
            () => ({ context: context.snapshot(), greeted: [...greeted] }),
          )
        : undefined;
    const taken = held && (await takeRoom(held, log));
    // Kept by an earlier job of another worker (this process's own memory is as new); with
    // AGENT_ROOM_MEMORY_MS=0 (no deps.memories) every job starts afresh.
    if (taken?.memory && deps.memories && !lease.restored) {
      context.restore(taken.memory.context);
      for (const identity of taken.memory.greeted) greeted.add(identity);
      log.info(
        { greeted: greeted.size, turns: taken.memory.context.turns.length, resumed: taken.resumed },
        'conversation restored from another worker',
      );
    }
    const unobserved = held && context.observe(held.changed);
    const greeter = new Greeter(
      greeting,
      (text, heard, wanted) => conversation.say(text, heard, wanted),
      () => addressing.greetingNote(io.humans().length),
      greeted,
    );
    if (deps.peopleIn && roomName)
      void prepareGreetings(deps.peopleIn(roomName), greeter, voice, log);
    const joining = {
      log,
      models: deps.models,
      assignedAt: ctx.assignedAt,
      voiceIdleMs: config.AGENT_VOICE_IDLE_MS,
      // Where another worker can take the room over, a connection that stays lost gives it up.
      reconnectMs: held ? config.AGENT_ROOM_RECONNECT_MS : undefined,
    };
    const io = await RoomIO.join(ctx.url, ctx.token, joining).catch(async (err: unknown) => {
      lease.release();
      unobserved?.();
      await letGo(held, { handOver: false }, log);
      void voice.close();
      throw err;
    });
    // Also a termination, or a newer job here, that came while joining.
    endWhenAborted(ctx.signal, () => io.end('terminated'));
    endWhenAborted(replaced.signal, () => io.end('replaced by a newer job'));
    if (held) endWhenAborted(held.lost, () => io.end('another job took the room'));

    const echoReference = new EchoReference();
    const spokenWords = new SpokenWords();
    const people = new PersonInputs();
    io.room.holdVoiceWhile(() => people.busy());
    const unlisted = roomName ? deps.contexts?.add(roomName, context) : undefined;
    const keys = { apiKey: config.LIVEKIT_API_KEY, apiSecret: config.LIVEKIT_API_SECRET };
    const updateByRpc = async (caller: string, payload: string) => {
      try {
        const { answer, update } = await rpcContextUpdate(
          payload,
          caller,
          roomName ?? '',
          context,
          keys,
        );
        const applied = {
          instructions: update.instructions !== undefined,
          facts: update.facts?.length ?? 0,
        };
        log.info({ by: caller, via: 'rpc', ...applied }, 'context updated');
        return answer;
      } catch (err) {
        if (!(err instanceof UpdateRefused)) throw err;
        log.warn({ by: caller, status: err.status, reason: err.message }, 'context update refused');
        throw new RpcError(err.status, err.message);
      }
    };
    const conversation = new Conversation({
      room: io.room,
      speaker: new Speaker(io.room.voice, echoReference),
      llm: deps.llm,
      tts: voice,
      // No other voice to fall back to: the same one, not a second try of it.
      fallbackTts: deps.fallbackTts === tts ? voice : deps.fallbackTts,
      log,
      signal: io.signal,
      context,
      options: {
        apology: config.AGENT_APOLOGY,
        filler: deps.filler && { clip: deps.filler, afterMs: config.AGENT_FILLER_AFTER_MS },
        tools: deps.tools,
        budgets: {
          stt_final: config.AGENT_BUDGET_STT_FINAL_MS,
          llm_ttft: config.AGENT_BUDGET_LLM_FIRST_TOKEN_MS,
          tts_ttfb: config.AGENT_BUDGET_TTS_FIRST_BYTE_MS,
          end_to_end: config.AGENT_BUDGET_VOICE_TO_VOICE_MS,
        },
        onWordPlayed: (word) => spokenWords.played(word, performance.now()),
        onSaying: (text) => spokenWords.saying(text, performance.now()),
        onSayingDone: () => spokenWords.doneSaying(performance.now()),
        onReplyLikely: () => io.room.voice.warm(),
      },
      policy: roomTurnPolicy({
        setting: config.AGENT_REPLY_POLICY,
        agentName,
        humans: () => io.humans(),
        log,
      }),
      humansBusy: people.busy,
    });
    // The agent's own words heard back while it says them are echo (input/echo_judge.ts).
    const chain: MicrophoneDeps = {
      ...deps,
      echoReference,
      agentSpeaking: () => conversation.speaking,
      signal: io.signal,
      log,
    };
    const decide = {
      ...bargeInOver(conversation, config, log),
      turns: conversation,
      agentWords: spokenWords,
    };
    const hear = (mic: Microphone) => {
      // Until their track ends, the room ends, or a newer microphone of theirs replaces it.
      const stop = new AbortController();
      const signal = AbortSignal.any([io.signal, stop.signal]);
      const micChain = microphoneChain(mic.person.identity, mic.track, { ...chain, signal });
      const input = personInput(mic, io, micChain, {
        ...decide,
        config,
        apologizeForLostTurns: deps.llm !== undefined,
        wordsLateAfterMs: deps.filler ? config.AGENT_FILLER_AFTER_MS : undefined,
        log,
      });
      people.add(input, mic.trackSid, () => stop.abort());
    };

    io.start({
      hears: (identity, trackSid) => people.hears(identity, trackSid),
      microphone: hear,
      joined: (p) => {
        // A voice withdrawn in an empty room is published again for their greeting.
        io.room.voice.warm();
        addressing.humansChanged(io.humans().length);
        greetWhenHeard(greeter, p, io.room.whenHeard(LISTENER_WAIT_MS), log);
      },
      left: (identity, trackSids) => {
        // Normally their stream has ended already; this covers a stream rtc-node never closed.
        if (people.stop(identity, trackSids)) log.debug({ participant: identity }, 'input stopped');
        addressing.humansChanged(io.humans().length);
        greeter.left(identity);
      },
      typed: (from, text) => conversation.typed(from, text),
      interrupt: (by) => conversation.interrupt('rpc', by),
      updateContext: (caller, payload) => updateByRpc(caller, payload),
    });
    if (taken?.resumed) {
      log.info('taking over from an agent that died: saying so');
      void conversation.say(config.AGENT_RESUME_LINE, io.room.whenHeard(LISTENER_WAIT_MS));
    }
    await untilAborted(io.signal);
    unlisted?.();
    unobserved?.();
    lease.release();
    void voice.close();
    // Connection lost: the room goes to a worker that can reach it at once (leaving a room
    // through a dead LiveKit node can take as long as rtc-node's retries).
    const lost = io.connectionLost;
    if (lost) await letGo(held, { handOver: true }, log);
    await people.closed();
    await io.close();
    // A worker that stops leaves its rooms to the others; a room that ended is let go.
    if (!lost)
      await letGo(held, { handOver: ctx.signal.reason instanceof WorkerShuttingDown }, log);
  };
}

/** One person's input: their microphone chain, turns and decisions, shown in the room. */
function personInput(
  mic: Microphone,
  io: RoomIO,
  chain: ReturnType<typeof microphoneChain>,
  deps: Pick<
    PersonInputDeps,
    | 'bargeIn'
    | 'onsetPause'
    | 'turns'
    | 'agentWords'
    | 'apologizeForLostTurns'
    | 'wordsLateAfterMs'
    | 'log'
  > & { config: AgentConfig },
): PersonInput {
  const { config } = deps;
  return new PersonInput({
    ...deps,
    person: mic.person,
    listen: chain.listen,
    carriesEcho: () => chain.echo?.estimate !== undefined,
    turnDetector: {
      completeHoldMs: config.AGENT_TURN_HOLD_MS,
      incompleteHoldMs: config.AGENT_TURN_HOLD_INCOMPLETE_MS,
    },
    events: {
      transcript: (t) => io.transcript(mic, t),
      heard: (level) => io.heard(mic.person.identity, level),
    },
  });
}

/**
 * The room's barge-in decisions over `conversation`: a sound pauses the reply before VAD can
 * call it speech (the onset pause), and barge-in takes that pause over and decides.
 */
function bargeInOver(
  conversation: Conversation,
  config: AgentConfig,
  log: Logger,
): { bargeIn: BargeIn; onsetPause: OnsetPause } {
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
    },
    onsetPause,
    (who, verdict, how) => {
      turnMetrics.bargeIn(verdict);
      log.info({ participant: who, verdict, how }, 'barge-in decided');
    },
  );
  return { bargeIn, onsetPause };
}

/** Takes the room in Redis; a Redis that fails costs the room its shared memory, not its agent. */
async function takeRoom(held: RoomHold, log: Logger): Promise<TakenRoom | undefined> {
  try {
    return await held.take();
  } catch (err) {
    log.warn({ err: errorFields(err) }, 'room not taken in redis: its conversation is not shared');
    return undefined;
  }
}

async function letGo(
  held: RoomHold | undefined,
  opts: { handOver: boolean },
  log: Logger,
): Promise<void> {
  try {
    await held?.release(opts);
  } catch (err) {
    log.warn({ err: errorFields(err), ...opts }, 'room not released in redis');
  }
}

function endWhenAborted(signal: AbortSignal, end: () => void): void {
  if (signal.aborted) end();
  else signal.addEventListener('abort', end, { once: true });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
