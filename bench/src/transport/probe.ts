/**
 * The transport floor: what WebRTC through livekit-server costs the two figures the brief
 * measures at a listener, with no decision in the way. A simulated person speaks "wait"; a
 * relay in its own process (relay.ts: rtc-node, the agent's source queue and frame size) acts
 * on the first frame with sound it receives, and the person hears the result.
 *
 *   stop rounds   the relay is playing a tone; it stops on the onset. Onset -> the tone's last
 *                 sound at the person: the floor of barge-in stop (the agent's VAD and decision
 *                 come on top).
 *   start rounds  the relay is silent; it starts the tone on the onset. Onset -> the tone's first
 *                 sound at the person: the round trip inside voice-to-voice (endpointing, STT,
 *                 LLM and TTS come on top).
 *
 * Each is split at the relay (one machine, one clock): uplink = onset -> the relay's frame with
 * sound; downlink = the relay's action -> the person hears it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AccessToken } from 'livekit-server-sdk';
import { SimParticipant, STOP_GAP_MS } from '@voice-agent/e2e/participants';
import { timeline } from '@voice-agent/e2e/speech';
import { API_KEY, API_SECRET, LIVEKIT_URL } from '@voice-agent/e2e/stack';
import { sleep, stats } from '@voice-agent/e2e/stats';
import { storyStopMs } from '../turn_taking/measure.js';
import { AGENT_SOURCE_QUEUE_MS, type RelayCommand, type RelayReport } from './protocol.js';

const RELAY_SCRIPT = fileURLToPath(new URL('./relay.ts', import.meta.url));
const TIMEOUT_MS = 10_000;

export interface TransportRound {
  kind: 'stop' | 'start';
  /** Onset -> what the person hears (stop: last tone sound; start: first tone sound). */
  totalMs: number;
  upMs: number;
  downMs: number;
}

export interface TransportFloor {
  rounds: TransportRound[];
  queueMs: number;
  stop: ReturnType<typeof summary>;
  start: ReturnType<typeof summary>;
}

function summary(rounds: TransportRound[]) {
  return {
    n: rounds.length,
    totalMs: stats(rounds.map((r) => r.totalMs)),
    upMs: stats(rounds.map((r) => r.upMs)),
    downMs: stats(rounds.map((r) => r.downMs)),
  };
}

class Relay {
  readonly #child: ChildProcess;
  readonly #reports: RelayReport[] = [];
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (r: RelayReport) => this.#reports.push(r));
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(room: string, queueMs: number): Promise<Relay> {
    const token = new AccessToken(API_KEY, API_SECRET, { identity: 'relay', ttl: '30m' });
    token.kind = 'agent';
    token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
    const child = fork(RELAY_SCRIPT, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        RELAY_URL: LIVEKIT_URL,
        RELAY_TOKEN: await token.toJwt(),
        RELAY_QUEUE_MS: String(queueMs),
      },
      // rtc-node logs its connection at debug to stdout; errors still reach stderr.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new Relay(child);
  }

  send(cmd: RelayCommand): void {
    this.#child.send(cmd);
  }

  /** The next report of `type`, waiting up to TIMEOUT_MS. */
  async next<T extends RelayReport['type']>(type: T): Promise<Extract<RelayReport, { type: T }>> {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const i = this.#reports.findIndex((r) => r.type === type);
      if (i >= 0) return this.#reports.splice(i, 1)[0] as Extract<RelayReport, { type: T }>;
      if (this.#child.exitCode !== null) throw new Error('the transport relay exited');
      if (Date.now() > deadline) throw new Error(`the transport relay did not report ${type}`);
      await sleep(5);
    }
  }

  async quit(): Promise<void> {
    if (this.#child.exitCode === null) this.send({ type: 'quit' });
    await Promise.race([this.#exited, sleep(5_000)]);
    this.#child.kill();
  }
}

/**
 * Runs `rounds` stop rounds and as many start rounds, alternating, in room `room` (the relay and
 * one person; nothing else in it).
 */
export async function measureTransportFloor(
  room: string,
  rounds: number,
  random: () => number,
  queueMs = AGENT_SOURCE_QUEUE_MS,
): Promise<TransportFloor> {
  const relay = await Relay.start(room, queueMs);
  const person = await SimParticipant.join(room, `person-${room}`, 'Person');
  try {
    await relay.next('ready');
    await person.publishMicrophone();
    await person.waitFor('the relay', () => person.agent(), TIMEOUT_MS);
    const wait = timeline([{ say: 'wait', trim: true }, { silenceMs: 200 }]);
    const results: TransportRound[] = [];
    for (let i = 0; i < rounds; i++) {
      // Stop: the tone is heard, then "wait" 0.5-1.5 s into it.
      relay.send({ type: 'play' });
      await relay.next('playing');
      const playFrom = Date.now();
      await person.waitFor('the tone', () => person.firstSoundAfter(playFrom), TIMEOUT_MS);
      await sleep(500 + 1000 * random());
      relay.send({ type: 'arm', action: 'stop' });
      const [stopSaid] = await person.speak(wait);
      const stopped = await relay.next('acted');
      await sleep(STOP_GAP_MS + 100);
      const stopOnset = stopSaid!.startAt;
      const stopMs = storyStopMs(person.heard, stopOnset);
      results.push({
        kind: 'stop',
        totalMs: stopMs,
        upMs: stopped.heardAt - stopOnset,
        downMs: stopOnset + stopMs - stopped.actedAt,
      });

      // Start: silence, then "wait"; the tone starts on its onset.
      await sleep(300 + 700 * random());
      relay.send({ type: 'arm', action: 'start' });
      const [startSaid] = await person.speak(wait);
      const started = await relay.next('acted');
      const startOnset = startSaid!.startAt;
      const heardAt = await person.waitFor(
        'the started tone',
        () => person.firstSoundAfter(startOnset),
        TIMEOUT_MS,
      );
      results.push({
        kind: 'start',
        totalMs: heardAt - startOnset,
        upMs: started.heardAt - startOnset,
        downMs: heardAt - started.actedAt,
      });
      relay.send({ type: 'hush' });
      await sleep(STOP_GAP_MS + 200);
    }
    const of = (kind: TransportRound['kind']) => results.filter((r) => r.kind === kind);
    return { rounds: results, queueMs, stop: summary(of('stop')), start: summary(of('start')) };
  } finally {
    await relay.quit();
    await person.leave();
  }
}
