import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProviderError } from '../../providers/types.js';
import type { Stt, SttStreamOptions } from '../../providers/types.js';
import type { EchoVerdict } from './echo_evidence.js';
import { SttFeed } from './stt_feed.js';
import type { SttFeedEvents } from './stt_feed.js';

/** An STT whose streams record what they are asked, numbered in the order they were opened. */
function scriptedStt(withDraft = true) {
  const log: string[] = [];
  const opened: SttStreamOptions[] = [];
  const stt: Stt = {
    label: 'scripted',
    close: async () => undefined,
    stream: (opts) => {
      const id = opened.push(opts) - 1;
      return {
        pushAudio: (samples) => void log.push(`${id}: push ${samples[0]}`),
        commit: () => void log.push(`${id}: commit`),
        clear: () => undefined,
        close: async () => void log.push(`${id}: close`),
        ...(withDraft ? { draft: () => true } : {}),
      };
    },
  };
  return { stt, log, opened };
}

/** A feed without echo cancelling, recording what it tells. */
function feedOf(stt: Stt | undefined) {
  const told: { errors: ProviderError[]; heard: EchoVerdict[] } = { errors: [], heard: [] };
  const events: SttFeedEvents = {
    onTranscript: (_, heard) => void told.heard.push(heard),
    onSttError: (error) => void told.errors.push(error),
  };
  const options = { echo: undefined, prerollFrames: 30, audibleDbfs: -45 };
  const signal = new AbortController().signal;
  return { feed: new SttFeed({ stt, ...options, signal }, events), told };
}

describe('SttFeed: the STT stream of one person', () => {
  it('a stream that failed is replaced as the next utterance starts, before its audio', () => {
    const { stt, log, opened } = scriptedStt();
    const { feed, told } = feedOf(stt);
    feed.startUtterance();
    feed.push(Int16Array.of(1));
    const error = new ProviderError({
      provider: 'scripted',
      kind: 'stt',
      message: 'gone',
      retryable: false,
    });
    opened[0]!.onError(error);
    assert.deepEqual(told.errors, [error], 'the failure is told at once');
    feed.push(Int16Array.of(2)); // the rest of this utterance still goes to the failed stream
    feed.startUtterance();
    feed.push(Int16Array.of(3));
    feed.startUtterance(); // a healthy stream is kept
    assert.deepEqual(log, ['0: push 1', '0: push 2', '0: close', '1: push 3']);
    assert.equal(opened.length, 2);
  });

  it('without echo cancelling, every utterance is heard as beyond the echo', () => {
    const { stt, opened } = scriptedStt();
    const { told } = feedOf(stt);
    opened[0]!.onEvent({ type: 'final', text: 'hi', at: 0, latencyMs: 0 });
    assert.deepEqual(told.heard, [{ beyondEcho: true }]);
  });

  it('an STT without drafts cannot draft, and without an STT nothing is sent', () => {
    assert.equal(feedOf(scriptedStt(true).stt).feed.canDraft, true);
    const { feed } = feedOf(scriptedStt(false).stt);
    assert.equal(feed.canDraft, false);
    assert.equal(feed.draft(), false);
    const none = feedOf(undefined).feed;
    none.startUtterance();
    none.push(Int16Array.of(1));
    none.commit();
    assert.equal(none.canDraft, false);
  });
});
