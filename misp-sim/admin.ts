// The test-only admin endpoints under /_sim/ (no API key): faults, request statistics,
// touching synthetic attributes, forced reloads, the sightings received and the ZeroMQ publisher. They are not MISP endpoints; README.md
// documents them for specs and the demo.
import type { IncomingMessage } from 'node:http';
import { isRecord, toInt } from './coerce.js';
import type { EventStore } from './event-store.js';
import type { Faults } from './faults.js';
import type { SightingStore } from './sightings.js';
import type { ZmqPublisher } from './zmq-publisher.js';
import { readBody } from './http-io.js';
import { json, type Reply } from './reply.js';
import type { Stats } from './stats.js';
import { SYNTHETIC_ID_BASE, type SyntheticSource } from './synthetic.js';

export interface AdminTarget {
  faults: Faults;
  stats: Stats;
  store: EventStore;
  synthetic: SyntheticSource | null;
  sightings: SightingStore;
  zmq: ZmqPublisher | null;
  /** Called after a forced reload (publishes what changed on ZeroMQ). */
  afterReload: () => void;
  log: (msg: string) => void;
}

export async function adminRoute(sim: AdminTarget, req: IncomingMessage, path: string): Promise<Reply> {
  const method = req.method ?? 'GET';
  let body: unknown = undefined;
  try {
    const text = await readBody(req);
    if (text.trim() !== '') body = JSON.parse(text);
  } catch {
    return json(400, { error: 'malformed JSON body' });
  }
  if (path === '/_sim/faults' && method === 'GET') return json(200, sim.faults.get());
  if (path === '/_sim/faults' && method === 'POST') {
    try {
      const state = sim.faults.set(body);
      sim.log(`fault set: ${JSON.stringify(state)}`);
      return json(200, state);
    } catch (err) {
      return json(400, { error: (err as Error).message });
    }
  }
  if (path === '/_sim/stats' && method === 'GET') return json(200, sim.stats.get());
  if (path === '/_sim/stats/reset' && method === 'POST') {
    sim.stats.reset();
    return json(200, sim.stats.get());
  }
  if (path === '/_sim/touch' && method === 'POST') {
    if (!sim.synthetic) return json(400, { error: 'touch needs --synthetic N' });
    const count = isRecord(body) ? toInt(body.count, -1) : -1;
    if (count < 0) return json(400, { error: 'count must be a non-negative integer' });
    const change: { deleted?: boolean; toIds?: boolean } = {};
    if (isRecord(body) && typeof body.deleted === 'boolean') change.deleted = body.deleted;
    if (isRecord(body) && typeof body.to_ids === 'boolean') change.toIds = body.to_ids;
    const now = Math.floor(Date.now() / 1000);
    const layout = isRecord(body) && body.layout === 'block' ? 'block' : 'spread';
    if (isRecord(body) && body.layout !== undefined && body.layout !== 'block' && body.layout !== 'spread') {
      return json(400, { error: 'layout must be "spread" or "block"' });
    }
    const touched = sim.synthetic.touch(count, now, change, layout);
    return json(200, { touched: touched.length, timestamp: String(now), first_id: touched.length ? String(SYNTHETIC_ID_BASE + touched[0]!) : null });
  }
  if (path === '/_sim/reload' && method === 'POST') {
    const s = sim.store.forceReload();
    sim.afterReload();
    return json(200, { events: s.events.length, attributes: s.attributes.length, generation: s.generation });
  }
  if (path === '/_sim/sightings' && method === 'GET') return json(200, { count: sim.sightings.count, sightings: sim.sightings.all() });
  if (path === '/_sim/sightings/reset' && method === 'POST') {
    sim.sightings.reset();
    return json(200, { count: 0 });
  }
  if (path === '/_sim/zmq') {
    if (!sim.zmq) return json(400, { error: 'no ZeroMQ publisher: start misp-sim with --zmq-port N' });
    if (method === 'POST') {
      if (!isRecord(body)) return json(400, { error: 'expected {"drop"?, "stop"?, "start"?, "heartbeat_s"?}' });
      await sim.zmq.control(body);
      sim.log(`ZeroMQ control: ${JSON.stringify(body)}`);
    }
    return json(200, sim.zmq.state());
  }
  return json(404, { error: `no admin endpoint ${method} ${path}` });
}
