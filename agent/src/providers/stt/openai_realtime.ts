import { PIPELINE_SAMPLE_RATE } from '../../audio/format.js';
import { providerMetrics } from '../../metrics/providers.js';
import { concat, pcmToBytes } from '../pcm.js';
import { ProviderError } from '../types.js';
import type { SttStream, SttStreamOptions } from '../types.js';
import { keytermPrompt } from './keyterms.js';
import {
  SocketStt,
  SttSocket,
  type SocketAddress,
  type SocketSttOptions,
  type StreamContext,
} from './socket.js';
import { emptyUtterance, finalEvent, interimEvent, Utterances } from './utterances.js';
import type { Utterance as BaseUtterance } from './utterances.js';

/** The realtime API takes 16-bit mono PCM at 24 kHz, our pipeline rate. */
const INPUT_SAMPLE_RATE = 24_000;
/** OpenAI refuses to commit less than 100 ms of audio (`input_audio_buffer_commit_empty`). */
const MIN_COMMIT_SAMPLES = INPUT_SAMPLE_RATE / 10;
/** Audio resent after a reconnect goes in appends of at most this much. */
const RESEND_APPEND_SAMPLES = INPUT_SAMPLE_RATE;

if (PIPELINE_SAMPLE_RATE !== INPUT_SAMPLE_RATE) {
  throw new Error('openai realtime STT expects the pipeline rate to be 24 kHz');
}

/** `baseURL`: OpenAI's `/v1`; `/realtime` is appended. Label default 'openai-realtime'. */
export interface OpenAiRealtimeSttOptions extends SocketSttOptions {
  /** Audio per `input_audio_buffer.append`. Default 50. */
  appendMs?: number | undefined;
}

/**
 * OpenAI realtime transcription over a WebSocket (`/v1/realtime?intent=transcription`), using
 * the GA protocol: `session.update` with `session.type: 'transcription'`. Turn detection is off:
 * the agent's VAD commits each utterance.
 */
export class OpenAiRealtimeStt extends SocketStt {
  constructor(cfg: OpenAiRealtimeSttOptions) {
    super(
      cfg.label ?? 'openai-realtime',
      (ctx) => new RealtimeSttStream(cfg, ctx),
      () => realtimeAddress(cfg),
    );
  }
}

/** Where a stream (or a probe) connects: the transcription intent of `/realtime`. */
function realtimeAddress(cfg: OpenAiRealtimeSttOptions): SocketAddress {
  const url = new URL(cfg.baseURL.replace(/\/+$/, '') + '/realtime');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('intent', 'transcription');
  return { url: url.href, headers: { Authorization: `Bearer ${cfg.apiKey}` } };
}

/**
 * One committed (or still open) utterance, kept until its final is emitted. When it is
 * `truncated`, the server heard all of it, but it cannot be sent again whole.
 */
interface Utterance extends BaseUtterance {
  /** Not yet appended on the current socket. */
  unsent: Int16Array[];
  unsentSamples: number;
  /** Some of its audio is in the server's buffer on the current socket. */
  appended: boolean;
  /** When its audio was committed on the server (a draft's before commit()), and answered. */
  sentAt: number | undefined;
  answeredAt: number | undefined;
  /** The event that committed it: its server error is matched by this id. */
  commitEventId: string | undefined;
  itemId: string | undefined;
  /** Deltas so far. */
  text: string;
  /**
   * A draft (draft()): committed while the person may go on. Its final waits for commit(), and
   * is an interim until then.
   */
  draft: boolean;
  /** A draft the person spoke on after: its final is never emitted. */
  superseded: boolean;
}

type Pending = { kind: 'session' } | { kind: 'commit'; utterance: Utterance };

interface ServerEvent {
  type?: unknown;
  item_id?: unknown;
  delta?: unknown;
  transcript?: unknown;
  error?: { code?: unknown; message?: unknown; event_id?: unknown } | undefined;
}

function newUtterance(): Utterance {
  return {
    ...emptyUtterance(),
    unsent: [],
    unsentSamples: 0,
    appended: false,
    sentAt: undefined,
    answeredAt: undefined,
    commitEventId: undefined,
    itemId: undefined,
    text: '',
    draft: false,
    superseded: false,
  };
}

class RealtimeSttStream implements SttStream {
  readonly #provider: string;
  readonly #cfg: OpenAiRealtimeSttOptions;
  readonly #opts: SttStreamOptions;
  readonly #appendSamples: number;
  readonly #socket: SttSocket;
  readonly #utterances: Utterances<Utterance>;
  /** The draft of the current utterance, committed, while no audio has come after it. */
  #draft: Utterance | undefined;
  /** Commits sent on the current socket, waiting for `input_audio_buffer.committed`. */
  #awaitingItem: Utterance[] = [];
  readonly #byItem = new Map<string, Utterance>();
  readonly #pending = new Map<string, Pending>();
  #eventSeq = 0;

  constructor(cfg: OpenAiRealtimeSttOptions, ctx: StreamContext) {
    const { provider, opts } = ctx;
    this.#provider = provider;
    this.#cfg = cfg;
    this.#opts = opts;
    this.#appendSamples = Math.max(
      1,
      Math.round(((cfg.appendMs ?? 50) * INPUT_SAMPLE_RATE) / 1000),
    );
    this.#utterances = new Utterances(provider, cfg, INPUT_SAMPLE_RATE, newUtterance);
    this.#socket = new SttSocket(
      ctx,
      cfg,
      { address: () => realtimeAddress(cfg) },
      {
        onOpen: () => this.#onOpen(),
        onMessage: (message) => this.#onServerEvent(message),
        onFailed: (error) => {
          this.#utterances.reset();
          this.#draft = undefined;
          this.#opts.onError(error);
        },
        owed: () => this.#utterances.owed(),
      },
    );
  }

  get #dead(): boolean {
    return this.#socket.dead;
  }

  pushAudio(samples: Int16Array): void {
    if (this.#dead || samples.length === 0) return;
    if (this.#draft) this.#supersedeDraft();
    const u = this.#utterances.current;
    // Audio let go before it was appended is lost (the newest chunk is never let go).
    const copy = this.#utterances.push(samples, (dropped) => {
      if (u.unsent[0] !== dropped) return false;
      u.unsent.shift();
      u.unsentSamples -= dropped.length;
      return true;
    });
    u.unsent.push(copy);
    u.unsentSamples += copy.length;
    if (this.#socket.ws && u.unsentSamples >= this.#appendSamples) this.#flush(u);
  }

  commit(): void {
    if (this.#dead) return;
    const draft = this.#draft;
    if (draft) {
      // Nothing came after the draft: it was the whole utterance.
      this.#draft = undefined;
      draft.draft = false;
      draft.committedAt = performance.now();
      this.#emitReady();
      return;
    }
    const u = this.#utterances.commit();
    u.committedAt = performance.now();
    u.sentAt = u.committedAt;
    if (u.samples < MIN_COMMIT_SAMPLES) {
      // Too short to commit (OpenAI would answer an error): nothing to transcribe.
      if (u.appended) this.#send({ type: 'input_audio_buffer.clear' });
      u.final = '';
      this.#emitReady();
      return;
    }
    if (this.#socket.ws) this.#sendCommit(u);
  }

  draft(): boolean {
    if (this.#dead || this.#draft) return false;
    const current = this.#utterances.current;
    // Too short to commit; or too long to send again whole if the person goes on.
    if (current.samples < MIN_COMMIT_SAMPLES || current.truncated) return false;
    const u = this.#utterances.commit();
    u.draft = true;
    u.sentAt = performance.now();
    this.#draft = u;
    if (this.#socket.ws) this.#sendCommit(u);
    return true;
  }

  /**
   * The person spoke on after the draft: its final is dropped, and its audio goes back into the
   * server's buffer ahead of what follows, so the utterance is transcribed whole at its commit.
   */
  #supersedeDraft(): void {
    const draft = this.#draft;
    if (!draft) return;
    this.#draft = undefined;
    draft.superseded = true;
    const current = this.#utterances.current;
    current.chunks = [...draft.chunks];
    current.samples = draft.samples;
    current.unsent = [...draft.chunks];
    current.unsentSamples = draft.samples;
    // Now: what the bound lets go later must already be on the server.
    if (this.#socket.ws) this.#flush(current);
    this.#emitReady(); // the draft may have been the one holding later events back
  }

  clear(): void {
    if (this.#dead) return;
    if (this.#draft) {
      this.#draft.superseded = true;
      this.#draft = undefined;
      this.#emitReady();
    }
    if (this.#utterances.current.appended) this.#send({ type: 'input_audio_buffer.clear' });
    this.#utterances.abandon();
  }

  close(): Promise<void> {
    return this.#socket.close();
  }

  // ---- connection -----------------------------------------------------------------------------

  /** A new socket: its session, and what is still unanswered, resent in order. */
  #onOpen(): void {
    this.#awaitingItem = [];
    this.#byItem.clear();
    this.#pending.clear();
    const language = this.#opts.language ?? this.#cfg.language;
    const prompt = keytermPrompt(this.#cfg.keyterms);
    this.#send(
      {
        type: 'session.update',
        session: {
          type: 'transcription',
          audio: {
            input: {
              format: { type: 'audio/pcm', rate: INPUT_SAMPLE_RATE },
              transcription: {
                model: this.#cfg.model,
                ...(language ? { language } : {}),
                ...(prompt ? { prompt } : {}),
              },
              turn_detection: null,
            },
          },
        },
      },
      { kind: 'session' },
    );
    // The new server buffer is empty: resend what is still unanswered, in order.
    for (const u of this.#utterances.inflight) {
      if (u.superseded) u.final ??= ''; // never emitted: nothing to ask for
      if (u.final !== undefined) continue;
      u.text = '';
      u.itemId = undefined;
      u.unsent = [...u.chunks];
      u.unsentSamples = u.samples;
      this.#flush(u, RESEND_APPEND_SAMPLES);
      this.#sendCommit(u);
    }
    const current = this.#utterances.current;
    current.appended = false;
    current.unsent = [...current.chunks];
    current.unsentSamples = current.samples;
    if (current.samples > 0) this.#flush(current, RESEND_APPEND_SAMPLES);
  }

  // ---- sending --------------------------------------------------------------------------------

  /** Sends an event; its id (undefined if the socket is not open). */
  #send(event: Record<string, unknown>, pending?: Pending): string | undefined {
    const ws = this.#socket.ws;
    if (!ws || ws.readyState !== ws.OPEN) return undefined;
    const eventId = `evt_agent_${++this.#eventSeq}`;
    if (pending) this.#pending.set(eventId, pending);
    ws.send(JSON.stringify({ event_id: eventId, ...event }));
    return eventId;
  }

  /** Appends the utterance's unsent audio, in appends of at most `maxSamples`. */
  #flush(u: Utterance, maxSamples = Number.POSITIVE_INFINITY): void {
    if (!this.#socket.ws || u.unsentSamples === 0) return;
    const all = concat(u.unsent);
    u.unsent = [];
    u.unsentSamples = 0;
    for (let at = 0; at < all.length; at += Math.min(all.length, maxSamples)) {
      const part = all.subarray(at, at + maxSamples);
      this.#send({ type: 'input_audio_buffer.append', audio: pcmToBytes(part).toString('base64') });
    }
    u.appended = true;
  }

  #sendCommit(u: Utterance): void {
    this.#flush(u);
    u.commitEventId = this.#send(
      { type: 'input_audio_buffer.commit' },
      { kind: 'commit', utterance: u },
    );
    this.#awaitingItem.push(u);
    this.#socket.expectAnswer();
  }

  // ---- receiving ------------------------------------------------------------------------------

  #onServerEvent(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const event = message as ServerEvent;
    const itemId = typeof event.item_id === 'string' ? event.item_id : undefined;
    const u = itemId === undefined ? undefined : this.#byItem.get(itemId);
    switch (event.type) {
      case 'input_audio_buffer.committed': {
        const next = this.#awaitingItem.shift();
        // A superseded draft's answer is of no use: not kept.
        if (next && !next.superseded && itemId !== undefined) {
          next.itemId = itemId;
          this.#byItem.set(itemId, next);
        }
        break;
      }
      case 'conversation.item.input_audio_transcription.delta':
        if (u && u.final === undefined && typeof event.delta === 'string') {
          u.text += event.delta;
          this.#emitInterim();
        }
        break;
      case 'conversation.item.input_audio_transcription.completed':
        if (u && u.final === undefined) {
          u.final = typeof event.transcript === 'string' ? event.transcript : u.text;
          u.answeredAt = performance.now();
          this.#socket.progress();
          this.#emitReady();
        }
        break;
      case 'conversation.item.input_audio_transcription.failed':
        if (u && u.final === undefined) {
          this.#cfg.log?.warn(
            { provider: this.#provider, item: itemId },
            'stt transcription failed',
          );
          u.final = '';
          u.answeredAt = performance.now();
          this.#emitReady();
        }
        break;
      case 'error':
        this.#onServerError(event.error);
        break;
      default:
        break;
    }
  }

  #onServerError(error: ServerEvent['error']): void {
    const code = typeof error?.code === 'string' ? error.code : undefined;
    const message = typeof error?.message === 'string' ? error.message : 'server error';
    const eventId = typeof error?.event_id === 'string' ? error.event_id : undefined;
    const about = eventId === undefined ? undefined : this.#pending.get(eventId);
    const failure = new ProviderError({
      ...this.#socket.label,
      message: `server error${code ? ` (${code})` : ''}: ${message}`,
      retryable: false,
    });
    providerMetrics.error(this.#provider, 'stt', false);
    if (about?.kind === 'session') {
      this.#socket.fail(failure);
      return;
    }
    this.#cfg.log?.warn(
      { provider: this.#provider, code, err: failure.message },
      'stt server error',
    );
    if (about?.kind === 'commit' || code === 'input_audio_buffer_commit_empty') {
      // The commit was refused: that utterance has no transcript.
      const u = about?.kind === 'commit' ? about.utterance : this.#awaitingItem[0];
      if (u) {
        this.#awaitingItem = this.#awaitingItem.filter((x) => x !== u);
        u.final ??= '';
        u.answeredAt ??= performance.now();
        this.#emitReady();
      }
    }
  }

  /** Forgets an utterance that is done: its audio, and the maps that found it by id. */
  #release(u: Utterance): void {
    if (u.itemId !== undefined) this.#byItem.delete(u.itemId);
    if (u.commitEventId !== undefined) this.#pending.delete(u.commitEventId);
    u.chunks = [];
    u.unsent = [];
  }

  /** The latest text of the oldest utterance still waiting (a draft's final), if it changed. */
  #emitInterim(): void {
    const head = this.#utterances.inflight[0];
    if (!head || head.superseded || (head.final !== undefined && !head.draft)) return;
    const event = interimEvent(head, (head.final ?? head.text).trim());
    if (event) this.#opts.onEvent(event);
  }

  /**
   * Emits finals in commit order: utterance N's final always before anything of N + 1. A draft's
   * waits for commit(); a superseded draft's is dropped.
   */
  #emitReady(): void {
    const done = (u: Utterance) => u.superseded || (u.final !== undefined && !u.draft);
    for (const head of this.#utterances.takeDone(done)) {
      this.#release(head);
      if (head.superseded) continue;
      // commit() -> this event: for a draft answered before its commit, no wait at all.
      const event = finalEvent(head, (head.final ?? '').trim());
      if (head.sentAt !== undefined && head.answeredAt !== undefined) {
        // The provider's own time: its commit on the server -> its answer.
        providerMetrics.firstChunk(this.#provider, 'stt', head.answeredAt - head.sentAt);
      }
      this.#opts.onEvent(event);
      if (this.#dead) return;
    }
    this.#emitInterim();
  }
}
