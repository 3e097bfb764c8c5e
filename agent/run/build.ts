// How the agent builds what talks to each source: the HTTP client of a MISP instance or feed,
// the MISP client and sync engine of an instance over its index, and the memcached store they
// all write through. The composition root (agent.ts) and the other sources (other-sources.ts)
// build theirs here, with the same timeouts, bounds and engine options.
import { hostname } from 'node:os';
import { MispClient } from '../misp/client.js';
import { AttributeFilter, type FilterOptions } from '../misp/filters.js';
import { MispHttp } from '../misp/http.js';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { AgentOptions } from '../ops/options.js';
import { AGENT_VERSION } from '../ops/version.js';
import { MemcachedStore } from '../store/memcached-writer.js';
import { SyncEngine } from '../sync/engine.js';
import type { SourceSet } from '../sync/source-set.js';
import type { IndicatorState } from '../sync/state.js';

/** An HTTP client for one MISP instance or feed: its own address, key and TLS; timeouts, retries and bounds as the agent's. */
export function mispHttp(opts: AgentOptions, target: { baseUrl: string; apiKey: string; insecure: boolean; caFile?: string | undefined; proxy?: string | undefined }, log: Logger, metrics: Metrics): MispHttp {
  return new MispHttp(
    {
      baseUrl: target.baseUrl,
      apiKey: target.apiKey,
      insecure: target.insecure,
      timeoutSeconds: opts.timeout,
      retries: opts.retries,
      retryDelaySeconds: opts.retryDelay,
      userAgent: `misp-enrich-agent/${AGENT_VERSION}`,
      maxResponseBytes: opts.maxResponseMb * 1024 * 1024,
      ...(target.caFile ? { caFile: target.caFile } : {}),
      ...(target.proxy ? { proxy: target.proxy } : {}),
    },
    log,
    metrics,
  );
}

/**
 * The MISP client, the memcached store and the sync engine over an index, as the agent runs them.
 * Without --misp-url (feeds and further instances alone) there is no client: the engine then only
 * stamps and loads the set, and asking it to sync with MISP is a fault (noMainMisp).
 */
export function syncParts(opts: AgentOptions, apiKey: string, state: IndicatorState, log: Logger, metrics: Metrics, set?: SourceSet) {
  const http = opts.mispUrl === null ? null : mispHttp(opts, { baseUrl: opts.mispUrl, apiKey, insecure: opts.insecure, caFile: opts.caFile, proxy: opts.proxy }, log, metrics);
  const store = new MemcachedStore(
    opts.memcached,
    {
      ttlSeconds: opts.keyTtl,
      inFlight: opts.pipeline,
      timeoutSeconds: opts.memcachedTimeout,
      ...(opts.haLease > 0 ? { lease: { seconds: opts.haLease, holder: opts.haId ?? `${hostname()}:${process.pid}` } } : {}),
    },
    log,
    metrics,
  );
  const { client, engine } = mispEngine(opts, opts, http, state, store, log, set);
  return { http, store, client: http === null ? null : client, engine };
}

/** The client of a main MISP instance that does not exist (no --misp-url): any use of it is a fault, said as such. */
function noMainMisp(): MispClient {
  return new Proxy({} as MispClient, {
    get(_target, name) {
      throw new AgentError(ErrorCodes.INTERNAL, `the main MISP instance was asked for ${String(name)}, and there is none (no --misp-url)`);
    },
  });
}

/**
 * The MISP client and sync engine of one MISP instance over its index: the main one (`filter`:
 * the agent's options), or a further one with its own filters, which leaves loading servers to
 * the main one and stamps META_KEY with the main one's value (`metaOf`).
 */
export function mispEngine(
  opts: AgentOptions,
  filter: FilterOptions,
  http: MispHttp | null,
  state: IndicatorState,
  store: MemcachedStore,
  log: Logger,
  set?: SourceSet,
  metaOf?: () => string,
): { client: MispClient; engine: SyncEngine } {
  const client = http === null ? noMainMisp() : new MispClient(http, log, { pageSize: opts.pageSize, maxPages: opts.maxPages });
  const engine = new SyncEngine(state, client, new AttributeFilter(filter), store, log, {
    maxRemovalShare: opts.maxRemovalShare,
    publishedOnly: filter.publishedOnly,
    tagFilters: filter.tags.length > 0 || filter.excludeTags.length > 0,
    warninglists: opts.warninglists,
    overlapSeconds: opts.overlap,
    agentVersion: AGENT_VERSION,
    decay: opts.decay,
    ...(metaOf ? { loadsServers: false } : {}),
  }, set, metaOf);
  return { client, engine };
}
