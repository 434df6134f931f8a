import { createServer } from 'node:http';
import { ConfigError, personaFor } from '@voice-agent/common';
import type { Personas } from '@voice-agent/common';
import { RoomServiceClient } from 'livekit-server-sdk';
import { SileroVad } from './audio/vad.js';
import { agentPersonas, loadAgentConfig, stagesOf, toolsOf } from './config.js';
import type { AgentConfig } from './config.js';
import { contextEndpoint } from './admin/context_endpoint.js';
import { RoomContexts } from './admin/context_update.js';
import { createJobEntry } from './job.js';
import { createLogger } from './log.js';
import type { Logger } from './log.js';
import { processMetrics } from './metrics/process.js';
import { registry } from './metrics/registry.js';
import { createProviders } from './providers/index.js';
import { FillerClip } from './conversation/output/filler.js';
import { RoomMemories } from './conversation/memory/room_memory.js';
import { builtInTools } from './conversation/tools/builtins.js';
import { humansIn } from './room/agent_room.js';
import { installFfiDispatch } from './room/ffi_dispatch.js';
import { AgentWorker } from './worker/worker.js';
import { cpuLoadMeter } from './worker/cpu_load.js';
import { ClusterRooms } from './cluster/room_leases.js';
import { livekitControl } from './cluster/livekit_control.js';
import { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { errorFields } from './log.js';

function readConfig(): { config: AgentConfig; personas: Personas } {
  try {
    const config = loadAgentConfig();
    return { config, personas: agentPersonas(config) };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`voice-agent: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * `/healthz` (200 once registered, 503 before), `/status` (worker and jobs, JSON), `/metrics`
 * (Prometheus: provider requests, retries, latencies; per-turn breakdown) and
 * `POST /rooms/<room>/context` (live context updates, admin/context_endpoint.ts).
 */
function serveStatus(
  config: AgentConfig,
  worker: AgentWorker,
  contexts: RoomContexts,
  log: Logger,
) {
  if (config.AGENT_HTTP_PORT === 0) return undefined;
  const updates = contextEndpoint({
    contexts,
    apiKey: config.LIVEKIT_API_KEY,
    apiSecret: config.LIVEKIT_API_SECRET,
    log,
  });
  const server = createServer((req, res) => {
    if (updates(req, res)) return;
    if (req.url === '/metrics') {
      void registry.metrics().then((text) => {
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      });
      return;
    }
    const status = worker.status();
    const body =
      req.url === '/healthz'
        ? { ok: status.connected }
        : req.url === '/status'
          ? status
          : { error: 'not found' };
    const code =
      req.url === '/healthz' ? (status.connected ? 200 : 503) : req.url === '/status' ? 200 : 404;
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  });
  server.on('error', (err) => log.error({ err: errorFields(err) }, 'status endpoint failed'));
  server.listen(config.AGENT_HTTP_PORT, config.AGENT_HTTP_HOST, () =>
    log.info(
      { host: config.AGENT_HTTP_HOST, port: config.AGENT_HTTP_PORT },
      'status endpoint listening',
    ),
  );
  return server;
}

async function main(): Promise<void> {
  const { config, personas } = readConfig();
  const log = createLogger(config.LOG_LEVEL, config.AGENT_REDACT !== 'off');
  if (config.AGENT_FFI_EVENT_ROUTING === 'on') installFfiDispatch();
  const stages = stagesOf(config);
  const providers = createProviders(stages, log);
  const [vad] = await Promise.all([SileroVad.load(), providers.tts.warmUp?.()]);
  log.info({ ...providers.labels, llmModel: stages.llm.model }, 'providers ready');
  const toolSettings = toolsOf(config);
  const tools = providers.llm ? builtInTools(toolSettings, log) : undefined;
  if (tools) log.info({ tools: tools.names }, 'tools ready');
  // Made now, ahead of need: a late reply (or a slow tool) gets it without a provider round trip.
  const fillerFor = {
    reply: config.AGENT_FILLER_AFTER_MS > 0,
    tools: toolSettings.fillerAfterMs > 0 && (tools?.names.length ?? 0) > 0,
  };
  const filler =
    (fillerFor.reply || fillerFor.tools) && providers.llm
      ? new FillerClip(config.AGENT_FILLER, [providers.tts, providers.fallbackTts], log)
      : undefined;
  void filler?.prepare();

  const contexts = new RoomContexts();
  const memories =
    config.AGENT_ROOM_MEMORY_MS > 0
      ? new RoomMemories({ keepMs: config.AGENT_ROOM_MEMORY_MS })
      : undefined;
  // A worker that cannot reach LiveKit leaves the recovery of rooms to the others.
  const cluster: ClusterRooms | undefined = config.REDIS_URL
    ? clusterRooms(config, log, (): boolean => worker.status().connected)
    : undefined;
  const cpu = cpuLoadMeter();
  const worker = new AgentWorker({
    url: config.LIVEKIT_URL,
    apiKey: config.LIVEKIT_API_KEY,
    apiSecret: config.LIVEKIT_API_SECRET,
    agentName: config.AGENT_NAME,
    participantName: (job) =>
      personaFor(personas, job.metadata, job.room?.metadata).persona.displayName ??
      config.AGENT_DISPLAY_NAME,
    maxJobs: config.AGENT_MAX_JOBS,
    shutdownTimeoutMs: config.AGENT_SHUTDOWN_TIMEOUT_MS,
    entry: createJobEntry({
      config,
      personas,
      contexts,
      memories,
      cluster,
      stt: providers.stt,
      llm: providers.llm,
      ttsFor: providers.ttsFor,
      fallbackTts: providers.fallbackTts,
      models: providers.labels,
      vad,
      filler: fillerFor.reply ? filler : undefined,
      tools: tools && {
        registry: tools,
        fillerAfterMs: toolSettings.fillerAfterMs,
        filler: fillerFor.tools ? filler : undefined,
      },
      peopleIn: humansIn(
        new RoomServiceClient(
          config.LIVEKIT_URL,
          config.LIVEKIT_API_KEY,
          config.LIVEKIT_API_SECRET,
        ),
      ),
    }),
    log,
    cpuLoad: cpu.read,
  });
  processMetrics.reportFrom(() => {
    const status = worker.status();
    return { registered: status.connected, rooms: status.jobs.length };
  });
  const http = serveStatus(config, worker, contexts, log);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, jobs: worker.status().jobs.length }, 'shutting down');
    void worker
      .close()
      .then(() => Promise.all([providers.close(), tools?.close(), cluster?.close()]))
      .finally(() => {
        memories?.close();
        http?.close();
        log.info('stopped');
        log.flush();
        process.exit(0);
      });
  };
  // A promise nobody awaited failed: a bug. Log it where operators look, then exit as Node would.
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: errorFields(reason) }, 'unhandled rejection');
    log.flush();
    process.exit(1);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  log.info(
    {
      url: config.LIVEKIT_URL,
      dispatch: config.AGENT_NAME ? 'explicit' : 'automatic',
      agentName: config.AGENT_NAME || undefined,
      maxJobs: config.AGENT_MAX_JOBS,
    },
    'agent starting',
  );
  cluster?.start();
  await worker.run();
}

/** The rooms shared with the other workers through Redis (REDIS_URL). */
function clusterRooms(config: AgentConfig, log: Logger, reachable: () => boolean): ClusterRooms {
  const clusterLog = log.child({ component: 'cluster' });
  // A command fails after 1 s at most: a job never waits long on Redis to start or end.
  const redis = new Redis(config.REDIS_URL!, { maxRetriesPerRequest: 1, commandTimeout: 1_000 });
  let down = false;
  redis.on('error', (err: unknown) => {
    if (!down) clusterLog.warn({ err: errorFields(err) }, 'redis unreachable');
    down = true;
  });
  redis.on('ready', () => {
    down = false;
    clusterLog.info('redis connected');
  });
  return new ClusterRooms({
    redis,
    worker: `${hostname()}:${process.pid}`,
    leaseMs: config.AGENT_ROOM_LEASE_MS,
    memoryMs: Math.max(config.AGENT_ROOM_MEMORY_MS, config.AGENT_ROOM_LEASE_MS),
    control: livekitControl(config.LIVEKIT_URL, config.LIVEKIT_API_KEY, config.LIVEKIT_API_SECRET),
    log: clusterLog,
    reachable,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`voice-agent: fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
