/**
 * The live transcript as a reducer: text streams on `lk.transcription` (and typed `lk.chat`
 * messages) in, an ordered list of who said what out. No livekit-client here: the hook that reads
 * the streams turns them into {@link TranscriptAction}s.
 *
 * Rules:
 * - One entry per segment (`lk.segment_id`, per sender). A later stream with the same segment id
 *   replaces the entry's text when its first chunk arrives (so interim text does not flicker away).
 * - Within one stream, chunks are deltas and are appended (the agent's words arrive paced).
 * - A stream whose `lk.transcription_final` is 'false' is interim; a segment is final once its
 *   latest stream has ended and was not interim. Interim streams arriving after the final are
 *   ignored.
 * - Entries are ordered by when their first stream arrived; a segment that ends empty is dropped.
 */
import {
  TRANSCRIPTION_FINAL,
  TRANSCRIPTION_SEGMENT_ID,
  TRANSCRIPTION_SPEAKER,
} from '@voice-agent/common/conventions';

/** The oldest entries are dropped beyond this many. */
export const MAX_TRANSCRIPT_ENTRIES = 500;

export interface TranscriptEntry {
  /** `<sender>/<segment id>` for transcripts, `chat/<stream id>` for typed messages. */
  key: string;
  /** Identity of the person (or agent) whose words these are. */
  speaker: string;
  speakerName: string;
  fromAgent: boolean;
  source: 'speech' | 'chat';
  text: string;
  /** The latest stream said `lk.transcription_final` 'false'. */
  interim: boolean;
  /** A stream is still delivering text to this entry. */
  streaming: boolean;
  /** The latest stream has ended normally and was not interim. */
  final: boolean;
  /** Local receive time of the entry's first stream, epoch ms. */
  startedAtMs: number;
  /** The stream currently feeding the entry; text of older streams is ignored. */
  streamId: string;
  /** The current stream has not delivered text yet: its first chunk replaces the old text. */
  awaitingText: boolean;
}

export interface TranscriptState {
  entries: readonly TranscriptEntry[];
}

export const EMPTY_TRANSCRIPT: TranscriptState = { entries: [] };

interface StreamRef {
  key: string;
  streamId: string;
}

export type TranscriptAction =
  | (StreamRef & {
      type: 'stream-opened';
      speaker: string;
      speakerName: string;
      fromAgent: boolean;
      interim: boolean;
      atMs: number;
    })
  | (StreamRef & { type: 'stream-text'; text: string })
  /** `interim` as the attributes read at the end (the trailer may update them). */
  | (StreamRef & { type: 'stream-closed'; interim: boolean })
  | (StreamRef & { type: 'stream-failed' })
  | {
      type: 'chat-message';
      streamId: string;
      speaker: string;
      speakerName: string;
      fromAgent: boolean;
      text: string;
      atMs: number;
    }
  | { type: 'reset' };

/** What a transcription stream is about, from its sender and attributes. */
export interface TranscriptStreamInfo {
  key: string;
  speaker: string;
  fromAgent: boolean;
  interim: boolean;
}

/**
 * Whose words a `lk.transcription` stream carries: the `voice_agent.speaker` attribute when the
 * agent sends on someone's behalf, else the owner of `lk.transcribed_track_id` (LiveKit's own
 * convention, resolved by the caller), else the sender.
 */
export function describeTranscriptStream(input: {
  sender: string;
  senderIsAgent: boolean;
  streamId: string;
  attributes: Readonly<Record<string, string>>;
  trackOwner?: string | undefined;
}): TranscriptStreamInfo {
  const { sender, attributes } = input;
  const speaker = attributes[TRANSCRIPTION_SPEAKER] || input.trackOwner || sender;
  const segment = attributes[TRANSCRIPTION_SEGMENT_ID] || `stream-${input.streamId}`;
  return {
    key: `${sender}/${segment}`,
    speaker,
    fromAgent: speaker === sender && input.senderIsAgent,
    interim: isInterim(attributes),
  };
}

/** `lk.transcription_final` is 'false'; a missing attribute counts as final. */
export function isInterim(attributes: Readonly<Record<string, string>> | undefined): boolean {
  return attributes?.[TRANSCRIPTION_FINAL] === 'false';
}

function insertByStart(entries: readonly TranscriptEntry[], entry: TranscriptEntry) {
  let at = entries.length;
  while (at > 0 && (entries[at - 1]?.startedAtMs ?? 0) > entry.startedAtMs) at--;
  const next = [...entries.slice(0, at), entry, ...entries.slice(at)];
  return next.length > MAX_TRANSCRIPT_ENTRIES ? next.slice(-MAX_TRANSCRIPT_ENTRIES) : next;
}

/** Applies `update` to the entry fed by `ref`'s stream; unknown or superseded streams: no change. */
function updateStream(
  state: TranscriptState,
  ref: StreamRef,
  update: (e: TranscriptEntry) => TranscriptEntry | undefined,
): TranscriptState {
  const index = state.entries.findIndex((e) => e.key === ref.key);
  const entry = state.entries[index];
  if (!entry || entry.streamId !== ref.streamId) return state;
  const next = update(entry);
  if (next === entry) return state;
  const entries = [...state.entries];
  if (next === undefined) entries.splice(index, 1);
  else entries[index] = next;
  return { entries };
}

function opened(
  state: TranscriptState,
  a: Extract<TranscriptAction, { type: 'stream-opened' }>,
): TranscriptState {
  const index = state.entries.findIndex((e) => e.key === a.key);
  const existing = state.entries[index];
  const feed = { streamId: a.streamId, interim: a.interim, streaming: true, final: false };
  if (!existing) {
    const entry: TranscriptEntry = {
      key: a.key,
      speaker: a.speaker,
      speakerName: a.speakerName,
      fromAgent: a.fromAgent,
      source: 'speech',
      text: '',
      startedAtMs: a.atMs,
      awaitingText: true,
      ...feed,
    };
    return { entries: insertByStart(state.entries, entry) };
  }
  // A late interim must not undo a final transcript.
  if (existing.final && a.interim) return state;
  const entries = [...state.entries];
  entries[index] = { ...existing, ...feed, speakerName: a.speakerName, awaitingText: true };
  return { entries };
}

export function transcriptReducer(state: TranscriptState, a: TranscriptAction): TranscriptState {
  switch (a.type) {
    case 'stream-opened':
      return opened(state, a);
    case 'stream-text':
      if (a.text === '') return state;
      return updateStream(state, a, (e) => ({
        ...e,
        text: e.awaitingText ? a.text : e.text + a.text,
        awaitingText: false,
      }));
    case 'stream-closed':
      return updateStream(state, a, (e) => {
        const text = e.awaitingText ? '' : e.text;
        if (text.trim() === '') return undefined;
        return { ...e, text, interim: a.interim, final: !a.interim, streaming: false };
      });
    case 'stream-failed':
      // Keep what arrived; it is not final.
      return updateStream(state, a, (e) =>
        e.text.trim() === '' ? undefined : { ...e, streaming: false, awaitingText: false },
      );
    case 'chat-message': {
      const key = `chat/${a.streamId}`;
      if (a.text.trim() === '' || state.entries.some((e) => e.key === key)) return state;
      const entry: TranscriptEntry = {
        key,
        speaker: a.speaker,
        speakerName: a.speakerName,
        fromAgent: a.fromAgent,
        source: 'chat',
        text: a.text,
        interim: false,
        streaming: false,
        final: true,
        startedAtMs: a.atMs,
        streamId: a.streamId,
        awaitingText: false,
      };
      return { entries: insertByStart(state.entries, entry) };
    }
    case 'reset':
      return state.entries.length === 0 ? state : EMPTY_TRANSCRIPT;
  }
}
