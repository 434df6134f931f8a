import type { TurnMetrics } from '@voice-agent/common';
import type { Speaker } from '../audio/speaker.js';
import type { Logger } from '../log.js';
import { turnMetrics } from '../metrics/turns.js';
import type { ChatMessage, Llm, SpeechSynthesizer } from '../providers/types.js';
import type { AgentRoom } from '../room/agent_room.js';
import { errorFields } from '../worker/worker.js';
import { ChatContext } from './context.js';
import { runReply } from './reply.js';
import type { ReplyResult } from './reply.js';
import type { CompletedTurn } from './turn_detector.js';

export interface ConversationOptions {
  instructions: string;
  maxMessages: number;
  /** Said when a turn cannot be answered because a provider is down. */
  apology: string;
}

/** A finished user turn, waiting for (or getting) its reply. */
export interface UserTurn extends CompletedTurn {
  identity: string;
  name: string;
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
 * One room's conversation: the shared context, and the floor. Turns from any person queue up;
 * when nobody is speaking or mid-turn, the agent answers all of them at once. Speech from anyone
 * stops a reply being said or prepared (greetings play out; see interrupt()), and only what was
 * played is remembered.
 */
export class Conversation {
  readonly #room: AgentRoom;
  readonly #speaker: Speaker;
  readonly #llm: Llm | undefined;
  readonly #tts: SpeechSynthesizer;
  readonly #fallbackTts: SpeechSynthesizer;
  readonly #apology: string;
  readonly #log: Logger;
  readonly #signal: AbortSignal;
  readonly #context: ChatContext;
  readonly #waiting: UserTurn[] = [];
  #floor: Promise<void> = Promise.resolve();
  #current: Speaking | undefined;
  #busy: () => boolean = () => false;
  #turns = 0;

  constructor(deps: {
    room: AgentRoom;
    speaker: Speaker;
    llm: Llm | undefined;
    tts: SpeechSynthesizer;
    /** The embedded voice, for when `tts` fails before any audio (may be `tts` itself). */
    fallbackTts: SpeechSynthesizer;
    log: Logger;
    signal: AbortSignal;
    options: ConversationOptions;
  }) {
    this.#room = deps.room;
    this.#speaker = deps.speaker;
    this.#llm = deps.llm;
    this.#tts = deps.tts;
    this.#fallbackTts = deps.fallbackTts;
    this.#apology = deps.options.apology;
    this.#log = deps.log;
    this.#signal = deps.signal;
    this.#context = new ChatContext(deps.options);
  }

  /** Tells the conversation how to know that someone is speaking or mid-turn (no reply then). */
  set humansBusy(check: () => boolean) {
    this.#busy = check;
  }

  /** Says `text` (a greeting): waits for the floor, plays out over speech, is remembered. */
  say(text: string): Promise<void> {
    const requestedAt = performance.now();
    return this.#take('say', (signal) => this.#sayNow(text, signal, requestedAt));
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
  async #sayNow(text: string, signal: AbortSignal, requestedAt = performance.now()): Promise<void> {
    const voices = this.#fallbackTts === this.#tts ? [this.#tts] : [this.#tts, this.#fallbackTts];
    for (const [i, tts] of voices.entries()) {
      // The reply path, fed fixed text: cut at the first clause, so the first words are
      // synthesised (and heard) while the rest is still being synthesised.
      const result = await this.#speak([], fixedText(text), tts, signal);
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

  /** A person's finished turn (speech or typed): remembered now, answered when the floor is free. */
  userTurn(turn: UserTurn): void {
    this.#context.addUser(turn.name, turn.text);
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

  /** Starts a reply if turns are waiting and no human is speaking or mid-turn. */
  maybeReply(): void {
    if (!this.#llm || this.#waiting.length === 0 || this.#current?.kind === 'reply') return;
    if (this.#busy()) return;
    const turns = this.#waiting.splice(0);
    void this.#take('reply', (signal) => this.#reply(turns, signal));
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

  /** Runs `task` when the floor is free, with an abort that the job's end also triggers. */
  #take(kind: Speaking['kind'], task: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const run = async () => {
      if (this.#signal.aborted) return;
      const abort = new AbortController();
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
  ): Promise<ReplyResult> {
    const transcript = this.#room.agentTranscript();
    const result = await runReply(messages, {
      llm,
      tts,
      output: this.#speaker,
      signal,
      onFirstAudio: () => this.#room.setState('speaking'),
      onWord: (word) => transcript.write(word),
    }).finally(() => void transcript.close()); // not awaited: see AgentRoom.setState
    this.#context.addAgent(result.playedText);
    return result;
  }

  async #reply(turns: UserTurn[], signal: AbortSignal): Promise<void> {
    const llm = this.#llm!;
    const last = turns.at(-1)!;
    const turnId = `turn-${++this.#turns}`;
    this.#room.setState('thinking');
    const result = await this.#speak(this.#context.messages(), llm, this.#tts, signal);
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
        turns: turns.length,
        playedMs: Math.round(result.playedMs),
        interrupted: result.interrupted,
        playedChars: result.playedText.length,
        fullChars: result.fullText.length,
      },
      'turn',
    );
    if (t.firstAudioAt !== undefined) {
      turnMetrics.turn(metrics);
      void this.#room.sendMetrics(metrics).catch(() => undefined);
    }
    // Nothing of the answer could be played: a provider is down. Say so rather than nothing.
    if (result.error && t.firstAudioAt === undefined && !signal.aborted) {
      await this.#sayNow(this.#apology, signal);
    }
  }
}

/** A single-segment speech stream for a fixed text. */
/** Fixed text as if a model streamed it (one delta). */
function fixedText(text: string): Pick<Llm, 'stream'> {
  return {
    async *stream() {
      yield text;
    },
  };
}
