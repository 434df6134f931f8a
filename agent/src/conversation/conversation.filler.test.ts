import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup, tts } from '../../test/fake_conversation.js';
import { ProviderError } from '../providers/types.js';
import type { Llm } from '../providers/types.js';
import type { UserTurn } from './conversation.js';
import { FillerClip } from './output/filler.js';

const FILLER_AFTER_MS = 80;

async function withFiller(llm?: Llm) {
  const clip = new FillerClip('One moment.', [tts]);
  await clip.prepare();
  return setup({
    ...(llm ? { llm } : {}),
    options: { filler: { clip, afterMs: FILLER_AFTER_MS } },
  });
}

/** An LLM whose first words take `ms`, or that fails after `ms` with nothing said. */
function slowLlm(ms: number, fails = false): Llm {
  return {
    label: 'slow',
    async *stream(_messages, { signal }) {
      await sleep(ms, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      if (fails) {
        throw new ProviderError({
          provider: 'slow',
          kind: 'llm',
          message: 'down',
          retryable: false,
        });
      }
      yield 'Nine in the morning.';
    },
    close: async () => {},
  };
}

const turn = (text: string, speechEndAt = performance.now()): UserTurn => ({
  identity: 'ana',
  name: 'Ana',
  text,
  speechEndAt,
  endedAt: performance.now(),
  sttFinalMs: 100,
});

async function until(check: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 2_000; !check(); await sleep(2)) {
    if (Date.now() > deadline) assert.fail('timed out');
  }
}

describe('Conversation: the filler', () => {
  it('a late reply: the filler, then the reply', async () => {
    const { conversation, speaker } = await withFiller(slowLlm(300));
    conversation.userTurn(turn('When does it open?'));
    await until(() => speaker.heard.length >= 2);
    assert.deepEqual(speaker.heard, ['One moment.', 'Nine in the morning.']);
  });

  it('a reply in time: no filler', async () => {
    const { conversation, speaker } = await withFiller(slowLlm(5));
    conversation.userTurn(turn('When does it open?'));
    await until(() => speaker.heard.length >= 1);
    await sleep(FILLER_AFTER_MS * 2);
    assert.deepEqual(speaker.heard, ['Nine in the morning.']);
  });

  it('the filler, then every provider down: the apology still comes', async () => {
    const { conversation, speaker } = await withFiller(slowLlm(200, true));
    conversation.userTurn(turn('When does it open?'));
    await until(() => speaker.heard.length >= 2);
    assert.deepEqual(speaker.heard, ['One moment.', 'Sorry.']);
  });

  it('words late from the transcriber: the filler once, and not again before the reply', async () => {
    const { conversation, speaker } = await withFiller(slowLlm(300));
    const speechEndAt = performance.now() - 1_000;
    conversation.wordsLate('ana', speechEndAt);
    conversation.wordsLate('ana', speechEndAt);
    await until(() => speaker.heard.length >= 1);
    conversation.userTurn(turn('When does it open?', speechEndAt));
    await until(() => speaker.heard.length >= 2);
    await sleep(50);
    assert.deepEqual(speaker.heard, ['One moment.', 'Nine in the morning.']);
  });
});
