/**
 * A simulated participant without echo cancellation, for the echo gate's scenario tests. It holds
 * no tests itself (src/audio/echo.simulation.test.ts checks it).
 *
 * The agent's voice and the person's are real speech (espeak-ng and sox, via test/vad_audio.ts).
 * The echo path, from played frame to mic frame: a stand-in for Opus coded twice (a low-pass and
 * a random level wobble per 10 ms frame, once per coding), a room (a direct path plus a sparse,
 * exponentially decaying tail of reflections), a gain and a delay. The mic adds the person's
 * voice (coded once) and white noise. Mic frames reach the agent two at a time (one 20 ms Opus
 * packet) a few ms late at random; the agent records what it plays 200 ms ahead of its being
 * heard (its AudioSource queue).
 */
import { seededRandom } from '@voice-agent/common';
import { speech } from './vad_audio.js';
import { EchoGate, EchoReference } from '../src/audio/echo.js';
import type { EchoDecision, EchoPathEstimate } from '../src/audio/echo.js';
import { FRAME_MS, PIPELINE_SAMPLE_RATE, SAMPLES_PER_FRAME } from '../src/audio/format.js';
import { rmsDbfs } from '../src/audio/level.js';
import type { SileroVad } from '../src/audio/vad.js';
import type { EchoCanceller } from '../src/audio/echo_canceller.js';

/** What the agent says in the tests: about 13 s of espeak-ng speech. */
export const AGENT_TEXT = [
  'Sure, I can help with that. Your table for two is booked for seven tonight.',
  'I have also sent a confirmation to your email, and the restaurant knows about the birthday.',
  'Is there anything else you would like me to arrange for the evening?',
];
/** What the person says over it. */
export const PERSON_TEXT = 'No wait, stop, I meant tomorrow evening, not tonight.';

export interface Room {
  rt60Ms: number;
  directToReverbDb: number;
}
/**
 * The simulated room: the reverberation time of a furnished living room or office, and the
 * direct-to-reverberant ratio of a laptop, whose mic sits close to its loudspeakers.
 */
export const LIVING_ROOM: Room = { rt60Ms: 300, directToReverbDb: 3 };
/** Reflections in the room's tail: dense enough for a smooth envelope. */
const REFLECTIONS = 400;
/** Level wobble of each coding, dB (standard deviation per 10 ms frame). */
const CODEC_WOBBLE_DB = 0.7;
/** Low-pass corner of each coding: wideband Opus at speech bitrates. */
const CODEC_CORNER_HZ = 8000;
/** Mic noise, RMS in 16-bit units: -64 dBFS, a quiet room. */
const NOISE_RMS = 20;
/** Level of the mic noise, dBFS. */
export const NOISE_DB = 20 * Math.log10(NOISE_RMS / 32768);
/** Mic audio arrives in packets of this length (Opus's usual 20 ms)... */
const PACKET_MS = 20;
/** ...each up to this late, at random (network and event loop). */
const ARRIVAL_JITTER_MS = 5;
/** How far ahead of its being heard the agent records a played frame (AudioSource queue). */
const PLAY_LEAD_MS = 200;
/** Arbitrary performance.now() at a scenario's start, unless it says otherwise. */
const T0 = 50_000;

const msToSamples = (ms: number) => Math.round((ms * PIPELINE_SAMPLE_RATE) / 1000);

/** Deterministic uniform random in [0, 1). */
export const seeded = seededRandom;

/** Roughly Gaussian, unit variance. */
const gaussian = (rand: () => number) =>
  (rand() + rand() + rand() + rand() + rand() + rand() - 3) * Math.SQRT2;

/**
 * A track `totalMs` long holding phrases spoken one after the other (250 ms apart) from `atMs`,
 * cut at `atMs + speakMs`, scaled by `gainDb`.
 */
export function spoken(
  texts: string[],
  opts: { totalMs: number; atMs?: number; speakMs?: number; gainDb?: number },
): Float64Array {
  const out = new Float64Array(msToSamples(opts.totalMs));
  const gain = 10 ** ((opts.gainDb ?? 0) / 20);
  let at = msToSamples(opts.atMs ?? 0);
  const end = Math.min(out.length, at + msToSamples(opts.speakMs ?? opts.totalMs));
  for (const text of texts) {
    const s = speech(text);
    for (let i = 0; i < s.length && at < end; i++) out[at++] = gain * s[i]!;
    at += msToSamples(250);
    if (at >= end) break;
  }
  return out;
}

/** The reply most scenarios play: the agent speaks for 5 s of a 6 s track. */
export const agentReply = (): Float64Array => spoken(AGENT_TEXT, { totalMs: 6000, speakMs: 5000 });

/** The person's words in a 6 s track from `atMs` on, `gainDb` against the agent's own level. */
export const personFrom = (atMs: number, gainDb = 0): Float64Array =>
  spoken([PERSON_TEXT], { totalMs: 6000, atMs, gainDb });

/** One coding: a low-pass plus a smooth random level wobble per frame. */
function codec(x: Float64Array, rand: () => number): Float64Array {
  const out = new Float64Array(x.length);
  const a = 1 - Math.exp((-2 * Math.PI * CODEC_CORNER_HZ) / PIPELINE_SAMPLE_RATE);
  const wobble = () => 10 ** ((gaussian(rand) * CODEC_WOBBLE_DB) / 20);
  let y = 0;
  let from = 1;
  let to = wobble();
  for (let i = 0; i < x.length; i++) {
    const phase = i % SAMPLES_PER_FRAME;
    if (phase === 0) {
      from = to;
      to = wobble();
    }
    y += a * (x[i]! - y);
    out[i] = y * (from + ((to - from) * phase) / SAMPLES_PER_FRAME);
  }
  return out;
}

/** The room: the direct path plus a sparse, exponentially decaying tail of reflections. */
function room(x: Float64Array, r: Room, rand: () => number): Float64Array {
  const taps: { at: number; gain: number }[] = [];
  let energy = 0;
  for (let k = 0; k < REFLECTIONS; k++) {
    const ms = 2 + rand() * r.rt60Ms;
    const gain = gaussian(rand) * 10 ** ((-60 * ms) / r.rt60Ms / 20);
    taps.push({ at: msToSamples(ms), gain });
    energy += gain * gain;
  }
  const scale = Math.sqrt(10 ** (-r.directToReverbDb / 10) / energy);
  const out = Float64Array.from(x);
  for (const { at, gain } of taps) {
    const g = gain * scale;
    for (let i = at; i < x.length; i++) out[i]! += g * x[i - at]!;
  }
  return out;
}

/** A change of the echo's delay: from mic time `atMs` on, it is `deltaMs` longer (or shorter). */
export interface DelayStep {
  atMs: number;
  deltaMs: number;
}

export interface Scenario {
  /** What the agent plays, from the simulation's start (silence where it says nothing). */
  agent: Float64Array;
  /** False: the agent never calls `played` at all. */
  plays?: boolean;
  echoGainDb: number;
  echoDelayMs: number;
  step?: DelayStep;
  room?: Room;
  /** The person's own voice at their mic, as long as `agent`. */
  person?: Float64Array;
  seed?: number;
  /** performance.now() at the scenario's start, ms (to run one scenario after another). */
  clockMs?: number;
}

/** One simulated mic frame, whatever processed it. */
export interface FrameSample {
  /** Mic time of the frame, ms from the simulation's start. */
  ms: number;
  /** Levels of the frame's parts, dBFS: the echo alone, the person alone. */
  echoDb: number;
  personDb: number;
  /** The mic frame itself. */
  mic: Int16Array;
}

/** A mic frame and the gate's decision on it. */
export interface FrameResult extends EchoDecision, FrameSample {}

const toInt16 = (x: Float64Array, from: number, to: number) => {
  const out = new Int16Array(to - from);
  for (let i = from; i < to; i++) {
    out[i - from] = Math.max(-32768, Math.min(32767, Math.round(x[i] ?? 0)));
  }
  return out;
};

/** The echo as it reaches the mic: coded, reverberated, coded, scaled, delayed. */
export function echoAtMic(s: Scenario, rand: () => number): Float64Array {
  const path = codec(room(codec(s.agent, rand), s.room ?? LIVING_ROOM, rand), rand);
  const gain = 10 ** (s.echoGainDb / 20);
  const out = new Float64Array(s.agent.length);
  for (let i = 0; i < out.length; i++) {
    const ms = (i * 1000) / PIPELINE_SAMPLE_RATE;
    const delayMs = s.echoDelayMs + (s.step && ms >= s.step.atMs ? s.step.deltaMs : 0);
    const from = i - msToSamples(delayMs);
    out[i] = from >= 0 ? gain * path[from]! : 0;
  }
  return out;
}

/**
 * Plays a scenario through a reference and a gate, frame by frame, as the agent would. Pass a
 * gate (and its reference) to carry its state from one scenario into the next.
 */
export function run(
  s: Scenario,
  reference = new EchoReference(),
  gate = new EchoGate(reference),
): FrameResult[] {
  return simulate(s, reference, (frame, at) => gate.push(frame, at));
}

/** A mic frame and what the canceller made of it. */
export interface CancelledFrame extends FrameSample {
  /** What VAD hears of the frame after the canceller, and its level (dBFS). */
  vad: Int16Array;
  outDb: number;
  /** Whether the native canceller processed the frame. */
  cancelling: boolean;
  /** The loudest echo the canceller expects the frame could hold, dBFS. */
  worstEchoDb: number;
  /** The frame as it came in, dBFS (EchoOutput's micDb). */
  micDb: number;
  /** The echo path the gate had measured by this frame, if any. */
  estimate: EchoPathEstimate | undefined;
}

/** Plays a scenario through a reference and an {@link EchoCanceller}, frame by frame. */
export function runCanceller(
  s: Scenario,
  reference: EchoReference,
  canceller: EchoCanceller,
): CancelledFrame[] {
  return simulate(s, reference, (frame, at) => {
    const { vad, echoDb, micDb } = canceller.process(frame, at);
    return {
      vad,
      outDb: rmsDbfs(vad),
      cancelling: canceller.cancelling,
      worstEchoDb: echoDb,
      micDb,
      estimate: canceller.estimate,
    };
  });
}

/** VAD's speech segments (stream ms, start and end) over a run of frames. */
export async function speechSegments(
  vad: SileroVad,
  frames: Iterable<Int16Array>,
): Promise<[number, number][]> {
  const stream = vad.stream();
  const found: [number, number][] = [];
  let start = 0;
  for (const frame of frames) {
    for (const e of await stream.push(frame)) {
      if (e.type === 'start') start = e.speechStartMs;
      else found.push([start, e.speechEndMs]);
    }
  }
  if (stream.speaking) found.push([start, stream.timeMs]);
  stream.close();
  return found;
}

function simulate<T>(
  s: Scenario,
  reference: EchoReference,
  process: (frame: Int16Array, at: number) => T,
): (T & FrameSample)[] {
  const rand = seeded(s.seed ?? 1);
  const t0 = s.clockMs ?? T0;
  const echo = echoAtMic(s, rand);
  const person = s.person ? codec(s.person, rand) : new Float64Array(s.agent.length);
  const mic = new Float64Array(s.agent.length);
  for (let i = 0; i < mic.length; i++) mic[i] = echo[i]! + person[i]! + gaussian(rand) * NOISE_RMS;

  const frames = Math.floor(s.agent.length / SAMPLES_PER_FRAME);
  const framesPerPacket = PACKET_MS / FRAME_MS;
  const results: (T & FrameSample)[] = [];
  let played = 0;
  let arrival = 0;
  for (let j = 0; j < frames; j++) {
    const ms = j * FRAME_MS;
    // A packet arrives once its last frame is complete; its frames are pushed together.
    if (j % framesPerPacket === 0) {
      arrival = t0 + ms + PACKET_MS + rand() * ARRIVAL_JITTER_MS;
      // Meanwhile the agent has queued its voice ahead of its being heard.
      for (; played < frames && played * FRAME_MS <= ms + PLAY_LEAD_MS; played++) {
        if (s.plays === false) continue;
        const from = played * SAMPLES_PER_FRAME;
        reference.played(toInt16(s.agent, from, from + SAMPLES_PER_FRAME), t0 + played * FRAME_MS);
      }
    }
    const from = j * SAMPLES_PER_FRAME;
    const to = from + SAMPLES_PER_FRAME;
    const frame = toInt16(mic, from, to);
    results.push({
      ...process(frame, arrival),
      mic: frame,
      ms,
      echoDb: rmsDbfs(toInt16(echo, from, to)),
      personDb: rmsDbfs(toInt16(person, from, to)),
    });
  }
  return results;
}

/** The echo is audible in the frame: 6 dB above the mic's noise. */
export const echoAudible = (f: FrameSample) => f.echoDb > NOISE_DB + 6;
/** The mic holds more than noise. */
export const sound = (f: FrameResult) => f.micDb > NOISE_DB + 6;
/** The person is voicing: the level of speech that VAD hears as speech, not breath or fades. */
export const VOICED_DBFS = -40;
export const voiced = (f: FrameSample) => f.personDb > VOICED_DBFS;

/** Share of `frames` passing `test` (0 if there are none). */
export function share(frames: FrameResult[], test: (f: FrameResult) => boolean): number {
  return frames.length === 0 ? 0 : frames.filter(test).length / frames.length;
}

/** What the gate let through of the person's voice in a run. */
export interface PersonThroughGate {
  /** The frames in which the person is voicing. */
  voicedFrames: FrameResult[];
  /** Mic time of the first of them (ms); NaN if there are none. */
  onsetMs: number;
  /** From that onset to the first frame the gate passed (ms); Infinity if it passed none. */
  firstMs: number;
  /** Share of the voiced frames the gate passed. */
  heard: number;
}

export function personThroughGate(frames: FrameResult[]): PersonThroughGate {
  const voicedFrames = frames.filter(voiced);
  const onsetMs = voicedFrames[0]?.ms ?? NaN;
  const first = frames.find((f) => f.ms >= onsetMs && !f.echo);
  return {
    voicedFrames,
    onsetMs,
    firstMs: first ? first.ms - onsetMs : Infinity,
    heard: share(voicedFrames, (f) => !f.echo),
  };
}

/** The longest run of consecutive frames passing `test`. */
export function longestRun(frames: FrameResult[], test: (f: FrameResult) => boolean): number {
  let run = 0;
  let longest = 0;
  for (const f of frames) {
    run = test(f) ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** Percent with one decimal, for messages. */
export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * From when on (ms into the reply) echo at `echoGainDb` must be suppressed: at once for echo at
 * -10 dB or quieter; louder echo only once the gate has measured the echo path (about 1 s of the
 * agent's speech, then an estimate every 200 ms), since until then it assumes -15 dB.
 */
export const settleMs = (echoGainDb: number): number => (echoGainDb > -10 ? 1_600 : 300);
