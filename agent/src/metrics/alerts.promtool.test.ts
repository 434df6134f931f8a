/**
 * The alert rules and the dashboard (observability/) against the metrics this agent exports:
 * every metric they name exists, the rules' own promtool tests pass, and the voice-to-voice alert
 * fires on the metrics of real conversations with a slow LLM (and not with a fast one).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpenAiFixture } from '@voice-agent/fixtures';
import type { OpenAiFixture } from '@voice-agent/fixtures';
import { setup } from '../../test/fake_conversation.js';
import { until } from '../../test/until.js';
import { OpenAiLlm } from '../providers/llm/openai.js';
import './process.js';
import './providers.js';
import { registry } from './registry.js';
import './turns.js';

const OBSERVABILITY = join(import.meta.dirname, '..', '..', '..', 'observability');
const RULES = join(OBSERVABILITY, 'prometheus', 'alerts.yml');

/** The agent's metric names a PromQL expression refers to (histogram series by their base name). */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\bvoice_agent_[a-z_]+/g)].map((m) =>
    m[0].replace(/_(bucket|sum|count)$/, ''),
  );
}

function promtool(...args: string[]) {
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  if (run.error) throw new Error(`promtool (Debian's prometheus package): ${run.error.message}`);
  return run;
}

describe('alert rules and dashboard against the exported metrics', () => {
  const exported = new Set<string>();
  before(async () => {
    for (const metric of await registry.getMetricsAsJSON()) exported.add(metric.name);
  });

  it('every metric the dashboard and the rules name is one the agent exports', () => {
    const dashboard = JSON.parse(
      readFileSync(join(OBSERVABILITY, 'grafana', 'dashboards', 'voice-agent.json'), 'utf8'),
    ) as { panels: { title: string; targets: { expr: string }[] }[] };
    const named = [
      ...dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr))),
      ...metricsIn(readFileSync(RULES, 'utf8')),
    ];
    assert.ok(named.length > 20, `found ${named.length} metric references`);
    assert.deepEqual([...new Set(named.filter((n) => !exported.has(n)))], []);
    assert.ok(dashboard.panels.every((p) => p.targets.length > 0));
  });

  it('the rules pass promtool check and their own unit tests', () => {
    const check = promtool('check', 'rules', RULES);
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const tests = promtool('test', 'rules', join(OBSERVABILITY, 'prometheus', 'alerts.test.yml'));
    assert.equal(tests.status, 0, tests.stdout + tests.stderr);
  });
});

describe('the voice-to-voice alert on the metrics of real conversations', () => {
  let fx: OpenAiFixture;
  let dir: string;
  before(async () => {
    fx = await startOpenAiFixture({ phrases: [] });
    fx.script.chat.reply = () => 'It opens at nine.';
    dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  });
  after(async () => {
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Two turns answered by the fixture's LLM with `ttftMs`; the end-to-end buckets they left. */
  async function conversationBuckets(ttftMs: number): Promise<Map<string, number>> {
    fx.script.chat.ttftMs = ttftMs;
    const before = await endToEndBuckets();
    const llm = new OpenAiLlm({ baseURL: fx.baseUrl, apiKey: 'k', model: 'm' });
    const { conversation, speaker } = setup({ llm });
    for (const [i, text] of ['When does it open?', 'And on Sunday?'].entries()) {
      const now = performance.now();
      conversation.userTurn({
        identity: 'ana',
        name: 'Ana',
        text,
        speechEndAt: now,
        endedAt: now,
        sttFinalMs: 100,
      });
      await until(() => speaker.heard.length > i, 'the reply', 10_000);
    }
    await llm.close();
    const afterTurns = await endToEndBuckets();
    return new Map([...afterTurns].map(([le, n]) => [le, n - (before.get(le) ?? 0)]));
  }

  async function endToEndBuckets(): Promise<Map<string, number>> {
    const metric = (await registry.getMetricsAsJSON()).find(
      (m) => m.name === 'voice_agent_turn_latency_ms',
    ) as {
      values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
    };
    return new Map(
      metric.values
        .filter((v) => v.metricName?.endsWith('_bucket') && v.labels.stage === 'end_to_end')
        .map((v) => [String(v.labels.le), v.value]),
    );
  }

  /** promtool: those turns, repeated every minute for 10 minutes; does the alert fire at 9m? */
  function fires(buckets: Map<string, number>, name: string): boolean {
    const series = [...buckets].map(
      ([le, n]) =>
        `      - series: 'voice_agent_turn_latency_ms_bucket{stage="end_to_end",le="${le}"}'\n` +
        `        values: '0+${n}x10'`,
    );
    const file = join(dir, `${name}.test.yml`);
    writeFileSync(
      file,
      [
        'rule_files:',
        `  - ${RULES}`,
        'evaluation_interval: 1m',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        ...series,
        '    alert_rule_test:',
        '      - eval_time: 9m',
        '        alertname: VoiceToVoiceP95OverBudget',
        '        exp_alerts: []',
      ].join('\n'),
    );
    const run = promtool('test', 'rules', file);
    if (run.status === 0) return false;
    assert.match(run.stdout + run.stderr, /VoiceToVoiceP95OverBudget/, run.stdout + run.stderr);
    return true;
  }

  it('an LLM whose first token takes 3.2 s: the alert fires', async () => {
    assert.equal(fires(await conversationBuckets(3_200), 'slow'), true);
  });

  it('an LLM that answers at once: it stays quiet', async () => {
    assert.equal(fires(await conversationBuckets(0), 'fast'), false);
  });
});
