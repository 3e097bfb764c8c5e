// The agent's Prometheus metrics, on prom-client: the exposition format, histograms and the
// process and Node.js runtime metrics come from a well-kept library instead of hand-written code.
// Every family is declared once here with its labels, and every series the agent can know in
// advance (each mode and result, each memcached server, each MISP error code) starts at zero: an
// alert on `increase(x[1h]) > 0` then fires on the first occurrence, not only on the second.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ErrorCodes } from './errors.js';

type Labels = Record<string, string>;

const PREFIX = 'misp_enrich_agent_';

interface Declared {
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labels?: readonly string[];
  buckets?: readonly number[];
}

/** Seconds: a live update takes milliseconds, a full sync of a million attributes minutes. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** Every family the agent exposes (without the misp_enrich_agent_ prefix). */
export const AGENT_METRICS = {
  up: { type: 'gauge', help: 'Always 1 while the agent runs' },
  build_info: { type: 'gauge', help: 'Always 1; the labels say which agent and Node.js run', labels: ['version', 'node_version'] },
  last_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last successful sync with MISP' },
  last_full_sync_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last successful full sync' },
  sync_duration_seconds: { type: 'histogram', help: 'Duration of sync cycles, by mode', labels: ['mode'], buckets: DURATION_BUCKETS },
  sync_last_duration_seconds: { type: 'gauge', help: 'Duration of the last sync cycle, by mode', labels: ['mode'] },
  sync_cycles_total: { type: 'counter', help: 'Sync cycles by mode (full, incremental; sources without --misp-url) and result (ok, error)', labels: ['mode', 'result'] },
  indicators: { type: 'gauge', help: 'Indicator keys held, by indicator kind', labels: ['kind'] },
  attributes: { type: 'gauge', help: 'MISP attributes held' },
  skipped_values_total: { type: 'counter', help: 'Attribute values not stored, by reason', labels: ['reason'] },
  misp_errors_total: { type: 'counter', help: 'Failed MISP requests (each attempt, retries included), by error code', labels: ['code'] },
  misp_requests_total: { type: 'counter', help: 'MISP HTTP requests sent' },
  memcached_errors_total: { type: 'counter', help: 'Failed memcached operations, by server', labels: ['server'] },
  memcached_writes_total: { type: 'counter', help: 'Keys written or deleted, by server', labels: ['server'] },
  memcached_reloads_total: { type: 'counter', help: 'Full reloads of a memcached server (empty or restarted), by server and source', labels: ['server', 'source'] },
  memcached_evictions: { type: 'gauge', help: 'Evictions reported by memcached stats, by server', labels: ['server'] },
  memcached_limit_bytes: { type: 'gauge', help: 'limit_maxbytes reported by memcached stats, by server', labels: ['server'] },
  memcached_up: { type: 'gauge', help: '1 when the server answered the last check, by server', labels: ['server'] },
  memcached_lease_held: { type: 'gauge', help: 'With --ha-lease: 1 while this agent holds the server\'s lease and writes it, 0 while another agent does, by server', labels: ['server'] },
  stored_bytes_estimate: { type: 'gauge', help: 'Estimated memcached memory needed for the set' },
  snapshot_writes_total: { type: 'counter', help: 'Snapshot files written' },
  mass_removals_refused_total: { type: 'counter', help: 'Full resyncs that would have removed more than --max-removal-share of the set, and removed nothing' },
  expired_total: { type: 'counter', help: 'Attributes removed at their expiry (decay threshold or --max-age)' },
  zmq_messages_total: { type: 'counter', help: 'ZeroMQ messages received, by topic and result (applied, heartbeat, ignored, malformed)', labels: ['topic', 'result'] },
  zmq_connected: { type: 'gauge', help: '1 while the ZeroMQ feed is connected' },
  zmq_gaps_total: { type: 'counter', help: 'Moments the ZeroMQ feed may have missed messages (reconnect, silence, heartbeat), each followed by an incremental sync', labels: ['reason'] },
  source_syncs_total: { type: 'counter', help: 'Sync cycles of each further MISP instance (--sources), by source, mode and result', labels: ['source', 'mode', 'result'] },
  source_zmq_connected: { type: 'gauge', help: '1 while the ZeroMQ feed of a further MISP instance (its zmq in --sources) is connected', labels: ['source'] },
  source_attributes: { type: 'gauge', help: 'Attributes held from each further MISP instance', labels: ['source'] },
  source_last_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last successful sync of each further MISP instance', labels: ['source'] },
  feed_syncs_total: { type: 'counter', help: 'Reads of a MISP feed (--feed), by feed and result', labels: ['feed', 'result'] },
  feed_attributes: { type: 'gauge', help: 'Attributes held from each MISP feed', labels: ['feed'] },
  feed_last_success_timestamp_seconds: { type: 'gauge', help: 'Unix time of the last successful read of each MISP feed', labels: ['feed'] },
  live_updates_total: { type: 'counter', help: 'Batches of ZeroMQ changes applied, by result', labels: ['result'] },
} as const satisfies Record<string, Declared>;

/** The retro-hunt's families, declared only when it runs (--retro-url). */
export const RETRO_METRICS = {
  retro_queue: { type: 'gauge', help: 'Attributes waiting for the retro-hunt' },
  retro_lag_seconds: { type: 'gauge', help: 'Seconds since the retro-hunt last had nothing to do (0 while idle)' },
  retro_attributes_hunted_total: { type: 'counter', help: 'Attributes whose past events the retro-hunt searched' },
  retro_searches_total: { type: 'counter', help: 'Search requests of the retro-hunt' },
  retro_candidates_total: { type: 'counter', help: 'Events the retro-hunt searches returned, before the filter\'s matching' },
  retro_alerts_total: { type: 'counter', help: 'Retro-hunt alerts, by result: created, existing (written by an earlier hunt), failed', labels: ['result'] },
  retro_capped_total: { type: 'counter', help: 'Indicators whose hunt stopped at --retro-max-hits' },
  retro_errors_total: { type: 'counter', help: 'Failed retro-hunts (each retried later), by error code', labels: ['code'] },
  retro_hunt_duration_seconds: { type: 'histogram', help: 'Duration of one retro-hunt batch', buckets: DURATION_BUCKETS },
} as const satisfies Record<string, Declared>;

export type MetricName = keyof typeof AGENT_METRICS | keyof typeof RETRO_METRICS;

type Family = Counter<string> | Gauge<string> | Histogram<string>;

export class Metrics {
  readonly registry = new Registry();
  private readonly families = new Map<string, { type: Declared['type']; metric: Family }>();
  private processMetrics = false;
  /** The label sets each replace()d gauge ever had, to be set to 0 when they are not given. */
  private readonly replaced = new Map<string, Map<string, Labels>>();

  constructor(declared: Record<string, Declared> = AGENT_METRICS) {
    this.declare(declared);
  }

  /** Registers more families (each once). */
  declare(declared: Record<string, Declared>): void {
    for (const [name, d] of Object.entries(declared)) {
      if (this.families.has(name)) continue;
      const common = { name: PREFIX + name, help: d.help, labelNames: [...(d.labels ?? [])], registers: [this.registry] };
      const metric =
        d.type === 'counter' ? new Counter(common) : d.type === 'gauge' ? new Gauge(common) : new Histogram({ ...common, buckets: [...(d.buckets ?? DURATION_BUCKETS)] });
      this.families.set(name, { type: d.type, metric });
    }
  }

  private family<T extends Family>(name: string, type: Declared['type']): T {
    const f = this.families.get(name);
    // A name nobody declared is a bug in the agent, not an operating condition.
    if (!f || f.type !== type) throw new Error(`metric ${name} is not a declared ${type}`);
    return f.metric as T;
  }

  inc(name: MetricName, labels: Labels = {}, by = 1): void {
    this.family<Counter<string>>(name, 'counter').inc(labels, by);
  }

  set(name: MetricName, value: number, labels: Labels = {}): void {
    this.family<Gauge<string>>(name, 'gauge').set(labels, Number.isFinite(value) ? value : 0);
  }

  observe(name: MetricName, value: number, labels: Labels = {}): void {
    this.family<Histogram<string>>(name, 'histogram').observe(labels, value);
  }

  /**
   * Replaces the series of a gauge (e.g. indicators per kind): the given ones take their value,
   * and every series not given drops to 0 rather than vanishing, so an alert on it still sees it.
   */
  replace(name: MetricName, values: Iterable<[Labels, number]>): void {
    const g = this.family<Gauge<string>>(name, 'gauge');
    const seen = this.replaced.get(name) ?? new Map<string, Labels>();
    this.replaced.set(name, seen);
    const given = new Map<string, [Labels, number]>();
    for (const [labels, value] of values) given.set(JSON.stringify(labels), [labels, value]);
    for (const [key, labels] of seen) if (!given.has(key)) g.set(labels, 0);
    for (const [key, [labels, value]] of given) {
      seen.set(key, labels);
      g.set(labels, value);
    }
  }

  /** Starts every listed series of a counter or gauge at 0 (label values known in advance). */
  zero(name: MetricName, labelSets: readonly Labels[]): void {
    const f = this.families.get(name);
    if (!f) throw new Error(`metric ${name} is not declared`);
    for (const labels of labelSets) {
      if (f.type === 'counter') (f.metric as Counter<string>).inc(labels, 0);
      else if (f.type === 'gauge') {
        (f.metric as Gauge<string>).set(labels, 0);
        const seen = this.replaced.get(name) ?? new Map<string, Labels>();
        this.replaced.set(name, seen);
        seen.set(JSON.stringify(labels), labels);
      }
      else (f.metric as Histogram<string>).zero(labels);
    }
  }

  /** The process and Node.js runtime metrics (CPU, memory, file descriptors, event-loop lag, GC). */
  withProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition of every family. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Every combination of the given label values. */
function product(dims: Record<string, readonly string[]>): Labels[] {
  let out: Labels[] = [{}];
  for (const [k, values] of Object.entries(dims)) out = out.flatMap((l) => values.map((v) => ({ ...l, [k]: v })));
  return out;
}

/** What the agent knows before its first cycle, for the series that start at zero. */
export interface KnownSeries {
  version: string;
  servers: readonly string[];
  kinds: readonly string[];
  zmq: boolean;
  retro?: boolean;
  ha?: boolean;
  feeds?: readonly string[];
  sources?: readonly string[];
  /** False without --misp-url: cycles then read the other sources only (mode "sources"). */
  mainMisp?: boolean;
}

export function declareAgentMetrics(m: Metrics, known: KnownSeries): void {
  m.set('up', 1);
  m.set('build_info', 1, { version: known.version, node_version: process.versions.node });
  m.zero('sync_cycles_total', product({ mode: known.mainMisp === false ? ['sources'] : ['full', 'incremental'], result: ['ok', 'error'] }));
  m.zero('sync_duration_seconds', product({ mode: ['full', 'incremental'] }));
  const mispCodes = [ErrorCodes.MISP_AUTH, ErrorCodes.MISP_HTTP, ErrorCodes.MISP_TIMEOUT, ErrorCodes.MISP_UNREACHABLE, ErrorCodes.MISP_TLS,
    ErrorCodes.MISP_MALFORMED, ErrorCodes.MISP_TOO_LARGE];
  m.zero('misp_errors_total', mispCodes.map((code) => ({ code })));
  const servers = known.servers.map((server) => ({ server }));
  m.zero('memcached_errors_total', servers);
  m.zero('memcached_writes_total', servers);
  m.zero('memcached_up', servers);
  if (known.ha) m.zero('memcached_lease_held', servers);
  if (known.sources && known.sources.length > 0) m.zero('source_syncs_total', product({ source: known.sources, mode: ['full', 'incremental'], result: ['ok', 'error'] }));
  if (known.feeds && known.feeds.length > 0) m.zero('feed_syncs_total', product({ feed: known.feeds, result: ['ok', 'error'] }));
  m.zero('memcached_reloads_total', product({ server: known.servers, source: ['memory', 'snapshot'] }));
  m.zero('indicators', known.kinds.map((kind) => ({ kind })));
  if (known.zmq) {
    m.zero('zmq_gaps_total', product({ reason: ['reconnect', 'silence', 'heartbeat'] }));
    m.zero('live_updates_total', product({ result: ['ok', 'error'] }));
  }
  if (known.retro) {
    m.declare(RETRO_METRICS);
    m.zero('retro_alerts_total', product({ result: ['created', 'existing', 'failed'] }));
    m.zero('retro_errors_total', [ErrorCodes.RETRO_UNREACHABLE, ErrorCodes.RETRO_AUTH, ErrorCodes.RETRO_HTTP, ErrorCodes.RETRO_WRITE].map((code) => ({ code })));
  }
}
