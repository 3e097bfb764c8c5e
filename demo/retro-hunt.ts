// The demo's retro-hunt: last week's logs went through misp_enrich (with retro_keys) while MISP
// did not know a C2 domain yet, and sit in a search engine (OpenSearch, in-process, with the
// shipped templates). Then an analyst adds the domain to MISP; the agent (--zmq --retro-url)
// learns it through the feed at once, hunts it in the past events with the filter's own
// matching, and writes one alert per event it finds. The report says what it found, how late
// MISP knew it, and how long the hunt took from MISP's change to the alerts.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../tools/local-memcached.js';
import { osRequest, prepareLauncher, startOpenSearch, type OpenSearchNode } from '../tools/opensearch.js';
import type { LiveUpdateContext } from './live-update.js';
import { until } from '../tools/until.js';

export interface RetroHuntReport {
  indicator: string;
  /** Past events carrying it, among those indexed. */
  past_events: number;
  past_events_indexed: number;
  /** Alerts the hunt wrote (one per past event and attribute). */
  alerts: number;
  /** From MISP's change to the alerts being searchable. */
  alerts_after_ms: number;
  /** The longest lateness: MISP knew the indicator this long after the event. */
  latest_known_after_days: number;
  alerts_index: string;
  alert: unknown;
}

/** The running demo world: the same as the live-update stage's. */
export type RetroHuntContext = LiveUpdateContext;

const INDICATOR = 'retro.demo-c2.example';
const ALERTS = 'misp-enrich-retro';
const DAY = 86_400_000;
const GUARD_MS = 60_000;

/** Last week's logs: the demo's input events re-dated over seven days, and a few DNS queries for the domain no one knew yet. */
function pastEvents(input: Record<string, unknown>[]): Record<string, unknown>[] {
  const out = input.slice(0, 2_000).map((e) => ({ ...e }));
  for (let i = 0; i < 6; i++) {
    out.splice(150 + i * 300, 0, { message: `DNS query ${i}`, event: { dataset: 'dns' }, source: { ip: `10.20.30.${40 + i}` }, dns: { question: { name: `${['a', 'cdn', 'x7'][i % 3]}.${i % 2 ? INDICATOR.toUpperCase() : INDICATOR}` } } });
  }
  const start = Date.now() - 7 * DAY;
  return out.map((e, i) => ({ ...e, '@timestamp': new Date(start + (i * 6 * DAY) / out.length).toISOString() }));
}

export async function showRetroHunt(ctx: RetroHuntContext, input: Record<string, unknown>[]): Promise<RetroHuntReport> {
  const why = prepareLauncher();
  if (why) throw new Error(`retro-hunt: ${why}`);
  let node: OpenSearchNode | null = null;
  let agent: ChildProcess | null = null;
  try {
    node = await startOpenSearch();
    // What an admin installs before the first event (README, "Elasticsearch and Kibana").
    await osRequest(node.url, 'PUT', '/_component_template/misp-enrich', JSON.parse(readFileSync(join(ctx.root, 'docs/elasticsearch/component-template.json'), 'utf8')));
    await osRequest(node.url, 'PUT', '/_index_template/misp-enrich', JSON.parse(readFileSync(join(ctx.root, 'docs/elasticsearch/index-template.json'), 'utf8')));

    // Last week, through misp_enrich with retro_keys: MISP does not know the domain, nothing hits it.
    const events = pastEvents(input);
    const inputFile = join(ctx.outDir, 'retro-past-input.ndjson');
    const outputFile = join(ctx.outDir, 'retro-past-enriched.ndjson');
    const settings = join(ctx.outDir, 'retro-settings.json');
    writeFileSync(inputFile, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(settings, JSON.stringify({ memcached_hosts: [ctx.memcached], fetch_context: false, retro_keys: true }));
    await ctx.run(process.execPath, [join(ctx.root, 'bin/misp-enrich-run.js'), '--settings', settings, '--input', inputFile, '--output', outputFile]);
    const written = readFileSync(outputFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
    let body = '';
    written.forEach((e, i) => {
      body += `${JSON.stringify({ index: { _index: `misp-enrich-${String(e['@timestamp']).slice(0, 10).replaceAll('-', '.')}`, _id: `past-${i}` } })}\n${JSON.stringify(e)}\n`;
    });
    const indexed = await osRequest<Record<string, any>>(node.url, 'POST', '/_bulk?refresh=true', body, true);
    if (indexed.errors) throw new Error('retro-hunt: the past events could not be indexed');
    const carrying = written.filter((e) => JSON.stringify(e.dns ?? {}).toLowerCase().includes(INDICATOR)).length;

    // The agent follows MISP's feed and hunts what becomes matchable.
    const port = await freePort();
    agent = spawn(process.execPath, [join(ctx.root, 'dist/agent/misp-enrich-agent.js'), '--misp-url', ctx.mispUrl, '--memcached', ctx.memcached, '--zmq', ctx.zmqEndpoint,
      '--interval', '600', '--metrics-listen', `127.0.0.1:${port}`, '--retro-url', node.url, '--retro-window', '30', '--log-level', 'warn'],
    { env: { ...process.env, MISP_API_KEY: ctx.apiKey }, stdio: ['ignore', 'ignore', 'pipe'] });
    ctx.track(agent);
    let log = '';
    agent.stderr!.on('data', (d: Buffer) => (log = (log + d.toString('utf8')).slice(-10_000)));
    await until('the retro-hunt stage\'s agent to sync and subscribe', async () => {
      if (agent!.exitCode !== null) throw new Error(`the agent exited: ${log}`);
      try {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return /misp_enrich_agent_sync_cycles_total\{[^}]*mode="full"[^}]*result="ok"[^}]*\} [1-9]/.test(text) && /misp_enrich_agent_zmq_connected 1/.test(text);
      } catch {
        return false;
      }
    }, GUARD_MS, 100);

    // An analyst adds the domain to MISP today.
    const now = Math.floor(Date.now() / 1000);
    const event = {
      Event: {
        id: '191', uuid: '7a4c0c1e-9d0e-4f51-8a1c-2e3f4a5b6c7d', info: 'DEMO - retro-hunt: C2 domain of last week\'s campaign, reported today', date: new Date().toISOString().slice(0, 10),
        threat_level_id: '1', published: true, publish_timestamp: now, timestamp: now, Orgc: { name: 'DEMO-CERT' }, Tag: [{ name: 'tlp:amber' }],
        Attribute: [{ uuid: '7a4c0c1e-9d0e-4f51-8a1c-000000000191', type: 'domain', category: 'Network activity', value: INDICATOR, to_ids: true, timestamp: now }],
      },
    };
    const tmp = join(ctx.dataDir, '.event-191.json.tmp');
    writeFileSync(tmp, JSON.stringify(event));
    const t0 = Date.now();
    renameSync(tmp, join(ctx.dataDir, 'event-191.json'));
    const alerts = await until('the retro-hunt\'s alerts', async () => {
      await osRequest(node!.url, 'POST', `/${ALERTS}/_refresh`).catch(() => undefined);
      const r = await osRequest<Record<string, any>>(node!.url, 'POST', `/${ALERTS}/_search`, { size: 100, sort: [{ 'misp_enrich.retro.source.timestamp': 'asc' }] }).catch(() => null);
      return r && r.hits.hits.length >= carrying ? (r.hits.hits as Record<string, any>[]).map((h) => h._source) : null;
    }, GUARD_MS, 100);
    const after = Date.now() - t0;
    return {
      indicator: INDICATOR,
      past_events: carrying,
      past_events_indexed: written.length,
      alerts: alerts.length,
      alerts_after_ms: after,
      latest_known_after_days: Math.round((Math.max(...alerts.map((a) => a.misp_enrich.retro.lateness_seconds as number)) / 86_400) * 10) / 10,
      alerts_index: ALERTS,
      alert: alerts[0],
    };
  } finally {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent!.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
    await node?.stop();
  }
}
