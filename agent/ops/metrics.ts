// A small Prometheus registry: counters and gauges with labels, rendered in the text exposition
// format. The agent exposes few series, so a dependency would cost more than it saves.

type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  series: Map<string, { labels: Labels; value: number }>;
}

const PREFIX = 'misp_enrich_agent_';

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

export class Metrics {
  private readonly families = new Map<string, Family>();

  private family(name: string, type: Family['type'], help: string): Family {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, series: new Map() };
      this.families.set(name, f);
    }
    return f;
  }

  declare(name: string, type: Family['type'], help: string): void {
    this.family(name, type, help);
  }

  inc(name: string, labels: Labels = {}, by = 1): void {
    const f = this.family(name, 'counter', name);
    const key = labelKey(labels);
    const s = f.series.get(key);
    if (s) s.value += by;
    else f.series.set(key, { labels, value: by });
  }

  set(name: string, value: number, labels: Labels = {}): void {
    const f = this.family(name, 'gauge', name);
    f.series.set(labelKey(labels), { labels, value });
  }

  /** Replaces every series of a gauge (e.g. indicators per kind, where kinds can vanish). */
  replace(name: string, values: Iterable<[Labels, number]>): void {
    const f = this.family(name, 'gauge', name);
    f.series.clear();
    for (const [labels, value] of values) f.series.set(labelKey(labels), { labels, value });
  }

  get(name: string, labels: Labels = {}): number | undefined {
    return this.families.get(name)?.series.get(labelKey(labels))?.value;
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      const full = PREFIX + name;
      out.push(`# HELP ${full} ${f.help}`, `# TYPE ${full} ${f.type}`);
      for (const [key, s] of f.series) out.push(`${full}${key ? `{${key}}` : ''} ${Number.isFinite(s.value) ? s.value : 0}`);
    }
    return out.join('\n') + '\n';
  }
}

export function declareAgentMetrics(m: Metrics): void {
  m.declare('up', 'gauge', 'Always 1 while the agent runs');
  m.declare('last_success_timestamp_seconds', 'gauge', 'Unix time of the last successful sync with MISP');
  m.declare('last_full_sync_timestamp_seconds', 'gauge', 'Unix time of the last successful full sync');
  m.declare('sync_duration_seconds', 'gauge', 'Duration of the last sync cycle, by mode');
  m.declare('sync_cycles_total', 'counter', 'Sync cycles by mode (full, incremental) and result (ok, error)');
  m.declare('indicators', 'gauge', 'Indicator keys held, by indicator kind');
  m.declare('attributes', 'gauge', 'MISP attributes held');
  m.declare('skipped_values_total', 'counter', 'Attribute values not stored, by reason');
  m.declare('misp_errors_total', 'counter', 'Failed MISP requests (after retries count once each attempt), by error code');
  m.declare('misp_requests_total', 'counter', 'MISP HTTP requests sent');
  m.declare('memcached_errors_total', 'counter', 'Failed memcached operations, by server');
  m.declare('memcached_writes_total', 'counter', 'Keys written or deleted, by server');
  m.declare('memcached_reloads_total', 'counter', 'Full reloads of a memcached server (empty or restarted), by server and source');
  m.declare('memcached_evictions', 'gauge', 'Evictions reported by memcached stats, by server');
  m.declare('memcached_limit_bytes', 'gauge', 'limit_maxbytes reported by memcached stats, by server');
  m.declare('memcached_up', 'gauge', '1 when the server answered the last check, by server');
  m.declare('stored_bytes_estimate', 'gauge', 'Estimated memcached memory needed for the set');
  m.declare('snapshot_writes_total', 'counter', 'Snapshot files written');
  m.declare('mass_removals_refused_total', 'counter', 'Full resyncs that would have removed more than --max-removal-share of the set, and removed nothing');
  m.declare('expired_total', 'counter', 'Attributes removed at their expiry (decay threshold or --max-age)');
  m.declare('zmq_messages_total', 'counter', 'ZeroMQ messages received, by topic and result (applied, heartbeat, ignored, malformed)');
  m.declare('zmq_connected', 'gauge', '1 while the ZeroMQ feed is connected');
  m.declare('zmq_gaps_total', 'counter', 'Moments the ZeroMQ feed may have missed messages (reconnect, silence, heartbeat), each followed by an incremental sync');
  m.declare('live_updates_total', 'counter', 'Batches of ZeroMQ changes applied, by result');
}
