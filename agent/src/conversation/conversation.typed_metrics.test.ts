import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setup } from '../../test/fake_conversation.js';
import { registry } from '../metrics/registry.js';

/** How many turns each stage of voice_agent_turn_latency_ms has observed. */
async function observed(): Promise<Record<string, number>> {
  const text = await registry.getSingleMetricAsString('voice_agent_turn_latency_ms');
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^voice_agent_turn_latency_ms_count\{stage="(\w+)"\} (\d+)$/gm))
    counts[m[1]!] = Number(m[2]);
  return counts;
}

async function answered(heard: () => number, n: number): Promise<void> {
  for (const deadline = Date.now() + 2_000; heard() < n; await sleep(2)) {
    if (Date.now() > deadline) assert.fail('no answer');
  }
  await sleep(50); // the turn's metrics follow its last segment
}

describe('Conversation: the latency histograms', () => {
  it('a typed turn is timed from the model on: no end-of-utterance or STT stage', async () => {
    const { conversation, speaker } = setup();
    const before = await observed();
    conversation.typed({ identity: 'ana', name: 'Ana' }, 'When does it open?');
    await answered(() => speaker.heard.length, 2);
    const typed = await observed();
    const grew = (from: Record<string, number>, to: Record<string, number>) =>
      Object.keys(to)
        .filter((stage) => to[stage]! > (from[stage] ?? 0))
        .sort();
    assert.deepEqual(grew(before, typed), ['end_to_end', 'llm_ttft', 'tts_ttfb']);

    // A spoken turn: every stage.
    const now = performance.now();
    conversation.userTurn({
      identity: 'ana',
      name: 'Ana',
      text: 'And when does it close?',
      speechEndAt: now - 300,
      endedAt: now,
      sttFinalMs: 120,
    });
    await answered(() => speaker.heard.length, 4);
    assert.deepEqual(grew(typed, await observed()), [
      'end_of_utterance',
      'end_to_end',
      'llm_ttft',
      'stt_final',
      'tts_ttfb',
    ]);
  });
});
