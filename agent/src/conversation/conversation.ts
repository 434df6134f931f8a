import type { AgentState, TurnMetrics } from '@voice-agent/common';
import type { SpeechReport } from '../audio/speaker.js';
import type { Logger } from '../log.js';
import { turnMetrics } from '../metrics/turns.js';
import type { StageBudgets } from '../metrics/turns.js';
import type { ChatMessage, Llm, SpeechSynthesizer } from '../providers/types.js';
import { errorFields } from '../log.js';
import type { ChatContext } from './memory/context.js';
import { runReply } from './output/reply.js';
import type { ReplyResult, SpeechOutput } from './output/reply.js';
import type { FillerClip } from './output/filler.js';
import { replyTools } from './output/reply_tools.js';
import type { ToolSettings } from './output/reply_tools.js';
import type { ToolRound } from './tools/round.js';
import type { CompletedTurn } from './decisions/turn_detector.js';

/** Whether the agent answers a turn (reply_policy.ts); by default it answers every turn. */
export interface TurnPolicy {
  /** Would this turn be answered? Records nothing (the turn may not be over yet). */
  preview(turn: { identity: string; text: string }): boolean;
  /** Is this finished turn answered? Logs why. */
  decide(turn: UserTurn): boolean;
  /** The agent finished answering `to` (identities). */
  replied(to: readonly string[]): void;
}

const ALWAYS: TurnPolicy = { preview: () => true, decide: () => true, replied: () => {} };

export interface ConversationOptions {
  /** Said when a turn cannot be answered because a provider is down. */
  apology: string;
  /** Told each word of a reply as it is heard. */
  onWordPlayed?: (word: string) => void;
  /**
   * Told each segment's text from when its reply's playout starts (as its TTS is asked for: a
   * word cut off by a pause was partly heard before it counts as played), and when the reply's
   * playout is over.
   */
  onSaying?: (text: string) => void;
  onSayingDone?: () => void;
  /**
   * A reply may be wanted soon (someone started speaking, a message came): the voice gets
   * ready, so a voice withdrawn while idle is back before the reply (room/voice_track.ts).
   */
  onReplyLikely?: () => void;
  /** Said first when a reply's first words are not heard `afterMs` after the person's speech. */
  filler?: { clip: FillerClip; afterMs: number } | undefined;
  /**
   * Tools the model may call in a reply. A reply prepared for a draft turn runs those with side
   * effects only once the turn is confirmed (read-only ones at once); an interrupted reply
   * cancels its tools; a reply's calls and results are remembered with it, once, and only if it
   * was heard (confirmed), each call with its result.
   */
  tools?: ToolSettings | undefined;
  /** Turns over these (ms) are counted. */
  budgets?: StageBudgets | undefined;
}

/** What the conversation shows in the room (room/agent_room.ts; a fake in tests). */
export interface RoomOutput {
  /** `lk.agent.state`, without waiting for the server. */
  setState(state: AgentState): void;
  /** The agent's words on `lk.transcription`, written as they are played. */
  agentTranscript(): { write(word: string): void; close(): Promise<void> };
  /** One turn's latency breakdown, to everyone in the room. */
  sendMetrics(metrics: TurnMetrics): Promise<void>;
}

/** The agent's voice (audio/speaker.ts; a fake in tests): plays replies, pauses and resumes. */
export interface VoiceOutput extends SpeechOutput {
  /** Silences what is playing until resume(); false if nothing plays. */
  pause(): boolean;
  resume(): void;
}

/** A finished user turn, waiting for (or getting) its reply. */
export interface UserTurn extends CompletedTurn {
  identity: string;
  name: string;
  /** Typed on lk.chat: no speech, so no end-of-utterance or STT stage to time. */
  typed?: boolean;
}

/**
 * Why the agent is asked to stop: someone spoke over it (replies only), the Interrupt RPC, or a
 * typed message (both stop anything).
 */
export type InterruptReason = 'speech' | 'rpc' | 'typed message';

/** What the floor is doing: one greeting or reply at a time, each with its own abort. */
interface Speaking {
  kind: 'say' | 'reply';
  abort: AbortController;
}

/**
 * A person's turn that is not over yet (inside the endpointing hold), already being answered:
 * the reply runs, but is heard only once the turn is confirmed with the same words.
 */
interface Draft {
  identity: string;
  text: string;
  abort: AbortController;
  /** The finished turn, once it turned out to be the draft's text. */
  turn: UserTurn | undefined;
  confirm: (turn: UserTurn) => void;
  /** Someone spoke since it was offered: it waits for their words to say whether it still fits. */
  held: boolean;
}

/**
 * One room's conversation: the shared context, and the floor. Turns from any person queue up;
 * when nobody is speaking or mid-turn, the agent answers all of them at once. Speech from anyone
 * stops a reply being said or prepared (greetings play out; see interrupt()), and only what was
 * played is remembered.
 */
export class Conversation {
  readonly #room: RoomOutput;
  readonly #speaker: VoiceOutput;
  readonly #llm: Llm | undefined;
  readonly #tts: SpeechSynthesizer;
  readonly #fallbackTts: SpeechSynthesizer;
  readonly #apology: string;
  readonly #onWordPlayed: ((word: string) => void) | undefined;
  readonly #options: ConversationOptions;
  readonly #log: Logger;
  readonly #signal: AbortSignal;
  readonly #context: ChatContext;
  readonly #policy: TurnPolicy;
  readonly #waiting: UserTurn[] = [];
  #floor: Promise<void> = Promise.resolve();
  #current: Speaking | undefined;
  /** The reply being prepared for a draft turn (queued for the floor or running), if any. */
  #draft: Draft | undefined;
  readonly #busy: (except?: string) => boolean;
  #turns = 0;
  /** When the filler was last said (a reply does not say it again for the same speech). */
  #filledAt = -Infinity;

  constructor(deps: {
    room: RoomOutput;
    speaker: VoiceOutput;
    llm: Llm | undefined;
    tts: SpeechSynthesizer;
    /** The embedded voice, for when `tts` fails before any audio (may be `tts` itself). */
    fallbackTts: SpeechSynthesizer;
    log: Logger;
    signal: AbortSignal;
    options: ConversationOptions;
    /** What the model sees of the room's conversation (memory/context.ts). */
    context: ChatContext;
    policy?: TurnPolicy;
    /** Whether someone (other than `except`) is speaking or mid-turn: no reply then. */
    humansBusy?: (except?: string) => boolean;
  }) {
    this.#policy = deps.policy ?? ALWAYS;
    this.#busy = deps.humansBusy ?? (() => false);
    this.#room = deps.room;
    this.#speaker = deps.speaker;
    this.#llm = deps.llm;
    this.#tts = deps.tts;
    this.#fallbackTts = deps.fallbackTts;
    this.#apology = deps.options.apology;
    this.#onWordPlayed = deps.options.onWordPlayed;
    this.#options = deps.options;
    this.#log = deps.log;
    this.#signal = deps.signal;
    this.#context = deps.context;
  }

  /**
   * Says `text` (a greeting): waits for the floor, plays out over speech, is remembered. With
   * `heard`, it is synthesised at once and played when `heard` resolves (a listener is there).
   * With `wanted`, it is dropped if `wanted()` is false once the floor is free (the person to
   * greet left while a reply played).
   */
  say(text: string, heard?: Promise<void>, wanted?: () => boolean): Promise<void> {
    const requestedAt = performance.now();
    return this.#take('say', async (signal) => {
      if (wanted && !wanted()) {
        this.#log.debug(
          { waitedMs: Math.round(performance.now() - requestedAt) },
          'no longer wanted: not said',
        );
        return;
      }
      await this.#sayNow(text, signal, requestedAt, heard && untilConfirmed(heard, signal));
    });
  }

  /**
   * A person's turn was lost (their transcription failed after its retries): say so, instead
   * of leaving them in silence.
   */
  apologize(reason: string, to: string): Promise<void> {
    this.#log.warn({ reason, participant: to }, 'apologising for a lost turn');
    return this.say(this.#apology);
  }

  /**
   * Speaks `text` now with the configured voice; if that voice fails before any audio, with the
   * embedded one. What was played is remembered.
   */
  async #sayNow(
    text: string,
    signal: AbortSignal,
    requestedAt = performance.now(),
    gate?: Promise<boolean>,
  ): Promise<void> {
    const voices = this.#fallbackTts === this.#tts ? [this.#tts] : [this.#tts, this.#fallbackTts];
    for (const [i, tts] of voices.entries()) {
      // The reply path, fed fixed text: cut at the first clause, so the first words are
      // synthesised (and heard) while the rest is still being synthesised.
      const result = await this.#speak([], fixedText(text), tts, signal, { gate });
      const audible = result.firstAudioAt !== undefined;
      if (result.error && !audible && !signal.aborted && i < voices.length - 1) {
        this.#log.warn(
          { err: errorFields(result.error), voice: tts.label, fallback: voices[i + 1]!.label },
          'voice failed, using the embedded voice',
        );
        continue;
      }
      this.#log.info(
        {
          text,
          voice: tts.label,
          playedMs: Math.round(result.playedMs),
          interrupted: result.interrupted,
          // Asked to speak -> first audio handed to the track (waiting for the floor included).
          firstAudioMs: audible ? Math.round(result.firstAudioAt! - requestedAt) : undefined,
          ttsTtfbMs: Math.round(
            (result.timings.ttsFirstByteAt ?? NaN) - (result.timings.ttsRequestAt ?? NaN),
          ),
          ...(result.error ? { err: errorFields(result.error) } : {}),
        },
        'agent spoke',
      );
      return;
    }
  }

  /**
   * A person's turn may be over (every transcript is in; the endpointing hold runs): prepare
   * its reply now, to be heard the moment the turn is confirmed with the same words. Only when
   * the floor is free and nobody else is speaking or mid-turn.
   */
  draftTurn(identity: string, name: string, text: string): void {
    const held = this.#draft;
    if (held?.held && !held.turn && held.identity === identity && held.text === text) {
      // The speech that held it brought no new words (a cough, its own echo): one LLM request.
      held.held = false;
      this.#log.debug({ participant: identity }, 'prepared reply reused');
      return;
    }
    this.#cancelDraft('a longer draft');
    if (!this.#llm || this.#waiting.length > 0 || this.#busy(identity)) return;
    if (!this.#policy.preview({ identity, text })) return;
    if (this.#current && !this.#current.abort.signal.aborted) return; // the floor is taken
    let confirm: (turn: UserTurn) => void = () => {};
    const confirmed = new Promise<UserTurn>((resolve) => (confirm = resolve));
    const draft: Draft = {
      identity,
      text,
      abort: new AbortController(),
      turn: undefined,
      confirm,
      held: false,
    };
    this.#draft = draft;
    void this.#take(
      'reply',
      async (signal) => {
        try {
          // Read when the floor is ours: a reply still ending adds what it played first (and a
          // turn confirmed meanwhile is in the context already).
          const messages = draft.turn
            ? this.#context.messages()
            : this.#context.messages({ speaker: name, text });
          await this.#reply(messages, () => draft.turn, signal, confirmed);
        } finally {
          if (this.#draft === draft) this.#draft = undefined;
        }
      },
      draft.abort,
    );
  }

  /** `identity` left or their transcription failed: a reply prepared for their draft goes. */
  forget(identity: string): void {
    if (this.#draft?.identity === identity) this.#cancelDraft('turn abandoned');
  }

  /**
   * Someone started speaking: a reply prepared for a draft turn is held, unheard, until their
   * words decide. The same draft offered again (the speech brought no words) reuses it; a turn
   * or a draft with other words drops it (draftTurn, userTurn).
   */
  speechStarted(): void {
    this.#options.onReplyLikely?.();
    const draft = this.#draft;
    if (draft && !draft.turn) draft.held = true;
  }

  /** A person's finished turn (speech or typed): remembered now, answered when the floor is free. */
  userTurn(turn: UserTurn): void {
    const draft = this.#draft;
    const same =
      draft && !draft.turn && draft.identity === turn.identity && draft.text === turn.text;
    if (draft && same && this.#policy.decide(turn)) {
      this.#context.addUser(turn.name, turn.text);
      draft.turn = turn;
      this.#log.info(
        {
          participant: turn.identity,
          chars: turn.text.length,
          sttFinalMs: Math.round(turn.sttFinalMs),
        },
        'user turn (reply prepared)',
      );
      draft.confirm(turn);
      return;
    }
    this.#cancelDraft('the turn differs');
    this.#context.addUser(turn.name, turn.text);
    if (!this.#policy.decide(turn)) return; // remembered, not answered
    this.#waiting.push(turn);
    this.#log.info(
      {
        participant: turn.identity,
        chars: turn.text.length,
        sttFinalMs: Math.round(turn.sttFinalMs),
      },
      'user turn',
    );
    this.maybeReply();
  }

  /** A typed message: it stops whatever the agent is saying and is answered like speech. */
  typed(from: { identity: string; name: string }, text: string): void {
    const now = performance.now();
    this.#options.onReplyLikely?.();
    this.interrupt('typed message', from.identity);
    this.userTurn({ ...from, text, speechEndAt: now, endedAt: now, sttFinalMs: 0, typed: true });
  }

  /**
   * `identity` stopped speaking at `speechEndAt` and their words are late (a slow or failing
   * transcriber): the filler, so they do not wait in silence for the reply that follows. Not
   * when the agent is speaking, or when their turn would not be answered.
   */
  wordsLate(identity: string, speechEndAt: number): void {
    const filler = this.#options.filler;
    if (!filler || !this.#llm || this.#current || this.#filledAt > speechEndAt) return;
    if (!this.#policy.preview({ identity, text: '' })) return;
    const segment = filler.clip.segment;
    if (!segment) return;
    this.#filledAt = performance.now();
    turnMetrics.filler();
    this.#log.info({ participant: identity }, 'filler: their words are late');
    void this.#take('say', async (signal) => {
      await this.#speaker.speak(
        (async function* () {
          yield segment;
        })(),
        { signal },
      );
    });
  }

  /** Starts a reply if turns are waiting and no human is speaking or mid-turn. */
  maybeReply(): void {
    if (!this.#llm || this.#waiting.length === 0 || this.#current?.kind === 'reply') return;
    if (this.#draft) return; // its turn is still open: the draft is confirmed or dropped first
    if (this.#busy()) return;
    // The turns are taken when the reply runs: turns that come while the floor is busy (a
    // greeting playing) are answered by that one reply, not by one reply each.
    void this.#take('reply', async (signal) => {
      const turns = this.#waiting.splice(0);
      if (turns.length === 0) return;
      await this.#reply(this.#context.messages(), () => turns.at(-1), signal);
    });
  }

  /**
   * Silences the reply being said (or about to be) until resume(); what it took back plays
   * after. False if no reply is under way (greetings play out).
   */
  pause(by: string): boolean {
    const current = this.#current;
    if (current?.kind !== 'reply' || current.abort.signal.aborted) return false;
    if (this.#draft && !this.#draft.turn) return false; // not heard yet; speech drops it
    const paused = this.#speaker.pause();
    if (paused) this.#log.debug({ by }, 'reply paused');
    return paused;
  }

  resume(): void {
    this.#speaker.resume();
  }

  /** Stops what the agent is saying or preparing. Returns whether it stopped anything. */
  interrupt(reason: InterruptReason, by?: string): boolean {
    const current = this.#current;
    if (!current || current.abort.signal.aborted) return false;
    // Greetings and notices are short; speech over them is heard and answered after them.
    if (reason === 'speech' && current.kind === 'say') return false;
    this.#log.info({ reason, by, what: current.kind }, 'interrupted');
    turnMetrics.interrupted(reason);
    current.abort.abort(new Error(`interrupted: ${reason}`));
    return true;
  }

  get speaking(): boolean {
    return this.#current !== undefined;
  }

  /** Aborts the reply prepared for a draft turn, unless it was confirmed. */
  #cancelDraft(why: string): void {
    const draft = this.#draft;
    if (!draft || draft.turn) return;
    this.#draft = undefined;
    this.#log.debug({ why }, 'prepared reply dropped');
    turnMetrics.preparedReplyDropped();
    draft.abort.abort(new Error(`prepared reply dropped: ${why}`));
  }

  /** Runs `task` when the floor is free, with an abort that the job's end also triggers. */
  #take(
    kind: Speaking['kind'],
    task: (signal: AbortSignal) => Promise<void>,
    abort = new AbortController(),
  ): Promise<void> {
    const run = async () => {
      if (this.#signal.aborted || abort.signal.aborted) return;
      const stop = () => abort.abort(this.#signal.reason);
      this.#signal.addEventListener('abort', stop, { once: true });
      this.#current = { kind, abort };
      try {
        await task(abort.signal);
      } catch (err) {
        if (!abort.signal.aborted)
          this.#log.error({ err: errorFields(err), kind }, 'agent could not speak');
      } finally {
        this.#signal.removeEventListener('abort', stop);
        this.#current = undefined;
        if (!this.#signal.aborted) this.#room.setState('listening');
        this.maybeReply();
      }
    };
    this.#floor = this.#floor.then(run, run);
    return this.#floor;
  }

  /**
   * Text from `llm` spoken through `tts`: words published as they play, state 'speaking' from
   * the first audio, and only what was played remembered.
   */
  async #speak(
    messages: readonly ChatMessage[],
    llm: Pick<Llm, 'stream'>,
    tts: SpeechSynthesizer,
    signal: AbortSignal,
    reply: {
      /** Playout waits for it; false (or an abort) plays nothing. */
      gate?: Promise<boolean> | undefined;
      /** A reply: when the person stopped speaking (asked once playout may start), for fillers. */
      spokeUntil?: () => number | undefined;
      /** A reply that may call tools: its completed rounds are added here. */
      rounds?: ToolRound[];
    } = {},
  ): Promise<ReplyResult> {
    const { gate, spokeUntil, rounds } = reply;
    const speaker = this.#speaker;
    // The reply's place in the context is taken when it may start playing (a prepared reply's,
    // once its turn is confirmed): an interruption said over it comes after it.
    let record: ReturnType<ChatContext['startAgent']> | undefined;
    // The reply's texts are told to onSaying from when its playout starts, each as soon as its
    // TTS is asked for: a recogniser that hears a fragment of the agent's voice may answer with
    // words of the chunk after it, whose audio already exists (input/echo_judge.ts, rule 3).
    // A prepared reply's are held until then, and nothing is told after the playout is over.
    const { onSaying, onSayingDone } = this.#options;
    const queued: string[] = [];
    let saying: ((text: string) => void) | undefined;
    const output: SpeechOutput = {
      speak: async (segments, opts) => {
        if (gate && !(await gate)) return NOTHING_PLAYED;
        record = this.#context.startAgent();
        saying = onSaying;
        for (const text of queued.splice(0)) onSaying?.(text);
        try {
          return await speaker.speak(segments, opts);
        } finally {
          saying = undefined;
          onSayingDone?.();
        }
      },
    };
    const transcript = this.#room.agentTranscript();
    const filler = this.#options.filler;
    // No filler for a turn that has had one (a reply's, or its words being late).
    const fillerWanted = () => {
      const until = spokeUntil?.();
      return until === undefined || this.#filledAt <= until;
    };
    const tools =
      rounds &&
      replyTools(this.#options.tools, {
        rounds,
        confirmed: gate,
        fillerWanted,
        onFiller: () => {
          this.#filledAt = performance.now();
          turnMetrics.filler();
          this.#log.info({}, 'filler: a tool is slow');
        },
        log: this.#log,
      });
    const result = await runReply(messages, {
      llm,
      tts,
      output,
      signal,
      ...(tools ? { tools } : {}),
      ...(filler && filler.afterMs > 0 && spokeUntil
        ? {
            filler: {
              at: () => {
                const until = spokeUntil();
                if (until === undefined || this.#filledAt > until) return undefined;
                return until + filler.afterMs;
              },
              segment: () => filler.clip.segment,
              onSaid: () => {
                this.#filledAt = performance.now();
                turnMetrics.filler();
              },
            },
          }
        : {}),
      onFirstAudio: () => this.#room.setState('speaking'),
      onQueued: (text) => (saying ? saying(text) : queued.push(text)),
      onWord: (word) => {
        transcript.write(word);
        this.#onWordPlayed?.(word);
      },
    }).finally(() => void transcript.close()); // not awaited: see AgentRoom.setState
    // Only a reply that may be heard (its gate passed) is remembered, with its tool rounds.
    record?.(result.playedText, rounds);
    return result;
  }

  /**
   * One reply to `messages`. With `confirmed` (a reply prepared for a draft turn) the LLM and
   * TTS run at once but nothing is heard until the turn is confirmed; an abort drops it.
   */
  async #reply(
    messages: ChatMessage[],
    answered: () => UserTurn | undefined,
    signal: AbortSignal,
    confirmed?: Promise<UserTurn>,
  ): Promise<void> {
    const llm = this.#llm!;
    const turnId = `turn-${++this.#turns}`;
    const gate = confirmed && untilConfirmed(confirmed, signal);
    if (!gate) this.#room.setState('thinking');
    void gate?.then((ok) => ok && this.#room.setState('thinking'));
    const spokeUntil = () => answered()?.speechEndAt;
    const rounds: ToolRound[] = [];
    const result = await this.#speak(messages, llm, this.#tts, signal, {
      gate,
      spokeUntil,
      rounds,
    });
    const last = answered();
    if (!last) return; // a prepared reply that was dropped: nobody heard it
    if (result.error) {
      this.#log.warn(
        { err: errorFields(result.error), turnId, played: result.firstAudioAt !== undefined },
        'reply cut short',
      );
    }
    const t = result.timings;
    const ms = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? -1 : Math.round(b - a);
    const metrics: TurnMetrics = {
      turnId,
      speaker: last.identity,
      endOfUtteranceMs: ms(last.speechEndAt, last.endedAt),
      sttFinalMs: Math.round(last.sttFinalMs),
      llmTtftMs: ms(t.llmRequestAt, t.llmFirstTokenAt),
      ttsTtfbMs: ms(t.ttsRequestAt, t.ttsFirstByteAt),
      endToEndMs: ms(last.speechEndAt, t.firstAudioAt),
    };
    this.#log.info(
      {
        ...metrics,
        prepared: confirmed !== undefined,
        ...(t.fillerAt === undefined ? {} : { fillerMs: ms(last.speechEndAt, t.fillerAt) }),
        playedMs: Math.round(result.playedMs),
        interrupted: result.interrupted,
        playedChars: result.playedText.length,
        fullChars: result.fullText.length,
        toolCalls: rounds.reduce((n, r) => n + r.results.length, 0),
      },
      'turn',
    );
    if (t.firstAudioAt !== undefined) {
      this.#policy.replied([last.identity]);
      turnMetrics.turn(metrics, this.#options.budgets, { typed: last.typed === true });
      void this.#room.sendMetrics(metrics).catch(() => undefined);
    }
    // Nothing of the answer could be played: a provider is down. Say so rather than nothing.
    if (result.error && t.firstAudioAt === undefined && !signal.aborted) {
      await this.#sayNow(this.#apology, signal);
    }
  }
}

const NOTHING_PLAYED: SpeechReport = {
  playedText: '',
  fullText: '',
  playedMs: 0,
  interrupted: true,
  firstAudioAt: undefined,
};

/** Resolves true when the turn is confirmed, false if `signal` aborts first. */
function untilConfirmed(confirmed: Promise<unknown>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void confirmed.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

/** Fixed text as if a model streamed it (one delta). */
function fixedText(text: string): Pick<Llm, 'stream'> {
  return {
    async *stream() {
      yield text;
    },
  };
}
