// The demo's real-time part: the agent subscribed to misp-sim's ZeroMQ feed (--zmq), polling only
// every 10 minutes; an analyst adds an indicator to MISP (a new published event in the data
// folder misp-sim serves); MISP announces it (misp_json_attribute, misp_json), the agent applies
// it, and the very next event carrying that indicator is enriched by the plugin jar. The report
// says how long the change took to reach memcached and what the filter wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import memjs from 'memjs';
import { mispIndicators } from '../plugin/core/ioc/index.js';
import { freePort } from '../tools/local-memcached.js';
import { until } from '../tools/until.js';

export interface LiveUpdateReport {
  indicator: string;
  misp_event: string;
  /** From writing the change into MISP's data to the key in memcached. */
  reached_memcached_ms: number;
  /** What announced it on the feed, as the agent counted it. */
  announced_by: string[];
  /** Polling cycles of the agent during the update (0: it came through the feed). */
  polling_cycles_meanwhile: number;
  filter_matched: boolean;
  enrichment: unknown;
}

export interface LiveUpdateContext {
  root: string;
  dataDir: string;
  mispUrl: string;
  apiKey: string;
  memcached: string;
  zmqEndpoint: string;
  outDir: string;
  /** Runs a program to its end (the demo's runner). */
  run: (command: string, argv: string[]) => Promise<{ stdout: string; stderr: string }>;
  /** Registers a child to stop when the demo ends, however it ends. */
  track: (child: ChildProcess) => void;
}

const INDICATOR = 'live-update.demo-c2.example';
/** Deadlines that only turn a hang into an error message. */
const GUARD_MS = 30_000;

async function metrics(url: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  try {
    for (const line of (await (await fetch(`${url}/metrics`)).text()).split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const sp = line.lastIndexOf(' ');
      m.set(line.slice(0, sp), Number(line.slice(sp + 1)));
    }
  } catch {
    // not listening yet
  }
  return m;
}

const metric = (m: Map<string, number>, name: string) => m.get(`misp_enrich_agent_${name}`) ?? 0;

export async function showLiveUpdate(ctx: LiveUpdateContext): Promise<LiveUpdateReport> {
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}`;
  const agent = spawn(
    process.execPath,
    [join(ctx.root, 'dist/agent/misp-enrich-agent.js'), '--misp-url', ctx.mispUrl, '--memcached', ctx.memcached, '--zmq', ctx.zmqEndpoint,
      '--interval', '600', '--metrics-listen', `127.0.0.1:${port}`, '--log-level', 'warn'],
    { env: { ...process.env, MISP_API_KEY: ctx.apiKey }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  ctx.track(agent);
  let agentLog = '';
  agent.stderr!.on('data', (d: Buffer) => (agentLog = (agentLog + d.toString('utf8')).slice(-10_000)));
  const mc = memjs.Client.create(ctx.memcached, { retries: 1, timeout: 2, logger: { log: () => undefined } });
  try {
    await until('the live update stage\'s agent to sync and subscribe', async () => {
      if (agent.exitCode !== null) throw new Error(`the agent exited: ${agentLog}`);
      const m = await metrics(metricsUrl);
      return metric(m, 'sync_cycles_total{mode="full",result="ok"}') >= 1 && metric(m, 'zmq_connected') === 1;
    }, GUARD_MS, 50);
    const before = await metrics(metricsUrl);
    const key = mispIndicators('domain', INDICATOR)!.indicators[0]!.key;
    const now = Math.floor(Date.now() / 1000);
    const info = 'DEMO - live update: new C2 domain reported a moment ago';
    const event = {
      Event: {
        id: '190', uuid: '7a4c0c1e-9d0e-4f51-8a1c-1e2f3a4b5c6d', info, date: new Date().toISOString().slice(0, 10), threat_level_id: '1',
        published: true, publish_timestamp: now, timestamp: now, Orgc: { name: 'DEMO-CERT' }, Tag: [{ name: 'tlp:amber' }],
        Attribute: [{ uuid: '7a4c0c1e-9d0e-4f51-8a1c-000000000001', type: 'domain', category: 'Network activity', value: INDICATOR, to_ids: true, timestamp: now }],
      },
    };
    // As an analyst's save lands in MISP: the new event appears in the data misp-sim serves.
    const tmp = join(ctx.dataDir, '.event-190.json.tmp');
    writeFileSync(tmp, JSON.stringify(event));
    const t0 = Date.now();
    renameSync(tmp, join(ctx.dataDir, 'event-190.json'));
    await until('the new indicator in memcached', async () => (await mc.get(key)).value !== null, GUARD_MS, 50);
    const reached = Date.now() - t0;
    const after = await metrics(metricsUrl);
    const announced = [...after].filter(([k, v]) => k.startsWith('misp_enrich_agent_zmq_messages_total{') && k.includes('result="applied"') && v > (before.get(k) ?? 0))
      .map(([k]) => /topic="([^"]+)"/.exec(k)?.[1] ?? k);
    const polls = metric(after, 'sync_cycles_total{mode="incremental",result="ok"}') - metric(before, 'sync_cycles_total{mode="incremental",result="ok"}');

    // The next log line carrying it is enriched.
    const input = join(ctx.outDir, 'live-input.ndjson');
    const output = join(ctx.outDir, 'live-enriched.ndjson');
    const settings = join(ctx.outDir, 'settings.json');
    writeFileSync(input, JSON.stringify({ '@timestamp': new Date().toISOString(), message: `DNS query ${INDICATOR}`, event: { dataset: 'dns' }, dns: { question: { name: `beacon.${INDICATOR}` } } }) + '\n');
    await ctx.run(process.execPath, [join(ctx.root, 'bin/misp-enrich-run.js'), '--settings', settings, '--input', input, '--output', output]);
    const enriched = JSON.parse(readFileSync(output, 'utf8').split('\n')[0]!) as { threat?: { enrichments?: unknown[] } };
    const entry = enriched.threat?.enrichments?.[0] ?? null;
    return {
      indicator: INDICATOR,
      misp_event: info,
      reached_memcached_ms: reached,
      announced_by: announced,
      polling_cycles_meanwhile: polls,
      filter_matched: entry !== null,
      enrichment: entry,
    };
  } finally {
    mc.close();
    if (agent.exitCode === null) {
      const exited = new Promise((r) => agent.once('exit', r));
      agent.kill('SIGTERM');
      await exited;
    }
  }
}
