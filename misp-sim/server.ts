// The HTTP face of the simulator: MISP's REST-request rules, authentication and error bodies,
// faults, and the endpoints a MISP client for enrichment uses; /_sim/ goes to admin.ts.
// node:http only, so the simulator has no framework behaviour MISP does not have.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AttributeSearch } from './attribute-search.js';
import { adminRoute } from './admin.js';
import { isRecord } from './coerce.js';
import { eventFilterOf, indexEvents, matchingEvents, pageOf, parseIndexQuery } from './event-search.js';
import { EventStore } from './event-store.js';
import { Faults } from './faults.js';
import { parseAttributeQuery, parseEventQuery, QueryError, unwrapBody } from './filters.js';
import { BodyError, jsonList, jsonTextList, readBody } from './http-io.js';
import type { SimAttribute, SimEvent } from './model.js';
import { restSearchAttributeJson } from './render-fast.js';
import { renderFullEvent, renderIndexEvent, renderMinimalEvent } from './render.js';
import { apiError, json, sendReply, type Reply } from './reply.js';
import { Stats } from './stats.js';
import { SyntheticSource } from './synthetic.js';
import { Warninglists } from './warninglists.js';

export const MISP_VERSION = '2.5.1';

const AUTH_FAILED =
  'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.';

export interface SimOptions {
  dataDir: string;
  apiKey: string;
  synthetic: number;
  warninglistsDir: string | null;
  log: (msg: string) => void;
}

export class MispSim {
  readonly store: EventStore;
  readonly synthetic: SyntheticSource | null;
  readonly warninglists: Warninglists;
  readonly faults = new Faults();
  readonly stats = new Stats();
  private readonly attributes: AttributeSearch;
  private readonly server: Server;
  private readonly key: Buffer;

  constructor(private readonly opts: SimOptions) {
    this.store = new EventStore(opts.dataDir, opts.log);
    this.synthetic = opts.synthetic > 0 ? new SyntheticSource(opts.synthetic) : null;
    this.warninglists = opts.warninglistsDir ? Warninglists.load(opts.warninglistsDir) : Warninglists.empty();
    this.key = Buffer.from(opts.apiKey, 'utf8');
    this.attributes = new AttributeSearch(() => ({
      store: this.store.current(),
      synthetic: this.synthetic,
      warninglists: this.warninglists,
    }));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        opts.log(`internal error: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json; charset=UTF-8' });
          res.end(JSON.stringify({ name: 'An Internal Error Has Occurred.', message: 'An Internal Error Has Occurred.', url: req.url ?? '/' }));
        } else res.destroy();
      });
    });
    // Paged restSearch clients keep connections alive between pages.
    this.server.keepAliveTimeout = 65_000;
  }

  async listen(port: number, host: string): Promise<number> {
    const first = this.store.current();
    this.store.startWatching();
    this.opts.log(
      `loaded ${first.events.length} events, ${first.attributes.length} attributes from ${this.opts.dataDir}; ` +
        `${this.synthetic?.count ?? 0} synthetic attributes; ${this.warninglists.lists.length} warninglists`,
    );
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.store.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    const given = Buffer.from((req.headers.authorization ?? '').trim(), 'utf8');
    return given.length === this.key.length && timingSafeEqual(given, this.key);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://misp-sim');
    let path = url.pathname.replace(/\/+$/, '') || '/';
    if (path.startsWith('/_sim/')) {
      await sendReply(res, await adminRoute({ faults: this.faults, stats: this.stats, store: this.store, synthetic: this.synthetic, log: this.opts.log }, req, path), null);
      return;
    }
    res.on('finish', () => this.stats.record(path, res.statusCode));
    res.on('close', () => {
      // Cut off (truncated fault) or abandoned by the client; 0: gone before any answer.
      if (!res.writableFinished) this.stats.record(path, res.headersSent ? res.statusCode : 0);
    });
    // As in MISP (CakePHP), a ".json" extension makes a request a REST request like the header.
    const jsonExt = path.endsWith('.json');
    if (jsonExt) path = path.slice(0, -'.json'.length);
    const accept = req.headers.accept ?? '';
    if (!jsonExt && !/application\/json/i.test(accept)) {
      // Not an API request for MISP: the Authorization header is ignored and the browser
      // flow takes over, which redirects to the login page.
      res.writeHead(302, { Location: '/users/login', 'Content-Type': 'text/html; charset=UTF-8' });
      res.end();
      return;
    }
    if (!this.authorized(req)) {
      await sendReply(res, json(403, { name: AUTH_FAILED, message: AUTH_FAILED, url: path }), null);
      return;
    }
    const fault = this.faults.take(path);
    if (fault?.mode === 'auth') {
      await sendReply(res, json(403, { name: AUTH_FAILED, message: AUTH_FAILED, url: path }), null);
      return;
    }
    if (fault?.mode === 'error500') {
      await sendReply(res, apiError(500, 'An Internal Error Has Occurred.', path), null);
      return;
    }
    if (fault && fault.delay_ms > 0) await sleep(fault.delay_ms);
    let body: unknown = undefined;
    try {
      const text = await readBody(req);
      if (text.trim() !== '') body = JSON.parse(text);
    } catch (err) {
      // MISP refuses a body it cannot decode rather than run an unfiltered search.
      const reply = err instanceof BodyError
        ? apiError(413, err.message, path)
        : apiError(405, 'Invalid JSON input. Make sure that the JSON input is a correctly formatted JSON string. This request has been blocked to avoid an unfiltered request.', path);
      await sendReply(res, reply, null);
      return;
    }
    let reply: Reply;
    try {
      reply = this.route(req.method ?? 'GET', path, url, body);
    } catch (err) {
      if (!(err instanceof QueryError)) throw err;
      reply = apiError(400, err.message, path);
    }
    await sendReply(res, reply, fault);
  }

  private route(method: string, path: string, url: URL, body: unknown): Reply {
    const now = Math.floor(Date.now() / 1000);
    const post = method === 'POST';
    const get = method === 'GET';
    // MISP also takes the return format as a last path segment: /attributes/restSearch/json.
    if ((path === '/attributes/restSearch' || path === '/attributes/restSearch/json') && post) return this.attributesRestSearch(body, now, path);
    if ((path === '/events/restSearch' || path === '/events/restSearch/json') && post) return this.eventsRestSearch(body, now, path);
    if (path === '/events/index' && (get || post)) return this.eventsIndex(body, url, now);
    const view = /^\/events\/view\/([^/]+)$/.exec(path);
    if (view && get) return this.eventView(view[1]!, path);
    if (path === '/servers/getVersion' && get) {
      return json(200, {
        version: MISP_VERSION,
        pymisp_recommended_version: MISP_VERSION,
        perm_sync: false,
        perm_sighting: false,
        perm_galaxy_editor: false,
        // The simulator does not decode compressed request bodies, so it advertises none.
        request_encoding: [],
        filter_sightings: true,
      });
    }
    if (path === '/warninglists' && (get || post)) {
      return json(200, { Warninglists: this.warninglists.lists.map((l) => this.warninglists.renderIndexEntry(l)) });
    }
    const wl = /^\/warninglists\/view\/(\d+)$/.exec(path);
    if (wl && get) {
      const list = this.warninglists.byId(Number(wl[1]));
      return list ? json(200, this.warninglists.renderView(list)) : apiError(404, 'Invalid Warninglist.', path);
    }
    if (path === '/warninglists/checkValue' && post) return this.checkValue(body, path);
    if ((path === '/attributes/restSearch' || path === '/events/restSearch') && get) {
      // The simulator reads filters from a JSON body only, which a GET cannot carry.
      return apiError(400, 'Restsearch queries using GET and no parameters are not allowed. If you have passed parameters via a JSON body, make sure you use POST requests.', path);
    }
    const known = ['/attributes/restSearch', '/events/restSearch', '/events/index', '/servers/getVersion', '/warninglists', '/warninglists/checkValue'];
    if (known.includes(path) || view || wl) return apiError(405, 'Method Not Allowed', path);
    return apiError(404, 'Not Found', path);
  }

  private attributesRestSearch(body: unknown, now: number, path: string): Reply {
    const q = parseAttributeQuery(body, now);
    if (q.returnFormat !== 'json') return apiError(400, `misp-sim only implements returnFormat json (got ${q.returnFormat})`, path);
    const { page: _page, ...rest } = unwrapBody(body);
    const key = JSON.stringify(rest);
    let count: number;
    let items: Iterable<SimAttribute>;
    if (q.limit !== null) {
      const page = [...this.attributes.run(q, key)];
      count = page.length;
      items = page;
    } else {
      // Unpaged: count first without keeping anything, then stream.
      count = this.attributes.countUnpaged(q, key);
      items = this.attributes.run(q, key);
    }
    return {
      status: 200,
      headers: { 'X-Result-Count': String(count), 'X-Response-Format': 'json' },
      chunks: jsonTextList('{"response":{"Attribute":[', items, (a) => restSearchAttributeJson(a, q.includeEventTags, q.includeEventUuid), ']}}'),
    };
  }

  private eventsRestSearch(body: unknown, now: number, path: string): Reply {
    const q = parseEventQuery(body, now);
    if (q.returnFormat !== 'json') return apiError(400, `misp-sim only implements returnFormat json (got ${q.returnFormat})`, path);
    const store = this.store.current();
    const filter = eventFilterOf(q);
    const count = [...pageOf(matchingEvents(store, this.synthetic, filter, false), q.limit, q.page)].length;
    const events = pageOf(matchingEvents(store, this.synthetic, filter, !q.metadata), q.limit, q.page);
    const opts = { metadata: q.metadata, includeDeleted: q.includeDeleted };
    return {
      status: 200,
      headers: { 'X-Result-Count': String(count), 'X-Response-Format': 'json' },
      chunks: jsonList('{"response":[', events, (e: SimEvent) => ({ Event: renderFullEvent(e, opts) }), ']}'),
    };
  }

  private eventsIndex(body: unknown, url: URL, now: number): Reply {
    const q = parseIndexQuery(body, url.searchParams, now);
    const { total, events } = indexEvents(this.store.current(), this.synthetic, q);
    return json(200, events.map(q.minimal ? renderMinimalEvent : renderIndexEvent), { 'X-Result-Count': String(total) });
  }

  private eventView(idOrUuid: string, path: string): Reply {
    const store = this.store.current();
    let ev: SimEvent | undefined;
    if (/^\d+$/.test(idOrUuid)) {
      const id = Number(idOrUuid);
      ev = store.eventsById.get(id);
      const j = this.synthetic?.eventIndexOfId(id) ?? -1;
      if (!ev && j >= 0) ev = this.synthetic!.event(j, true);
    } else {
      ev = store.events.find((e) => e.uuid.toLowerCase() === idOrUuid.toLowerCase());
    }
    if (!ev) return apiError(404, 'Invalid event.', path);
    return json(200, { Event: renderFullEvent(ev, { metadata: false, includeDeleted: false }) });
  }

  private checkValue(body: unknown, path: string): Reply {
    const values = Array.isArray(body) ? body : isRecord(body) && body.value !== undefined ? [body.value].flat() : null;
    if (!values || !values.every((v) => typeof v === 'string')) {
      return apiError(400, 'Invalid request: expected a JSON list of values.', path);
    }
    const out: Record<string, unknown> = {};
    for (const v of values as string[]) {
      const hits = this.warninglists.check(v.trim());
      if (hits.length > 0) out[v] = hits;
    }
    return json(200, out);
  }
}
