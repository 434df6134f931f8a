import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  agentReply,
  pct,
  personFrom,
  run,
  settleMs,
  speechSegments,
  voiced,
} from '../../test/echo_harness.js';
import type { FrameResult } from '../../test/echo_harness.js';
import { SileroVad } from './vad.js';

/**
 * The gate in front of Silero VAD, as the listener would use it: what VAD makes of the raw mic
 * and of the gated one (echo frames replaced by silence), with the default VAD options.
 */
const agent = agentReply();
const person = personFrom(2000);

let vad: SileroVad;
before(async () => {
  vad = await SileroVad.load();
});

/** VAD's speech segments (stream ms) over the frames, gated or not. */
const segments = (frames: FrameResult[], gated: boolean) =>
  speechSegments(
    vad,
    frames.map((f) => (gated && f.echo ? new Int16Array(f.mic.length) : f.mic)),
  );

const show = (segs: [number, number][]) =>
  segs.map(([a, b]) => `${Math.round(a)}-${Math.round(b)}`).join(' ') || 'none';

describe('echo gate in front of VAD', () => {
  for (const echoGainDb of [-3, -10, -20]) {
    for (const echoDelayMs of [150, 400, 650]) {
      it(`VAD hears no speech in echo at ${echoGainDb} dB, ${echoDelayMs} ms late`, async (t) => {
        const frames = run({ agent, echoGainDb, echoDelayMs });
        const raw = await segments(frames, false);
        const gated = await segments(frames, true);
        t.diagnostic(`raw mic: ${show(raw)}; gated: ${show(gated)}`);
        assert.ok(raw.length > 0, 'without the gate, VAD takes the echo for speech');
        assert.deepEqual(
          gated.filter(([, end]) => end >= settleMs(echoGainDb)),
          [],
        );
      });
    }
  }

  for (const echoGainDb of [-10, -20]) {
    for (const echoDelayMs of [150, 400, 650]) {
      it(`VAD hears the person over echo at ${echoGainDb} dB, ${echoDelayMs} ms late`, async (t) => {
        const frames = run({ agent, echoGainDb, echoDelayMs, person });
        const spokenFrames = frames.filter(voiced);
        const onset = spokenFrames[0]!.ms;
        const gated = await segments(frames, true);
        const inSpeech = (f: FrameResult) => gated.some(([a, b]) => f.ms + 5 >= a && f.ms + 5 <= b);
        const covered = spokenFrames.filter(inSpeech).length / spokenFrames.length;
        t.diagnostic(`onset ${onset} ms; gated: ${show(gated)}; covers ${pct(covered)}`);
        assert.ok(gated.length > 0);
        assert.ok(gated[0]![0] - onset <= 50, 'VAD places the start within 50 ms of the onset');
        assert.ok(covered >= 0.8, `VAD hears ${pct(covered)} of the voiced frames`);
      });
    }
  }
});
