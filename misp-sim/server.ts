// The HTTP face of the simulator: MISP's REST-request rules, authentication and error bodies,
// faults, and the endpoints MISP clients (the agent, PyMISP, the old recipe, Elastic's ti_misp)
// use; /_sim/ goes to admin.ts. node:http only, so the simulator has no framework behaviour
// MISP does not have.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminRoute } from './admin.js';
import { compileAttributeQuery, type QueryContext } from './attribute-query.js';
import { AttributeSearch } from './attribute-search.js';
import { isRecord } from './coerce.js';
import { compileEventQuery } from './event-query.js';
import { indexEvents, parseIndexQuery, searchEvents } from './event-search.js';
import { EventStore, type StoreSnapshot } from './event-store.js';
import { DecayingModels, type DecayScore } from './decaying-models.js';
import { CONTENT_TYPES, countExport, csvExport, ExportError, RESTRICTIVE_FORMATS, SERVED_FORMATS, textExport, VALID_FORMATS } from './exports.js';
import { Faults } from './faults.js';
import { BodyError, jsonList, jsonTextList, readBody } from './http-io.js';
import { currentUserBody, describeTypesBody, MISP_VERSION, PYMISP_RECOMMENDED, versionBody } from './instance.js';
import type { SimEvent } from './model.js';
import { InternalError, phpEmpty } from './php.js';
import { restSearchAttributeJson } from './render-fast.js';
import { LIVE_ONLY, renderFullEvent, renderIndexEvent, renderMinimalEvent } from './render.js';
import { apiError, json, sendReply, type Reply } from './reply.js';
import { ATTRIBUTE_PARAMS, EVENT_PARAMS, harvestParameters, type Params } from './rest-params.js';
import { SightingStore } from './sightings.js';
import { Stats } from './stats.js';
import { SYNTHETIC_TAGS, SyntheticSource } from './synthetic.js';
import { TagTable } from './tag-filter.js';
import { Warninglists } from './warninglists.js';
import { changeMessages } from './zmq-changes.js';
import { ZmqPublisher } from './zmq-publisher.js';
import type { SimAttribute } from './model.js';

export { MISP_VERSION };


const AUTH_FAILED =
  'Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.';

export interface SimOptions {
  dataDir: string;
  apiKey: string;
  synthetic: number;
  warninglistsDir: string | null;
  /** MISP's describeTypes.json for /attributes/describeTypes (null: derived from the data). */
  describeTypes?: string | null;
  /** A folder of decaying models (misp-decaying-models' format); null: MISP's NIDS model. */
  decayingModelsDir?: string | null;
  /** The ZeroMQ publisher's port (0: a free one) and heartbeat period; null: no publisher. */
  zmq?: { port: number; heartbeatSeconds: number } | null;
  log: (msg: string) => void;
}

/** How often the data folder is checked for changes to publish on ZeroMQ (fs.watch may be late or silent). */
const CHANGE_POLL_MS = 200;

export class MispSim {
  readonly store: EventStore;
  readonly synthetic: SyntheticSource | null;
  readonly warninglists: Warninglists;
  readonly faults = new Faults();
  readonly stats = new Stats();
  readonly decaying: DecayingModels;
  readonly sightings = new SightingStore();
  zmq: ZmqPublisher | null = null;
  private zmqBase: StoreSnapshot | null = null;
  private changePoll: NodeJS.Timeout | null = null;
  private uuidIndex: { generation: number; map: Map<string, SimAttribute> } | null = null;
  private readonly attributes: AttributeSearch;
  private readonly server: Server;
  private readonly key: Buffer;
  private tagTable: { generation: number; table: TagTable } | null = null;

  constructor(private readonly opts: SimOptions) {
    this.store = new EventStore(opts.dataDir, opts.log);
    this.synthetic = opts.synthetic > 0 ? new SyntheticSource(opts.synthetic) : null;
    this.warninglists = opts.warninglistsDir ? Warninglists.load(opts.warninglistsDir) : Warninglists.empty();
    this.decaying = opts.decayingModelsDir ? DecayingModels.load(opts.decayingModelsDir) : DecayingModels.builtIn();
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
    if (this.opts.zmq) {
      this.zmq = await ZmqPublisher.start(host, this.opts.zmq.port, this.opts.zmq.heartbeatSeconds, this.opts.log);
      this.zmqBase = this.store.current();
      this.changePoll = setInterval(() => this.publishChanges(), CHANGE_POLL_MS);
      this.changePoll.unref();
    }
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Publishes what changed in the data folder since the last look, as MISP publishes its edits.
   * Requests re-read the folder too; whichever sees a new generation first, the change is
   * published once, against the state last published.
   */
  publishChanges(): void {
    if (!this.zmq || !this.zmqBase) return;
    const now = this.store.current();
    if (now.generation === this.zmqBase.generation) return;
    const messages = changeMessages(this.zmqBase, now);
    this.zmqBase = now;
    for (const [topic, body] of messages) this.zmq.publish(topic, body);
    if (messages.length > 0) this.opts.log(`published ${messages.length} ZeroMQ messages for a data change`);
  }

  async close(): Promise<void> {
    if (this.changePoll) clearInterval(this.changePoll);
    this.zmq?.close();
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
      await sendReply(res, await adminRoute(this.adminTarget(), req, path), null);
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
      // What MISP does not map to a status (InvalidArgumentException, a PHP TypeError) is a 500.
      if (!(err instanceof InternalError) && !(err instanceof ExportError)) throw err;
      this.opts.log(`500 for ${path}: ${err.message}`);
      reply = apiError(500, 'An Internal Error Has Occurred.', path);
    }
    await sendReply(res, reply, fault);
  }

  private adminTarget() {
    return {
      faults: this.faults,
      stats: this.stats,
      store: this.store,
      synthetic: this.synthetic,
      sightings: this.sightings,
      zmq: this.zmq,
      afterReload: () => this.publishChanges(),
      log: this.opts.log,
    };
  }

  private route(method: string, path: string, url: URL, body: unknown): Reply {
    const now = Math.floor(Date.now() / 1000);
    const post = method === 'POST';
    const get = method === 'GET';
    // restSearch takes its filters from the body, from ordered URL segments
    // (/attributes/restSearch/json/<value>/…) and from named ones (/returnFormat:csv).
    const rest = /^\/(attributes|events)\/restSearch(?:\/(.*))?$/.exec(path);
    if (rest && (get || post)) {
      const segments = rest[2] ? rest[2].split('/').map((x) => decodeURIComponent(x)) : [];
      return rest[1] === 'attributes' ? this.attributesRestSearch(get, body, segments, now, path) : this.eventsRestSearch(get, body, segments, now, path);
    }
    if (path === '/events/index' && (get || post)) return this.eventsIndex(body, url, now);
    const view = /^\/events\/view\/([^/]+)$/.exec(path);
    if (view && (get || post)) return this.eventView(view[1]!, body, path);
    if (path === '/servers/getVersion' && get) return json(200, versionBody());
    // ServersController::getPyMISPVersion (deprecated, still called by older PyMISP).
    if (path === '/servers/getPyMISPVersion' && get) return json(200, { version: PYMISP_RECOMMENDED });
    const user = /^\/users\/view\/(me|1)$/.exec(path);
    if (user && get) return json(200, currentUserBody());
    if (/^\/users\/view\/[^/]+$/.test(path) && get) return apiError(404, 'Invalid user', path);
    if (path === '/attributes/describeTypes' && get) {
      return json(200, describeTypesBody(this.opts.describeTypes ?? null, this.store.current(), this.synthetic));
    }
    // CakePHP routes /controller to /controller/index.
    if ((path === '/warninglists' || path === '/warninglists/index') && (get || post)) {
      return json(200, { Warninglists: this.warninglists.lists.map((l) => this.warninglists.renderIndexEntry(l)) });
    }
    const wl = /^\/warninglists\/view\/(\d+)$/.exec(path);
    if (wl && get) {
      const list = this.warninglists.byId(Number(wl[1]));
      return list ? json(200, this.warninglists.renderView(list)) : apiError(404, 'Invalid Warninglist.', path);
    }
    if (path === '/warninglists/checkValue' && post) return this.checkValue(body, path);
    // DecayingModelController::index and ::view (REST).
    if ((path === '/decayingModel/index' || path === '/decayingModel') && get) {
      return json(200, this.decaying.models.map((m) => ({ DecayingModel: this.decaying.render(m) })));
    }
    const model = /^\/decayingModel\/view\/([^/]+)$/.exec(path);
    if (model && get) {
      const m = this.decaying.byId(model[1]!);
      return m ? json(200, { DecayingModel: this.decaying.render(m) }) : apiError(404, 'No Decaying Model with the provided ID exists', path);
    }
    const bulk = /^\/sightings\/bulkSaveSightings(?:\/([^/]+))?$/.exec(path);
    if (bulk && post) return this.bulkSaveSightings(bulk[1] ?? '', body, path);
    const known = ['/events/index', '/decayingModel/index', '/decayingModel', '/servers/getVersion', '/servers/getPyMISPVersion', '/warninglists', '/warninglists/index', '/warninglists/checkValue', '/attributes/describeTypes'];
    if (known.includes(path) || rest || view || wl || user || model || bulk) return apiError(405, 'Method Not Allowed', path);
    return apiError(404, 'Not Found', path);
  }

  private tags(store: StoreSnapshot): TagTable {
    if (this.tagTable?.generation !== store.generation) {
      const table = new TagTable();
      for (const e of store.events) table.add(e.tags);
      for (const a of store.attributes) table.add(a.tags);
      table.add(SYNTHETIC_TAGS);
      this.tagTable = { generation: store.generation, table };
    }
    return this.tagTable.table;
  }

  private context(store: StoreSnapshot, now: number): QueryContext {
    const syn = this.synthetic;
    return {
      nowSec: now,
      tags: this.tags(store),
      eventUuidExists: (uuids) => {
        const set = new Set(uuids);
        if (store.events.some((e) => set.has(e.uuid))) return true;
        return syn !== null && uuids.some((u) => /^5eed0002-0000-4000-8000-([0-9a-f]{12})$/.test(u) && Number.parseInt(u.slice(24), 16) < syn.eventCount);
      },
      orgIdByNameOrUuid: (v) => {
        for (const e of store.events) for (const o of [e.orgc, e.org]) if (o.name === v || o.uuid === v) return o.id;
        if (syn && syn.eventCount > 0) {
          const o = syn.event(0, false).orgc;
          if (o.name === v || o.uuid === v) return o.id;
        }
        return null;
      },
    };
  }

  /** AppController::restSearch's parameter handling, shared by both scopes. */
  private restParams(paramArray: readonly string[], get: boolean, body: unknown, segments: readonly string[], path: string): Params | Reply {
    const params = harvestParameters(paramArray, body, segments);
    if (Object.keys(params).length === 0 && get) {
      return apiError(400, 'Restsearch queries using GET and no parameters are not allowed. If you have passed parameters via a JSON body, make sure you use POST requests.', path);
    }
    if (phpEmpty(params.returnFormat)) params.returnFormat = 'json';
    if (params.returnFormat === 'download') params.returnFormat = 'json';
    const format = String(params.returnFormat);
    // MispAttribute::restSearch / Event::restSearch: an unknown format is a NotFoundException.
    if (VALID_FORMATS[format] === undefined) return apiError(404, 'Invalid output format.', path);
    if (!(SERVED_FORMATS as readonly string[]).includes(format)) return apiError(404, 'Invalid output format.', path);
    if (RESTRICTIVE_FORMATS.includes(format)) {
      params.to_ids ??= 1;
      params.published ??= 1;
    }
    return params;
  }

  private attributesRestSearch(get: boolean, body: unknown, segments: readonly string[], now: number, path: string): Reply {
    const params = this.restParams(ATTRIBUTE_PARAMS, get, body, segments, path);
    if ('status' in params && 'chunks' in params) return params as Reply;
    const p = params as Params;
    const store = this.store.current();
    const q = compileAttributeQuery(p, this.context(store, now));
    const { page: _page, ...rest } = p;
    // MispAttribute::fetchAttributes scores each attribute of the page (attachScoresToAttribute),
    // and excludeDecayed drops those every model says decayed, after the page is cut.
    const decay = DecayingModels.options(p);
    const scored = new Map<SimAttribute, DecayScore[]>();
    const scoresOf = (a: SimAttribute): DecayScore[] => {
      let s = scored.get(a);
      if (!s) scored.set(a, (s = this.decaying.scores(a, decay!, this.sightings.lastSighting(a.uuid), Date.now() / 1000)));
      return s;
    };
    const drop = decay?.excludeDecayed ? (a: SimAttribute) => DecayingModels.decayed(scoresOf(a)) : undefined;
    const { count, items } = this.attributes.search(q, JSON.stringify(rest), drop);
    const format = q.returnFormat;
    const headers = {
      'X-Result-Count': String(count),
      'X-Export-Module-Used': format,
      'X-Response-Format': VALID_FORMATS[format]!,
      'X-Skipped-Elements-Count': '0',
      'Content-Type': CONTENT_TYPES[VALID_FORMATS[format]!] ?? CONTENT_TYPES.json!,
    };
    if (format === 'csv') return { status: 200, headers, chunks: csvExport(p, items) };
    if (format === 'text') return { status: 200, headers, chunks: textExport(items) };
    if (format === 'count') return { status: 200, headers, chunks: countExport(items) };
    const opts = { includeEventTags: q.includeEventTags, includeEventUuid: q.includeEventUuid, includeContext: q.includeContext, includeAllTags: q.includeAllTags };
    const render = decay
      ? (a: SimAttribute) => {
        const text = restSearchAttributeJson(a, opts);
        const scores = scoresOf(a);
        // attachScoresToAttribute sets decay_score only when some model applies.
        return scores.length === 0 ? text : `${text.slice(0, -1)},"decay_score":${JSON.stringify(scores)}}`;
      }
      : (a: SimAttribute) => restSearchAttributeJson(a, opts);
    return { status: 200, headers, chunks: jsonTextList('{"response":{"Attribute":[', items, render, ']}}\n') };
  }

  private eventsRestSearch(get: boolean, body: unknown, segments: readonly string[], now: number, path: string): Reply {
    const params = this.restParams(EVENT_PARAMS, get, body, segments, path);
    if ('status' in params && 'chunks' in params) return params as Reply;
    const p = params as Params;
    if (p.returnFormat !== 'json') return apiError(404, 'Invalid output format.', path);
    const store = this.store.current();
    const q = compileEventQuery(p, this.context(store, now));
    const { count, events } = searchEvents(store, this.synthetic, q);
    const opts = { metadata: q.metadata, keepsAttribute: q.keepsAttribute, keepsObject: q.keepsObject };
    return {
      status: 200,
      headers: { 'X-Result-Count': String(count), 'X-Export-Module-Used': 'json', 'X-Response-Format': 'json', 'X-Skipped-Elements-Count': '0' },
      chunks: jsonList('{"response":[', events, (e: SimEvent) => ({ Event: renderFullEvent(e, opts) }), ']}\n'),
    };
  }

  private eventsIndex(body: unknown, url: URL, now: number): Reply {
    const store = this.store.current();
    const q = parseIndexQuery(body, url.searchParams, this.tags(store), now);
    const { total, events } = indexEvents(store, this.synthetic, q);
    return json(200, events.map(q.minimal ? renderMinimalEvent : renderIndexEvent), { 'X-Result-Count': String(total) });
  }

  private eventView(idOrUuid: string, body: unknown, path: string): Reply {
    const store = this.store.current();
    let ev: SimEvent | undefined;
    if (/^\d+$/.test(idOrUuid)) {
      const id = Number(idOrUuid);
      ev = store.eventsById.get(id);
      const j = this.synthetic?.eventIndexOfId(id) ?? -1;
      if (!ev && j >= 0) ev = this.synthetic!.event(j, true);
    } else {
      ev = store.events.find((e) => e.uuid === idOrUuid) ?? this.syntheticEventByUuid(idOrUuid);
    }
    if (!ev) return apiError(404, 'Invalid event.', path);
    // EventsController::view takes "deleted" from a POSTed body (PyMISP's get_event(deleted=…)).
    const deleted = isRecord(body) && !phpEmpty(body.deleted as never);
    const opts = deleted ? { metadata: false, keepsAttribute: () => true, keepsObject: () => true } : LIVE_ONLY;
    return json(200, { Event: renderFullEvent(ev, opts) });
  }

  private syntheticEventByUuid(uuid: string): SimEvent | undefined {
    const m = /^5eed0002-0000-4000-8000-([0-9a-f]{12})$/.exec(uuid);
    if (!m || !this.synthetic) return undefined;
    const j = Number.parseInt(m[1]!, 16);
    return j < this.synthetic.eventCount ? this.synthetic.event(j, true) : undefined;
  }

  /** SightingsController::bulkSaveSightings (see sightings.ts). */
  private bulkSaveSightings(eventId: string, body: unknown, path: string): Reply {
    const store = this.store.current();
    let exists = false;
    if (/^\d+$/.test(eventId)) exists = store.eventsById.has(Number(eventId)) || (this.synthetic?.eventIndexOfId(Number(eventId)) ?? -1) >= 0;
    else if (eventId !== '') exists = store.events.some((e) => e.uuid === eventId) || this.syntheticEventByUuid(eventId) !== undefined;
    const result = this.sightings.bulkSave(body, exists, (uuid) => this.attributeByUuid(uuid), Math.floor(Date.now() / 1000));
    // A NotFoundException turned into MethodNotAllowedException by the controller.
    if (result.status === 'no-event') return apiError(405, 'Event not found or not accessible by this user.', path);
    // Sighting::afterSave → PubSubTool::sighting_save, with getSighting()'s shape.
    for (const { sighting, attribute: a } of result.added) {
      const e = a.event;
      this.zmq?.publish('misp_json_sighting', {
        Sighting: {
          ...sighting,
          Event: { id: String(e.id), uuid: e.uuid, orgc_id: e.orgcId, org_id: e.orgId, info: e.info, Orgc: { name: e.orgc.name } },
          Attribute: { value: a.value, id: String(a.id), uuid: a.uuid, type: a.type, category: a.category, to_ids: a.toIds },
        },
        action: 'add',
      });
    }
    const n = result.added.length;
    return json(200, n > 0 ? { saved: true, success: `${n} sightings added.` } : { saved: false, success: 'No sightings added.' });
  }

  private attributeByUuid(uuid: string): SimAttribute | undefined {
    const store = this.store.current();
    if (this.uuidIndex?.generation !== store.generation) {
      this.uuidIndex = { generation: store.generation, map: new Map(store.attributes.map((a) => [a.uuid, a])) };
    }
    const real = this.uuidIndex.map.get(uuid);
    if (real) return real;
    const m = /^5eed0001-0000-4000-8000-([0-9a-f]{12})$/.exec(uuid);
    if (!m || !this.synthetic) return undefined;
    const i = Number.parseInt(m[1]!, 16);
    return i < this.synthetic.count ? this.synthetic.attribute(i) : undefined;
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
