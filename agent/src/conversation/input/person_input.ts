import type { HeardInput } from '@voice-agent/common';
import { errorFields, type Logger } from '../../log.js';
import { processMetrics } from '../../metrics/process.js';
import { turnMetrics } from '../../metrics/turns.js';
import type { ProviderError, SttEvent } from '../../providers/types.js';
import type { RoomPerson } from '../../room/person.js';
import { realClock } from '../../util/clock.js';
import type { Clock } from '../../util/clock.js';
import type { BargeIn } from '../decisions/barge_in.js';
import { TurnDetector } from '../decisions/turn_detector.js';
import type { TurnDetectorOptions } from '../decisions/turn_detector.js';
import type { UserTurn } from '../conversation.js';
import type { EchoVerdict } from './echo_evidence.js';
import { durationMayStop, judgeEcho, type AgentWords } from './echo_judge.js';
import type { ListenerEvents } from './listener.js';

/** The room's barge-in decisions (decisions/barge_in.ts), as one person's input drives them. */
export type BargeInDecisions = Pick<
  BargeIn,
  'holding' | 'speechStarted' | 'speechLasting' | 'speechEnded' | 'interim' | 'final' | 'forget'
>;

/** Where a person's turns go: the room's conversation (conversation.ts). */
export interface TurnSink {
  /** Their turn is over: remember it, and answer it when the floor is free. */
  userTurn(turn: UserTurn): void;
  /** Their turn may be over (the hold runs): a reply may be prepared for `text`. */
  draftTurn(identity: string, name: string, text: string): void;
  /** Someone started speaking: a prepared reply is no longer wanted. */
  speechStarted(): void;
  /** Something changed that may free the floor for a waiting turn. */
  maybeReply(): void;
  /** Their turn in progress is gone (they left, or their words were lost). */
  forget(identity: string): void;
  /** Their words were lost mid-turn (transcription failed): say so. */
  apologize(reason: string, to: string): Promise<void>;
  /**
   * They stopped speaking at `speechEndAt` and their words are still not in after the filler
   * time (a slow or failing transcriber): the conversation may say its filler.
   */
  wordsLate?(identity: string, speechEndAt: number): void;
}

/** What one person's input shows in the room: their words and their level, as heard. */
export interface PersonInputEvents {
  /** Their words so far (final false) or one utterance's final words, for `lk.transcription`. */
  transcript(t: { segmentId: string; text: string; final: boolean }): void;
  /** Their microphone's level crossed the activity threshold (the page's input meter). */
  heard(input: HeardInput): void;
}

export interface PersonInputDeps {
  person: RoomPerson;
  /**
   * Runs their microphone through echo canceller, VAD, listener and STT (listener.ts) until it
   * ends, telling `events`; it owns and closes that chain. A fake in tests.
   */
  listen: (events: ListenerEvents) => Promise<void>;
  /** Whether the agent's own voice has been measured in their microphone (echo canceller). */
  carriesEcho: () => boolean;
  /** The agent's own words played in a span of time (echo_judge.ts, rule 3). */
  agentWords?: AgentWords;
  turnDetector: TurnDetectorOptions;
  bargeIn: BargeInDecisions;
  /** Pauses the reply on a sound before VAD has judged it (decisions/onset_pause.ts). */
  onsetPause: { soundOnset(who: string): boolean };
  turns: TurnSink;
  events: PersonInputEvents;
  /** Apologise for a turn lost to a failed transcription (only when a reply could be given). */
  apologizeForLostTurns: boolean;
  /** Words still not in this long after their speech ended are late (TurnSink.wordsLate). */
  wordsLateAfterMs?: number | undefined;
  log: Logger;
  clock?: Clock;
}

/**
 * One person's input: their microphone, heard until it ends, and their turn in progress. Each
 * transcript is decided in one order: echo first (echo_judge.ts: the agent's own voice in their
 * microphone is no words at all), then barge-in (does it stop the agent, or was it a
 * backchannel or noise?), then the turn detector (is their turn over? a draft may be
 * prepared), then the reply decision (may the agent answer now?). A duration stops the agent
 * only once the level proved a person (echo_judge.ts durationMayStop).
 */
export class PersonInput {
  readonly identity: string;
  readonly name: string;
  readonly #deps: PersonInputDeps;
  readonly #detector: TurnDetector;
  readonly #log: Logger;
  /** Numbers their utterances, for transcript segment ids. */
  #utterance = 1;
  #speaking = false;
  #wordsTimer: unknown;
  readonly #clock: Clock;

  constructor(deps: PersonInputDeps) {
    this.#deps = deps;
    this.identity = deps.person.identity;
    this.name = deps.person.name;
    this.#log = deps.log;
    this.#clock = deps.clock ?? realClock;
    const { turns } = deps;
    this.#detector = new TurnDetector(
      deps.turnDetector,
      {
        onTurn: (turn) => turns.userTurn({ ...turn, identity: this.identity, name: this.name }),
        onDraft: (text) => turns.draftTurn(this.identity, this.name, text),
        // A hold that ended in no turn (only noise) may free the floor for waiting turns.
        onSettled: () => turns.maybeReply(),
      },
      deps.clock,
    );
  }

  /** Speaking now, or mid-turn (their words are not all in, or the hold runs). */
  get busy(): boolean {
    return this.#speaking || this.#detector.pending;
  }

  /** Whether the agent's voice has been measured in their microphone. */
  get carriesEcho(): boolean {
    return this.#deps.carriesEcho();
  }

  /** Hears them until their microphone ends; then forgets their turn in progress. */
  async run(): Promise<void> {
    try {
      await this.#deps.listen(this.#listenerEvents());
    } catch (err) {
      this.#log.warn(
        { participant: this.identity, err: errorFields(err) },
        'microphone stream failed',
      );
    } finally {
      this.#clock.clearTimeout(this.#wordsTimer);
      this.#detector.reset();
      this.#speaking = false;
      this.#deps.bargeIn.forget(this.identity);
      this.#deps.turns.forget(this.identity);
      this.#deps.turns.maybeReply();
    }
  }

  #listenerEvents(): ListenerEvents {
    const who = this.identity;
    const log = this.#log;
    return {
      onLevel: ({ active, dbfs }) =>
        this.#deps.events.heard({ active, dbfs: Math.round(dbfs * 10) / 10 }),
      onSoundOnset: () => {
        if (this.#deps.onsetPause.soundOnset(who))
          log.debug({ participant: who }, 'reply paused on a sound');
      },
      onSpeechStart: (startAt) => this.#speechStarted(startAt),
      onSpeechLasting: (startAt, echo) => {
        if (durationMayStop(echo))
          this.#deps.bargeIn.speechLasting(who, performance.now() - startAt);
        else log.debug({ participant: who, ...echo, span: undefined }, 'duration may be echo');
      },
      onSpeechEnd: (speechEndAt) => {
        this.#speaking = false;
        this.#detector.speechEnded(speechEndAt);
        this.#deps.bargeIn.speechEnded(who);
        this.#watchWords(speechEndAt);
      },
      onTranscript: (event, echo) => this.#transcript(event, echo),
      onSoundWithoutSpeech: ({ soundMs, maxProbability }) =>
        log.info(
          {
            participant: who,
            soundMs: Math.round(soundMs),
            maxProbability: Math.round(maxProbability * 100) / 100,
          },
          'sound without speech',
        ),
      onSttDraft: (outcome) => {
        turnMetrics.sttDraft(outcome);
        log.debug({ participant: who, outcome }, 'stt draft');
      },
      onSttError: (err) => this.#sttFailed(err),
    };
  }

  /** Tells the conversation if this utterance's words are late (see TurnSink.wordsLate). */
  #watchWords(speechEndAt: number): void {
    const afterMs = this.#deps.wordsLateAfterMs;
    this.#clock.clearTimeout(this.#wordsTimer);
    if (!afterMs || !this.#deps.turns.wordsLate) return;
    const waitMs = speechEndAt + afterMs - this.#clock.now();
    this.#wordsTimer = this.#clock.setTimeout(() => {
      if (!this.#speaking && this.#detector.awaitingWords)
        this.#deps.turns.wordsLate?.(this.identity, speechEndAt);
    }, waitMs);
  }

  #speechStarted(startAt: number): void {
    const { bargeIn, turns } = this.#deps;
    this.#clock.clearTimeout(this.#wordsTimer);
    this.#speaking = true;
    this.#detector.speechStarted();
    turns.speechStarted();
    const wasHolding = bargeIn.holding;
    bargeIn.speechStarted(this.identity);
    if (bargeIn.holding && !wasHolding) {
      const onsetToPauseMs = Math.round(performance.now() - startAt);
      turnMetrics.bargeInPaused(onsetToPauseMs);
      this.#log.info({ participant: this.identity, onsetToPauseMs }, 'barge-in: reply paused');
    }
  }

  #transcript(heard: SttEvent, echo: EchoVerdict): void {
    const { bargeIn, turns, events } = this.#deps;
    const who = this.identity;
    const segmentId = `${who}-${this.#utterance}`;
    // 0. Echo: the agent's own voice heard back is no words of theirs, on every path below.
    const event = this.#withoutEcho(heard, echo);
    if (event.type === 'interim') {
      if (event.text) events.transcript({ segmentId, text: event.text, final: false });
      this.#log.debug({ participant: who, text: event.text, ...echo }, 'heard so far');
      bargeIn.interim(who, event.text, echo);
      return;
    }
    if (event.text.trim()) events.transcript({ segmentId, text: event.text, final: true });
    // Words only at debug: transcripts do not belong in production logs.
    this.#log.debug({ participant: who, text: event.text, ...echo }, 'heard');
    this.#utterance++;
    // 1. Barge-in: words that only paused the agent (a backchannel, a cough) are not a turn.
    const verdict = bargeIn.final(who, event.text, echo);
    const words = verdict === 'backchannel' || verdict === 'noise' ? '' : event.text;
    // 2. The turn detector: is their turn over?
    this.#detector.final(words, event.latencyMs);
    // 3. The reply decision.
    turns.maybeReply();
  }

  /** `event` with no words if they are the agent's own echo (echo_judge.ts). */
  #withoutEcho(event: SttEvent, echo: EchoVerdict): SttEvent {
    if (!event.text.trim()) return event;
    const judged = judgeEcho(event.text, echo, this.#deps.agentWords, this.#clock.now());
    if (!judged.echo) return event;
    this.#log.debug(
      {
        participant: this.identity,
        text: event.text,
        final: event.type === 'final',
        by: judged.by,
      },
      'echo heard',
    );
    return { ...event, text: '' };
  }

  /** Their words are lost: tell them, rather than wait for a final that never comes. */
  #sttFailed(err: ProviderError): void {
    const { bargeIn, turns } = this.#deps;
    this.#log.error({ participant: this.identity, err: errorFields(err) }, 'transcription failed');
    const lost = this.#detector.pending;
    this.#detector.reset();
    bargeIn.forget(this.identity);
    turns.forget(this.identity);
    if (lost && this.#deps.apologizeForLostTurns)
      void turns.apologize('transcription failed', this.identity);
    turns.maybeReply();
  }
}

/** The people whose microphones a room hears, one input each. */
export class PersonInputs {
  readonly #inputs = new Map<string, { input: PersonInput; trackSid: string; stop: () => void }>();
  readonly #running = new Set<Promise<void>>();

  /**
   * Runs `input` (their microphone `trackSid`) until its microphone ends or `stop` is called.
   * One input per person: a newer microphone of theirs (they rejoined, e.g. after reloading the
   * page, before LiveKit ended their old connection) stops the older one.
   */
  add(input: PersonInput, trackSid: string, stop: () => void): void {
    const previous = this.#inputs.get(input.identity);
    this.#inputs.set(input.identity, { input, trackSid, stop });
    previous?.stop();
    processMetrics.personHeard();
    const run = input.run().finally(() => {
      processMetrics.personGone();
      this.#running.delete(run);
      if (this.#inputs.get(input.identity)?.input === input) this.#inputs.delete(input.identity);
    });
    this.#running.add(run);
  }

  /** Whether `identity`'s microphone `trackSid` is being heard now. */
  hears(identity: string, trackSid: string): boolean {
    return this.#inputs.get(identity)?.trackSid === trackSid;
  }

  /**
   * Stops `identity`'s input if it hears one of `trackSids` (tracks of a participant who left);
   * the input of a newer connection under the same identity is left alone. Returns whether one
   * was still running.
   */
  stop(identity: string, trackSids: readonly string[]): boolean {
    const entry = this.#inputs.get(identity);
    if (!entry || !trackSids.includes(entry.trackSid)) return false;
    entry.stop();
    return true;
  }

  get(identity: string): PersonInput | undefined {
    return this.#inputs.get(identity)?.input;
  }

  /** Whether anyone (other than `except`) is speaking or mid-turn. */
  busy = (except?: string): boolean =>
    [...this.#inputs.values()].some(({ input }) => input.identity !== except && input.busy);

  /** Resolves when every input has ended. */
  async closed(): Promise<void> {
    await Promise.allSettled([...this.#running]);
  }
}
