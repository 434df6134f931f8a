import type { SpeakOptions, SpeechReport, SpokenSegment } from '../../audio/speaker.js';
import type { ChatMessage, Llm, SpeechSynthesizer } from '../../providers/types.js';
import { withToolRounds } from '../tools/tool_rounds.js';
import type { ReplyItem, ReplyTools } from '../tools/tool_rounds.js';
import { ClauseChunker } from './chunker.js';
import type { ChunkerOptions } from './chunker.js';

/** Where a reply's speech goes (the room's Speaker; a fake in tests). */
export interface SpeechOutput {
  speak(segments: AsyncIterable<SpokenSegment>, opts: SpeakOptions): Promise<SpeechReport>;
}

export interface ReplyTimings {
  llmRequestAt: number;
  llmFirstTokenAt: number | undefined;
  ttsRequestAt: number | undefined;
  ttsFirstByteAt: number | undefined;
  /** The reply's own first audio (a filler before it is not the reply). */
  firstAudioAt: number | undefined;
  /** When the filler began, if one was said before the reply's first words. */
  fillerAt: number | undefined;
}

export interface ReplyResult extends SpeechReport {
  timings: ReplyTimings;
  /** The LLM or TTS failure that cut the reply short, if any. */
  error: unknown;
}

export interface ReplyOptions {
  /** Where the text comes from: the LLM, or fixed text (a greeting) through the same path. */
  llm: Pick<Llm, 'stream'>;
  /** Tools the model may call: their rounds run inside the reply (../tools/tool_rounds.ts). */
  tools?: ReplyTools | undefined;
  tts: SpeechSynthesizer;
  output: SpeechOutput;
  /** Aborting it stops every stage: the LLM request, TTS requests and playout. */
  signal: AbortSignal;
  chunker?: Partial<ChunkerOptions>;
  /** TTS requests allowed ahead of the segment being played (1 = the next one). */
  prefetch?: number;
  onFirstAudio?: () => void;
  onWord?: (word: string) => void;
  /**
   * Told each text the reply will say, as its TTS is asked for (ahead of its playout: the next
   * chunk's audio exists while the current one plays), and a filler clip's as it is taken.
   */
  onQueued?: (text: string) => void;
  /**
   * Said first if the reply's first audio is not ready by `at()` (performance.now() time; asked
   * when playout starts, undefined: no filler). `onSaid` is told when it is.
   */
  filler?: {
    at: () => number | undefined;
    segment: () => SpokenSegment | undefined;
    onSaid?: () => void;
  };
}

/**
 * One reply: LLM tokens -> clause chunks -> TTS streams -> the speech output. The next chunk's
 * TTS starts while the current one plays, so the voice has no gaps; everything stops when the
 * signal aborts. With tools, the words said before a call are spoken while it runs, and a slow
 * tool's filler takes its place in the queue. Resolves with what was actually played.
 */
export async function runReply(
  messages: readonly ChatMessage[],
  opts: ReplyOptions,
): Promise<ReplyResult> {
  const { signal } = opts;
  const timings: ReplyTimings = {
    llmRequestAt: performance.now(),
    llmFirstTokenAt: undefined,
    ttsRequestAt: undefined,
    ttsFirstByteAt: undefined,
    firstAudioAt: undefined,
    fillerAt: undefined,
  };
  let error: unknown;
  const slots = new Slots(1 + (opts.prefetch ?? 1));

  const segment = (text: string): SpokenSegment => {
    const audio = prefetched(
      (async function* () {
        await slots.acquire(signal);
        try {
          timings.ttsRequestAt ??= performance.now();
          for await (const chunk of opts.tts.synthesize(text, { signal })) {
            timings.ttsFirstByteAt ??= performance.now();
            yield chunk;
          }
        } finally {
          slots.release();
        }
      })(),
      (err) => {
        if (!signal.aborted) error ??= err;
      },
    );
    return { text, audio };
  };

  // The LLM is read in the background, so chunks (and their TTS) are ready before playout asks.
  const ready = new Queue<SpokenSegment>();
  // A filler queued before any of the reply's words (a slow tool's) is heard first: the reply's
  // own first audio is then the first chunk of its first words.
  let queued = 0;
  let fillerFirst = false;
  const push = (next: SpokenSegment, filler = false) => {
    opts.onQueued?.(next.text);
    if (queued++ === 0) fillerFirst = filler;
    const firstWords = !filler && fillerFirst && queued === 2;
    ready.push(
      firstWords ? onFirstChunk(next, () => (timings.firstAudioAt ??= performance.now())) : next,
    );
  };

  void (async () => {
    const chunker = new ClauseChunker(opts.chunker);
    const source: AsyncIterable<ReplyItem> = opts.tools
      ? withToolRounds(opts.llm, messages, signal, opts.tools)
      : opts.llm.stream(messages, { signal });
    try {
      for await (const item of source) {
        if (typeof item === 'string') {
          timings.llmFirstTokenAt ??= performance.now();
          for (const text of chunker.push(item)) push(segment(text));
        } else if (item.type === 'flush') {
          for (const text of chunker.flush()) push(segment(text));
        } else {
          const clip = opts.tools?.filler?.segment();
          if (clip) {
            opts.tools?.filler?.onSaid?.();
            push(clip, true);
          }
        }
        if (ready.closed) return;
      }
      for (const text of chunker.flush()) push(segment(text));
    } catch (err) {
      if (!signal.aborted) error = err;
    } finally {
      ready.end();
    }
  })();

  let fillerSaid = false;
  const segments = opts.filler
    ? withFiller(ready, {
        ...opts.filler,
        onSaid: () => {
          fillerSaid = true;
          opts.filler?.onSaid?.();
        },
        // After a filler, the reply's first audio is its first chunk taken by the output.
        onReplyAudio: () => {
          if (fillerSaid) timings.firstAudioAt ??= performance.now();
        },
        onQueued: (text) => opts.onQueued?.(text),
      })
    : ready;
  const report = await opts.output.speak(segments, {
    signal,
    onFirstAudio: () => {
      if (fillerSaid || fillerFirst) timings.fillerAt = performance.now();
      else timings.firstAudioAt = performance.now();
      opts.onFirstAudio?.();
    },
    ...(opts.onWord ? { onWord: opts.onWord } : {}),
  });
  ready.close();
  return { ...report, timings, error };
}

/**
 * `segments`, with the filler in front if the first one has no audio by the filler's time: the
 * first segment's first chunk is awaited here (and handed on), racing that time.
 */
async function* withFiller(
  segments: AsyncIterable<SpokenSegment>,
  filler: NonNullable<ReplyOptions['filler']> & {
    onReplyAudio: () => void;
    onQueued: (text: string) => void;
  },
): AsyncGenerator<SpokenSegment> {
  const it = segments[Symbol.asyncIterator]();
  try {
    const first = it
      .next()
      .then((r) => (r.done ? undefined : withFirstChunk(r.value, filler.onReplyAudio)));
    const at = filler.at();
    if (at !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = await Promise.race([
        first.then(() => false),
        new Promise<boolean>(
          (resolve) => (timer = setTimeout(resolve, at - performance.now(), true)),
        ),
      ]);
      clearTimeout(timer);
      const clip = late ? filler.segment() : undefined;
      if (clip) {
        filler.onSaid?.();
        filler.onQueued(clip.text);
        yield clip;
      }
    }
    const segment = await first;
    if (!segment) return;
    yield segment;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  } finally {
    await it.return?.();
  }
}

/**
 * Waits for a segment's first chunk of audio; the segment plays it, then the rest. `taken` is
 * told when the output takes that first chunk.
 */
async function withFirstChunk(segment: SpokenSegment, taken: () => void): Promise<SpokenSegment> {
  const audio = segment.audio[Symbol.asyncIterator]();
  const head = await audio.next();
  return {
    text: segment.text,
    audio: (async function* () {
      if (head.done) return;
      taken();
      yield head.value;
      for (let r = await audio.next(); !r.done; r = await audio.next()) yield r.value;
    })(),
  };
}

/** `segment`, telling `taken` when the output takes its first chunk of audio. */
function onFirstChunk(segment: SpokenSegment, taken: () => void): SpokenSegment {
  return {
    text: segment.text,
    audio: (async function* () {
      let first = true;
      for await (const chunk of segment.audio) {
        if (first) taken();
        first = false;
        yield chunk;
      }
    })(),
  };
}

/** A one-consumer async queue: push, end, iterate; close() tells the producer to stop. */
class Queue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #ended = false;
  #closed = false;
  #wake: (() => void) | undefined;

  get closed(): boolean {
    return this.#closed;
  }
  push(item: T): void {
    this.#items.push(item);
    this.#wake?.();
  }
  end(): void {
    this.#ended = true;
    this.#wake?.();
  }
  close(): void {
    this.#closed = true;
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    try {
      for (;;) {
        if (this.#items.length) {
          yield this.#items.shift()!;
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    } finally {
      this.#closed = true;
    }
  }
}

/** At most `n` TTS requests in flight, granted in request order. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(signal: AbortSignal): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/**
 * Starts pulling `source` now (so TTS runs ahead of playout) and buffers its chunks for the one
 * consumer. A source failure ends the stream early (the segment is cut short) and goes to
 * `onError`, not to the consumer.
 */
function prefetched(source: AsyncGenerator<Int16Array>, onError: (err: unknown) => void) {
  const chunks = new Queue<Int16Array>();
  void (async () => {
    try {
      for await (const chunk of source) chunks.push(chunk);
    } catch (err) {
      onError(err);
    } finally {
      chunks.end();
    }
  })();
  return chunks;
}
