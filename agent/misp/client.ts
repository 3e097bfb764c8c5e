// The MISP API as the agent uses it: attributes paged through /attributes/restSearch (each page
// parsed on its own, so memory does not grow with MISP), changed events through /events/index,
// and warninglists. Paging is exact because no filter that MISP applies after the SQL page
// (enforceWarninglist, excludeDecayed) is ever sent.
//
// Paging is also bounded: a server that ignores `page` answers the same full page forever, so a
// page identical to the one before ends the listing with MISP_PAGING, as do more than --max-pages
// pages; and a listing stops at the cycle's deadline (--cycle-timeout). A failed listing fails
// its cycle, which never removes anything.
import { createHash } from 'node:crypto';
import type { Logger } from '../ops/logger.js';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import { attributeList, eventList, readAttribute, readEventHead, type MispAttribute, type MispEventHead } from './attribute.js';
import { parseJson, type MispHttp } from './http.js';
import { readWarninglist, readWarninglistIndex, type WarninglistData } from './warninglists.js';

export interface AttributePage {
  page: number;
  attributes: MispAttribute[];
  /** Entries that were not readable attributes. */
  unreadable: number;
}

export interface PagingLimits {
  pageSize: number;
  /** Pages one listing may take. */
  maxPages: number;
}

/** Refuses a page that repeats the one before (a server ignoring `page`) and runaway listings. */
class PageGuard {
  private last = '';

  constructor(
    private readonly where: string,
    private readonly maxPages: number,
    private readonly deadline: () => number,
  ) {}

  check(page: number, text: string): void {
    if (page > this.maxPages) {
      throw new AgentError(ErrorCodes.MISP_PAGING, `${this.where}: more than --max-pages ${this.maxPages} pages; stopped (does MISP ignore paging?)`);
    }
    if (Date.now() > this.deadline()) {
      throw new AgentError(ErrorCodes.SYNC_TIMEOUT, `${this.where}: the sync cycle ran past --cycle-timeout at page ${page}; stopped`);
    }
    const digest = createHash('sha256').update(text).digest('hex');
    if (page > 1 && digest === this.last) {
      throw new AgentError(ErrorCodes.MISP_PAGING, `${this.where}: page ${page} is the same as page ${page - 1}: MISP ignores paging; stopped`);
    }
    this.last = digest;
  }
}

export class MispClient {
  private eventsEndpoint: 'index' | 'restSearch' = 'index';
  private readonly pageSize: number;
  /** Unix ms after which no further page is asked for (set per cycle by the agent). */
  deadlineMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly http: MispHttp,
    private readonly log: Logger,
    private readonly limits: PagingLimits,
  ) {
    this.pageSize = limits.pageSize;
  }

  private guard(where: string): PageGuard {
    return new PageGuard(where, this.limits.maxPages, () => this.deadlineMs);
  }

  /**
   * Pages of attributes matching body, in order, until a short page. The next page is requested
   * as soon as a full page arrives, so MISP works on it while the agent processes this one.
   */
  async *attributePages(body: Record<string, unknown>): AsyncGenerator<AttributePage> {
    const path = '/attributes/restSearch';
    const fetchPage = (page: number) => {
      const p = this.http.text('POST', path, { ...body, limit: this.pageSize, page });
      // Handled when awaited below; this keeps an early failure from being "unhandled" meanwhile.
      p.catch(() => undefined);
      return p;
    };
    const guard = this.guard(`MISP POST ${path}`);
    let next: Promise<string> | null = fetchPage(1);
    for (let page = 1; next; page++) {
      const text = await next;
      guard.check(page, text);
      let parsed: unknown = await this.parsedOrAgain(text, path, { ...body, limit: this.pageSize, page });
      let list: unknown[] | null = attributeList(parsed, `MISP POST ${path}`);
      parsed = null;
      const full = list.length >= this.pageSize;
      next = full ? fetchPage(page + 1) : null;
      const attributes: MispAttribute[] = [];
      let unreadable = 0;
      for (const raw of list) {
        const a = readAttribute(raw);
        if (a) attributes.push(a);
        else unreadable++;
      }
      // Drop the raw objects before handing over: they must not outlive this page.
      list = null;
      yield { page, attributes, unreadable };
    }
  }

  /**
   * Events whose timestamp or publish_timestamp is at or after since. Only the event heads
   * (published flag, tags, info) are needed: attributes are fetched separately when an event's
   * qualification changed.
   */
  async changedEvents(sinceSeconds: number): Promise<MispEventHead[]> {
    const byId = new Map<string, MispEventHead>();
    for (const field of ['timestamp', 'publish_timestamp']) {
      for (const head of await this.eventHeads({ [field]: String(Math.floor(sinceSeconds)) })) byId.set(head.id, head);
    }
    return [...byId.values()];
  }

  /** The heads of these events (ids), as events/index lists them; a deleted event is not listed. */
  async eventsById(ids: readonly string[]): Promise<MispEventHead[]> {
    return ids.length === 0 ? [] : this.eventHeads({ eventid: [...ids] });
  }

  /**
   * The events' context as the filter fetches it (events/restSearch, metadata only): each event's
   * `{"Event": {...}}` object by id; an event MISP does not return is absent.
   */
  async eventContexts(ids: readonly string[]): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    if (ids.length === 0) return out;
    const body = await this.http.json('POST', '/events/restSearch', { returnFormat: 'json', eventid: [...ids], metadata: true });
    const list = Array.isArray(body) ? body : (body as { response?: unknown } | null)?.response;
    for (const item of Array.isArray(list) ? list : []) {
      const ev = (item as { Event?: { id?: unknown } } | null)?.Event;
      if (ev && (typeof ev.id === 'string' || typeof ev.id === 'number')) out.set(String(ev.id), item);
    }
    return out;
  }

  /** One decaying model with its parameters (DecayingModelController::view). */
  async decayingModel(id: string): Promise<unknown> {
    return this.http.json('GET', `/decayingModel/view/${encodeURIComponent(id)}`);
  }

  /** Every event head (full sync), paged. */
  async allEvents(): Promise<MispEventHead[]> {
    return this.eventHeads({});
  }

  private async eventHeads(filter: Record<string, unknown>): Promise<MispEventHead[]> {
    const out: MispEventHead[] = [];
    let guard = this.guard(`MISP POST /events/${this.eventsEndpoint}`);
    for (let page = 1; ; page++) {
      let list: unknown[];
      if (this.eventsEndpoint === 'index') {
        try {
          list = eventList(await this.pageOfEvents('/events/index', { ...filter, limit: this.pageSize, page }, guard, page), 'MISP POST /events/index');
        } catch (err) {
          // Some MISP versions and proxies only allow /events/restSearch for API users.
          if (err instanceof AgentError && err.code === ErrorCodes.MISP_HTTP && /HTTP (404|405)/.test(err.message)) {
            this.log.info('MISP has no POST /events/index; using /events/restSearch with metadata only');
            this.eventsEndpoint = 'restSearch';
            guard = this.guard('MISP POST /events/restSearch');
            page = 0;
            continue;
          }
          throw err;
        }
      } else {
        const body = { returnFormat: 'json', metadata: true, includeEventTags: true, ...filter, limit: this.pageSize, page };
        list = eventList(await this.pageOfEvents('/events/restSearch', body, guard, page), 'MISP POST /events/restSearch');
      }
      for (const raw of list) {
        const head = readEventHead(raw);
        if (head) out.push(head);
      }
      if (list.length < this.pageSize) return out;
    }
  }

  /** One page of an events listing, checked by the guard; a body that does not parse is asked again. */
  private async pageOfEvents(path: string, body: Record<string, unknown>, guard: PageGuard, page: number): Promise<unknown> {
    const text = await this.http.text('POST', path, body);
    guard.check(page, text);
    return this.parsedOrAgain(text, path, body);
  }

  /** A page's text parsed; one cut off or garbled in transit is asked again, with the usual retries. */
  private async parsedOrAgain(text: string, path: string, body: Record<string, unknown>): Promise<unknown> {
    try {
      return parseJson(text, 'POST', path);
    } catch (err) {
      this.http.noteError(err as AgentError);
      return this.http.json('POST', path, body);
    }
  }

  /** The enabled warninglists with their entries. */
  async warninglists(): Promise<WarninglistData[]> {
    const index = readWarninglistIndex(await this.http.json('GET', '/warninglists'));
    const out: WarninglistData[] = [];
    for (const { id, enabled } of index) {
      if (!enabled) continue;
      const list = readWarninglist(await this.http.json('GET', `/warninglists/view/${encodeURIComponent(id)}`));
      if (list) out.push(list);
    }
    return out;
  }
}
