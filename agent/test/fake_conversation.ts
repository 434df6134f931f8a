/** A Conversation over fakes, for the conversation's own tests. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpeakOptions, SpeechReport, SpokenSegment } from '../src/audio/speaker.js';
import { Conversation } from '../src/conversation/conversation.js';
import { ChatContext } from '../src/conversation/memory/context.js';
import type { ConversationOptions, RoomOutput } from '../src/conversation/conversation.js';
import { createLogger } from '../src/log.js';
import type { ChatMessage, Llm, SpeechSynthesizer } from '../src/providers/types.js';

/** A voice that "plays" each segment for `msPerSegment`, honouring aborts; records what played. */
export class FakeSpeaker {
  readonly heard: string[] = [];
  constructor(readonly msPerSegment = 30) {}
  async speak(segments: AsyncIterable<SpokenSegment>, opts: SpeakOptions): Promise<SpeechReport> {
    const played: string[] = [];
    let firstAudioAt: number | undefined;
    for await (const seg of segments) {
      if (opts.signal.aborted) break;
      for await (const chunk of seg.audio) void chunk;
      firstAudioAt ??= performance.now();
      if (played.length === 0) opts.onFirstAudio?.();
      await sleep(this.msPerSegment);
      if (opts.signal.aborted) break;
      played.push(seg.text);
      this.heard.push(seg.text);
    }
    const text = played.join(' ');
    return {
      playedText: text,
      fullText: text,
      playedMs: 0,
      interrupted: opts.signal.aborted,
      firstAudioAt,
    };
  }
  pause = () => false;
  resume = () => {};
}

/** An LLM that answers the last user message with "re: <its text>" and records every request. */
export function echoLlm(ttftMs = 10) {
  const requests: ChatMessage[][] = [];
  const llm: Llm = {
    label: 'fake',
    async *stream(messages, { signal }) {
      requests.push([...messages]);
      await sleep(ttftMs);
      if (signal.aborted) return;
      yield `re: ${messages.at(-1)!.content}. `;
      yield 'That is all.';
    },
    close: async () => {},
  };
  return { llm, requests };
}

export const tts: SpeechSynthesizer = {
  label: 'fake',
  async *synthesize() {
    yield new Int16Array(160);
  },
  close: async () => {},
};

/**
 * A conversation over fakes: the speaker, an LLM answering "re: <last message>" (`llm` replaces
 * it), a one-chunk voice; `options` over the defaults.
 */
export function setup(over: { llm?: Llm; options?: Partial<ConversationOptions> } = {}) {
  const speaker = new FakeSpeaker();
  const echo = echoLlm();
  const llm = over.llm ?? echo.llm;
  const requests = echo.requests;
  const context = new ChatContext({ instructions: 'Be brief.', tokenBudget: 4_000 });
  const room: RoomOutput = {
    setState: () => {},
    agentTranscript: () => ({ write: () => {}, close: async () => {} }),
    sendMetrics: async () => {},
  };
  const conversation = new Conversation({
    room,
    speaker,
    llm,
    tts,
    fallbackTts: tts,
    log: createLogger('silent'),
    signal: new AbortController().signal,
    options: { apology: 'Sorry.', ...over.options },
    context,
  });
  return { conversation, speaker, requests, context };
}
