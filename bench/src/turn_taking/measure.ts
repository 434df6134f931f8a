/**
 * The turn-taking bench's measurements, as pure functions of what a participant heard (10 ms
 * frames with arrival times) and what the fixture was asked, so each definition is testable.
 */
import type { RecordedRequest } from '@voice-agent/fixtures';
import type { HeardFrame } from '@voice-agent/e2e/participants';
import { SOUND_PEAK, STOP_GAP_MS } from '@voice-agent/e2e/participants';
import { normalise } from '@voice-agent/e2e/script';

/** Epoch ms of a fixture request (the fixture runs in this process: performance.now()). */
export const requestEpoch = (r: RecordedRequest): number => performance.timeOrigin + r.at;

/** The fixture's requests to `endpoint` that arrived in [from, to). */
export function requestsBetween(
  requests: readonly RecordedRequest[],
  endpoint: RecordedRequest['endpoint'],
  from: number,
  to = Infinity,
): RecordedRequest[] {
  return requests.filter((r) => {
    if (r.endpoint !== endpoint) return false;
    const at = requestEpoch(r);
    return at >= from && at < to;
  });
}

/** The text of a chat request's last user message (content parts flattened). */
export function lastUserText(r: RecordedRequest): string {
  const messages = (r.body as { messages?: { role?: string; content?: unknown }[] }).messages ?? [];
  const last = messages.filter((m) => m.role === 'user').at(-1);
  const content = last?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (p as { text?: string }).text ?? '').join('');
  return '';
}

/** The text a speech (TTS) request asked for. */
export const speechInput = (r: RecordedRequest): string =>
  ((r.body as { input?: string }).input ?? '').trim();

/** Whether `text` holds all of `phrase`'s words in order, in one stretch (case, punctuation ignored). */
export function containsPhrase(text: string, phrase: string): boolean {
  const words = (s: string) => normalise(s).split(/\s+/).filter(Boolean).join(' ');
  return ` ${words(text)} `.includes(` ${words(phrase)} `);
}

/**
 * The last sound of the reply that was playing at `onset`: sound frames from the onset on,
 * until the first silence of at least `gapMs` (counted from the onset itself, so a reply already
 * silent for `gapMs` at the onset gives 0) or until `cutoff` (when the reply to the
 * interruption was requested from the TTS; what follows is that reply). Returns ms after onset.
 */
export function storyStopMs(
  heard: readonly HeardFrame[],
  onset: number,
  cutoff = Infinity,
  gapMs = STOP_GAP_MS,
): number {
  let last = onset;
  for (const f of heard) {
    if (f.at < onset || f.peak < SOUND_PEAK) continue;
    if (f.at >= cutoff || f.at - last >= gapMs) break;
    last = f.at;
  }
  return last - onset;
}

/** Epoch ms of the first sound frame in (after, before), if any. */
export function firstSoundBetween(
  heard: readonly HeardFrame[],
  after: number,
  before: number,
): number | undefined {
  return heard.find((f) => f.at > after && f.at < before && f.peak >= SOUND_PEAK)?.at;
}

/** A share as "95% (19/20)"; "-" with nothing counted. */
export function rate(k: number, n: number): string {
  return n ? `${Math.round((100 * k) / n)}% (${k}/${n})` : '-';
}

// --- group: reply decisions ---------------------------------------------------------------------
/** A reply must be heard within this long after the turn's end. */
export const REPLY_WITHIN_MS = 4_000;
/** After a turn that expects no reply, no agent sound for this long after its end. */
export const QUIET_FOR_MS = 3_000;

export interface PlayedTurn {
  index: number;
  speaker: 'Ana' | 'Ben';
  text: string;
  expectReply: boolean;
  /** First and last speech sample of the turn, as played. */
  startAt: number;
  endAt: number;
}

/**
 * Decisions, judged after the conversation from what a listener heard. A turn's window runs from
 * its first speech sample to its end + 4 s (reply expected) or + 3 s (none expected), but no
 * further than the next turn's end. Each stretch of agent sound (STOP_GAP_MS bridges its pauses)
 * belongs to the earliest turn whose window holds its start, so one reply is never counted
 * against two turns.
 */
export function judgeReplyDecisions(spans: { startAt: number }[], turns: PlayedTurn[]) {
  const windows = turns.map((t, i) => ({
    from: t.startAt,
    until: Math.min(
      t.endAt + (t.expectReply ? REPLY_WITHIN_MS : QUIET_FOR_MS),
      turns[i + 1]?.endAt ?? Infinity,
    ),
  }));
  const heard = new Map<number, number>();
  for (const span of spans) {
    const i = windows.findIndex((w) => span.startAt >= w.from && span.startAt <= w.until);
    if (i >= 0 && !heard.has(i)) heard.set(i, span.startAt);
  }
  return turns.map((t, i) => {
    const at = heard.get(i);
    const replied = at !== undefined;
    return {
      ...t,
      replied,
      heardAfterEndMs: replied ? Math.round(at - t.endAt) : null,
      correct: replied === t.expectReply,
    };
  });
}
