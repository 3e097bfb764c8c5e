// The search-engine port over the REST APIs of Elasticsearch 8/9 and OpenSearch 2/3, with undici
// (already the agent's HTTP client) rather than an official client: Elastic's client refuses any
// server that is not Elasticsearch (its product check), OpenSearch's does not follow Elastic's API
// where it differs, and what the hunt needs — point-in-time search with search_after, bulk create
// and templates — is a handful of requests whose only difference between the engines is the
// point-in-time API. So one small client serves both, told apart by GET / at connect().
//
// Every request is bounded in time (--retro-timeout) and size, and retried with exponential
// backoff on what an engine under load answers (429, 502, 503, 504; Retry-After is honoured) and
// on connection failures, trying the next --retro-url. Credentials are sent as headers only and
// never appear in a message.
import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import type { Logger } from '../ops/logger.js';
import type { BulkResult, Scan, SearchEngine, SearchHit } from './search-engine.js';

/** How long the engine keeps a scan's context between two pages. */
const KEEP_ALIVE = '2m';

function hitsOf(r: { hits?: { hits?: unknown[] } }): SearchHit[] {
  return ((r.hits?.hits ?? []) as { _index: string; _id: string; _source?: Record<string, unknown>; sort?: unknown[] }[])
    .map((h) => ({ index: h._index, id: h._id, source: h._source ?? {}, sort: h.sort ?? [] }));
}

export interface RestEngineOptions {
  urls: string[];
  apiKeyFile?: string;
  user?: string;
  passwordFile?: string;
  caFile?: string;
  timeoutSeconds: number;
  /** Attempts past the first for a request the engine answered 429/5xx or could not be reached for. */
  retries: number;
  userAgent: string;
  /** The largest answer taken; a larger one is aborted as it arrives. */
  maxResponseBytes: number;
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL|DEPTH_ZERO/;

function readSecret(path: string, option: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new AgentError(ErrorCodes.CONFIG, `cannot read ${option} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!text || /[\r\n]/.test(text)) throw new AgentError(ErrorCodes.CONFIG, `${option} ${path} must hold one non-empty line`);
  return text;
}

/** The secrets a logger must redact, read from the option files (the same reads the engine makes). */
export function retroSecrets(opts: Pick<RestEngineOptions, 'apiKeyFile' | 'passwordFile'>): string[] {
  const out: string[] = [];
  if (opts.apiKeyFile) out.push(readSecret(opts.apiKeyFile, '--retro-api-key-file'));
  if (opts.passwordFile) out.push(readSecret(opts.passwordFile, '--retro-password-file'));
  return out;
}

interface Answer {
  status: number;
  text: string;
  retryAfterMs: number | null;
}

export class RestSearchEngine implements SearchEngine {
  description = 'search engine (not connected)';
  private opensearch = false;
  private readonly dispatcher: Dispatcher;
  private readonly auth: string | null;
  private closed = false;
  private readonly inFlight = new Set<AbortController>();
  /** The URL that answered last: tried first next time. */
  private current = 0;

  constructor(private readonly opts: RestEngineOptions, private readonly log: Logger) {
    if (opts.apiKeyFile) this.auth = `ApiKey ${readSecret(opts.apiKeyFile, '--retro-api-key-file')}`;
    else if (opts.user && opts.passwordFile) {
      this.auth = `Basic ${Buffer.from(`${opts.user}:${readSecret(opts.passwordFile, '--retro-password-file')}`).toString('base64')}`;
    } else this.auth = null;
    let ca: string | undefined;
    if (opts.caFile) {
      try {
        ca = readFileSync(opts.caFile, 'utf8');
      } catch (err) {
        throw new AgentError(ErrorCodes.CONFIG, `cannot read --retro-ca-file ${opts.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    const ms = Math.round(opts.timeoutSeconds * 1000);
    this.dispatcher = new Agent({
      connect: { rejectUnauthorized: true, ...(ca ? { ca } : {}) },
      headersTimeout: ms,
      bodyTimeout: ms,
      connectTimeout: Math.min(ms, 30_000),
      keepAliveTimeout: 10_000,
      maxResponseSize: opts.maxResponseBytes,
    });
  }

  async connect(): Promise<void> {
    const root = this.parse(await this.call('GET', '/'), 'GET /') as { version?: { number?: string; distribution?: string } };
    const version = root.version?.number ?? '';
    this.opensearch = root.version?.distribution === 'opensearch';
    const major = Number(version.split('.')[0]);
    // Point in time: Elasticsearch 7.10, OpenSearch 2.4.
    const supported = this.opensearch ? major > 2 || (major === 2 && Number(version.split('.')[1]) >= 4) : major >= 8;
    if (!supported) {
      throw new AgentError(ErrorCodes.RETRO_HTTP, `the retro-hunt needs Elasticsearch 8 or later or OpenSearch 2.4 or later; ${this.opts.urls[this.current]} runs ${this.opensearch ? 'OpenSearch' : 'Elasticsearch'} ${version || '(unknown version)'}`);
    }
    this.description = `${this.opensearch ? 'opensearch' : 'elasticsearch'} ${version}`;
  }

  /**
   * Elasticsearch: a point in time and search_after on `_shard_doc`, its documented way to page
   * consistently. OpenSearch (3.8 measured) takes `_shard_doc` as the bare Lucene doc id, with no
   * shard in it, so search_after over several shards skips documents: there the scroll API pages
   * instead, which keeps a cursor per shard over the same consistent view.
   */
  async scan(indices: readonly string[], request: { query: unknown; source: readonly string[]; size: number }): Promise<Scan> {
    const target = indices.map(encodeURIComponent).join(',');
    const body = { size: request.size, query: request.query, _source: { includes: request.source } };
    // A scroll counts its hits anyway (it refuses track_total_hits: false); a search need not.
    return this.opensearch ? this.scroll(target, body) : this.pointInTime(target, { ...body, track_total_hits: false });
  }

  private async scroll(target: string, body: Record<string, unknown>): Promise<Scan> {
    let first: unknown[] | null = null;
    let id: string | null = null;
    const page = (r: { _scroll_id?: string; hits?: { hits?: unknown[] } }) => {
      this.checkShards(r, 'scroll');
      id = r._scroll_id ?? id;
      return hitsOf(r);
    };
    const path = `/${target}/_search?scroll=${KEEP_ALIVE}&ignore_unavailable=true&allow_no_indices=true&expand_wildcards=open`;
    first = page(this.parse(await this.call('POST', path, { ...body, sort: ['_doc'] }), `POST /${target}/_search`) as never);
    return {
      next: async () => {
        if (first) {
          const hits = first;
          first = null;
          return hits as SearchHit[];
        }
        if (!id) return [];
        return page(this.parse(await this.call('POST', '/_search/scroll', { scroll: KEEP_ALIVE, scroll_id: id }), 'POST /_search/scroll') as never);
      },
      close: async () => {
        if (id && !this.closed) await this.send('DELETE', '/_search/scroll', { scroll_id: [id] }, { accept404: true, retries: 0 }).catch(() => undefined);
        id = null;
      },
    };
  }

  private async pointInTime(target: string, body: Record<string, unknown>): Promise<Scan> {
    // (Elasticsearch's _pit takes no allow_no_indices: patterns matching nothing give an empty point in time.)
    const path = `/${target}/_pit?keep_alive=${KEEP_ALIVE}&expand_wildcards=open&ignore_unavailable=true`;
    const opened = this.parse(await this.call('POST', path), `POST /${target}/_pit`) as { id?: string };
    let pit: string | null = opened.id ?? null;
    if (!pit) throw new AgentError(ErrorCodes.RETRO_HTTP, `POST /${target}/_pit answered no point-in-time id`);
    let after: unknown[] | undefined;
    let done = false;
    return {
      next: async () => {
        if (done || !pit) return [];
        const r = this.parse(await this.call('POST', '/_search', {
          ...body,
          pit: { id: pit, keep_alive: KEEP_ALIVE },
          sort: [{ _shard_doc: 'asc' }],
          ...(after ? { search_after: after } : {}),
        }), 'POST /_search') as { pit_id?: string; hits?: { hits?: unknown[] } };
        this.checkShards(r, 'search');
        pit = r.pit_id ?? pit;
        const hits = hitsOf(r);
        if (hits.length === 0) done = true;
        else after = hits[hits.length - 1]!.sort;
        return hits;
      },
      close: async () => {
        if (pit && !this.closed) await this.send('DELETE', '/_pit', { id: pit }, { accept404: true, retries: 0 }).catch(() => undefined);
        pit = null;
      },
    };
  }

  async indicesWith(indices: readonly string[], query: unknown): Promise<string[]> {
    const target = indices.map(encodeURIComponent).join(',');
    const r = this.parse(await this.call('POST', `/${target}/_search?ignore_unavailable=true&allow_no_indices=true&expand_wildcards=open`, {
      size: 0,
      query,
      track_total_hits: false,
      aggs: { indices: { terms: { field: '_index', size: 10_000 } } },
    }), `POST /${target}/_search`) as { aggregations?: { indices?: { buckets?: { key: string }[] } } };
    this.checkShards(r, 'search');
    return (r.aggregations?.indices?.buckets ?? []).map((b) => b.key);
  }

  /** A shard that failed would silently miss events: the hunt is tried again later instead. */
  private checkShards(r: unknown, what: string): void {
    const shards = (r as { _shards?: { failed?: number; failures?: { reason?: { reason?: string } }[] } })._shards;
    if ((shards?.failed ?? 0) > 0) {
      throw new AgentError(ErrorCodes.RETRO_HTTP, `${what}: ${shards!.failed} shard(s) failed (${shards!.failures?.[0]?.reason?.reason ?? 'no reason given'})`, { transient: true });
    }
  }

  async createDocuments(index: string, docs: readonly { id: string; doc: unknown }[]): Promise<BulkResult> {
    const out: BulkResult = { created: 0, existing: 0, failed: 0 };
    if (docs.length === 0) return out;
    let body = '';
    for (const d of docs) body += `${JSON.stringify({ create: { _index: index, _id: d.id } })}\n${JSON.stringify(d.doc)}\n`;
    const r = this.parse(await this.call('POST', '/_bulk', body, 'application/x-ndjson'), 'POST /_bulk') as {
      items?: { create?: { status?: number; error?: { type?: string; reason?: string } } }[];
    };
    for (const item of r.items ?? []) {
      const status = item.create?.status ?? 0;
      if (status >= 200 && status < 300) out.created++;
      else if (status === 409) out.existing++;
      else {
        out.failed++;
        out.firstError ??= `${item.create?.error?.type ?? `HTTP ${status}`}: ${(item.create?.error?.reason ?? '').slice(0, 300)}`;
      }
    }
    return out;
  }

  async createTemplate(kind: 'component' | 'index', name: string, body: unknown): Promise<'created' | 'exists'> {
    const path = `/${kind === 'component' ? '_component_template' : '_index_template'}/${encodeURIComponent(name)}?create=true`;
    const a = await this.send('PUT', path, body, { accept400: true });
    if (a.status >= 200 && a.status < 300) return 'created';
    if (/already exists/i.test(a.text)) return 'exists';
    throw new AgentError(ErrorCodes.RETRO_TEMPLATE, `PUT ${path} failed with HTTP ${a.status}: ${reasonOf(a.text)}`);
  }

  async ensureIndex(index: string): Promise<Record<string, unknown>> {
    const path = `/${encodeURIComponent(index)}`;
    const created = await this.send('PUT', path, undefined, { accept400: true });
    if (created.status === 400 && !/already.exists/i.test(created.text)) {
      throw new AgentError(ErrorCodes.RETRO_HTTP, `PUT ${path} failed with HTTP 400: ${reasonOf(created.text)}`);
    }
    const r = this.parse(await this.call('GET', `${path}/_mapping`), `GET ${path}/_mapping`) as Record<string, { mappings?: { properties?: Record<string, unknown> } }>;
    return Object.values(r)[0]?.mappings?.properties ?? {};
  }

  async refresh(index: string): Promise<void> {
    await this.call('POST', `/${encodeURIComponent(index)}/_refresh?ignore_unavailable=true`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    await this.dispatcher.destroy().catch(() => undefined);
  }

  private parse(a: Answer, what: string): unknown {
    try {
      return JSON.parse(a.text);
    } catch {
      throw new AgentError(ErrorCodes.RETRO_HTTP, `${what} answered something other than JSON (${a.text.length} characters)`, { transient: true });
    }
  }

  private async call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
    return this.send(method, path, body, { contentType });
  }

  /** One request, retried on overload and unreachable nodes; any other non-2xx answer throws. */
  private async send(method: string, path: string, body: unknown, o: { accept404?: boolean; accept400?: boolean; retries?: number; contentType?: string } = {}): Promise<Answer> {
    const retries = o.retries ?? this.opts.retries;
    for (let attempt = 0; ; attempt++) {
      let a: Answer;
      try {
        a = await this.once(method, path, body, o.contentType ?? 'application/json');
      } catch (raw) {
        const err = raw instanceof AgentError ? raw : this.classify(raw, method, path);
        if (!err.transient || attempt >= retries || this.closed) throw err;
        // Another node may answer: round-robin over --retro-url.
        this.current = (this.current + 1) % this.opts.urls.length;
        await this.pause(backoff(attempt, null), err);
        continue;
      }
      if (a.status >= 200 && a.status < 300) return a;
      if ((o.accept404 && a.status === 404) || (o.accept400 && a.status === 400)) return a;
      const where = `${method} ${path.split('?')[0]}`;
      if (a.status === 401 || a.status === 403) {
        throw new AgentError(ErrorCodes.RETRO_AUTH, `${where} was refused (HTTP ${a.status}): check the retro-hunt's credentials and their privileges (read on the indices, write on the alerts index)`);
      }
      const overloaded = a.status === 429 || a.status === 502 || a.status === 503 || a.status === 504;
      const err = new AgentError(ErrorCodes.RETRO_HTTP, `${where} failed with HTTP ${a.status}: ${reasonOf(a.text)}`, { transient: overloaded });
      if (!overloaded || attempt >= retries || this.closed) throw err;
      await this.pause(backoff(attempt, a.retryAfterMs), err);
    }
  }

  private async pause(ms: number, err: AgentError): Promise<void> {
    this.log.warn(`${err.message}; retrying in ${(ms / 1000).toFixed(1)} s`, { code: err.code });
    await new Promise((r) => setTimeout(r, ms).unref());
    if (this.closed) throw new AgentError(ErrorCodes.RETRO_UNREACHABLE, 'the retro-hunt is stopping');
  }

  private async once(method: string, path: string, body: unknown, contentType: string): Promise<Answer> {
    if (this.closed) throw new AgentError(ErrorCodes.RETRO_UNREACHABLE, 'the retro-hunt is stopping');
    const abort = new AbortController();
    this.inFlight.add(abort);
    // The whole exchange, not only each phase: an engine trickling bytes is cut off too.
    const timer = setTimeout(() => abort.abort(new Error('timeout')), Math.round(this.opts.timeoutSeconds * 1000) * 2);
    try {
      const res = await request(this.opts.urls[this.current] + path, {
        method: method as Dispatcher.HttpMethod,
        dispatcher: this.dispatcher,
        headers: {
          accept: 'application/json',
          'user-agent': this.opts.userAgent,
          ...(body === undefined ? {} : { 'content-type': contentType }),
          ...(this.auth ? { authorization: this.auth } : {}),
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        signal: abort.signal,
      });
      const text = await res.body.text();
      const retryAfter = Number(res.headers['retry-after']);
      return { status: res.statusCode, text, retryAfterMs: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : null };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(abort);
    }
  }

  private classify(raw: unknown, method: string, path: string): AgentError {
    const err = raw as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
    const code = err.code ?? err.cause?.code ?? '';
    const url = new URL(this.opts.urls[this.current]!);
    const where = `${method} ${url.host}${path.split('?')[0]}`;
    if (TLS_CODES.test(code) || /certificate/i.test(err.message ?? '')) {
      return new AgentError(ErrorCodes.RETRO_UNREACHABLE, `${where}: TLS verification failed (${code || err.message}); use --retro-ca-file to trust the engine's CA`, { cause: raw });
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return new AgentError(ErrorCodes.RETRO_HTTP, `${where} answered more than the retro-hunt takes in one answer; aborted`, { cause: raw });
    }
    if (this.closed) return new AgentError(ErrorCodes.RETRO_UNREACHABLE, 'the retro-hunt is stopping', { cause: raw });
    const timeout = /Timeout/i.test(err.name ?? '') || /TIMEOUT/.test(code) || code === 'ABORT_ERR' || err.name === 'AbortError';
    return new AgentError(ErrorCodes.RETRO_UNREACHABLE, `${where} ${timeout ? 'timed out' : `failed: ${code || err.message || 'network error'}`}`, { transient: true, cause: raw });
  }
}

/** The engine's own reason for a refusal, short (an error body never holds the credentials). */
function reasonOf(text: string): string {
  try {
    const e = (JSON.parse(text) as { error?: { type?: string; reason?: string; root_cause?: { reason?: string }[] } }).error;
    if (e) return `${e.type ?? 'error'}: ${(e.root_cause?.[0]?.reason ?? e.reason ?? '').slice(0, 300)}`;
  } catch {
    // not JSON
  }
  return text.slice(0, 200).replace(/\s+/g, ' ');
}

function backoff(attempt: number, retryAfterMs: number | null): number {
  const ms = retryAfterMs ?? Math.min(1000 * 2 ** attempt, 60_000);
  return Math.round(Math.min(ms, 120_000) * (0.8 + Math.random() * 0.4));
}
