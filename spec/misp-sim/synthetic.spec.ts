// --synthetic N: counts, type coverage, reserved value ranges, filters and paging on generated
// attributes, and /_sim/touch for incremental-sync runs.
import { isIP } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPages, searchAttributes, startMispSim, type RestAttribute, type SimProcess } from './sim-process.js';

const N = 5000;
let sim: SimProcess;
let all: RestAttribute[];

const MATCHED = ['ip-src', 'ip-dst', 'ip-src|port', 'ip-dst|port', 'domain', 'domain|ip', 'hostname', 'hostname|port', 'url', 'md5', 'sha1', 'sha256', 'sha512', 'filename|md5', 'filename|sha1', 'filename|sha256', 'filename|sha512', 'malware-sample', 'email-src', 'email-dst', 'email-reply-to', 'email'];

beforeAll(async () => {
  // An empty data folder: only synthetic attributes.
  sim = await startMispSim({ events: [], synthetic: N });
  all = (await searchAttributes(sim, { deleted: [0, 1] })).attrs;
});
afterAll(async () => {
  await sim.stop();
});

function inReservedSpace(a: RestAttribute): boolean {
  const parts = a.type.includes('|') ? a.value.split('|') : [a.value];
  return parts.every((p) => {
    if (/^\d+$/.test(p)) return true; // ports
    if (isIP(p.split('/')[0]!)) {
      return /^(10\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|172\.(1[6-9]|2\d|3[01])\.|2001:db8:)/.test(p);
    }
    if (/^[0-9a-f]{32,128}$/.test(p)) return true; // hashes of "misp-sim:i"
    if (/^https?:\/\//.test(p)) return new URL(p).hostname.endsWith('.example.org');
    if (p.includes('@')) return p.endsWith('.example');
    if (/\.(example|test)$/.test(p)) return true;
    return !/\.[a-z]{2,}$/.test(p) || /\.(exe|pdf)$/.test(p);
  });
}

describe('synthetic attributes', () => {
  it('exist N times, with ids from 1,000,000,000 in order', () => {
    expect(all).toHaveLength(N);
    expect(all.map((a) => Number(a.id))).toEqual(Array.from({ length: N }, (_, i) => 1_000_000_000 + i));
  });

  it('cover every type the product matches, plus unmatched types and to_ids=false decoys', () => {
    const types = new Set(all.map((a) => a.type));
    for (const t of MATCHED) expect(types, t).toContain(t);
    expect([...types].filter((t) => !MATCHED.includes(t)).length).toBeGreaterThanOrEqual(3);
    const decoys = all.filter((a) => MATCHED.includes(a.type) && !a.to_ids);
    expect(decoys.length / N).toBeGreaterThan(0.05);
    expect(all.some((a) => a.type === 'ip-dst' && a.value.includes('/'))).toBe(true);
    expect(all.some((a) => a.type === 'ip-src' && a.value.includes(':'))).toBe(true);
  });

  it('use only private, documentation and reserved names', () => {
    const outside = all.filter((a) => !inReservedSpace(a));
    expect(outside.map((a) => `${a.type} ${a.value}`)).toEqual([]);
  });

  it('are deterministic across processes', async () => {
    const again = await startMispSim({ events: [], synthetic: N });
    try {
      const other = (await searchAttributes(again, { limit: 50, page: 37 })).attrs;
      const mine = (await searchAttributes(sim, { limit: 50, page: 37 })).attrs;
      expect(other).toEqual(mine);
    } finally {
      await again.stop();
    }
  });

  it('filter by type, to_ids, timestamp, event and deleted consistently with the full set', async () => {
    const live = all.filter((a) => !a.deleted);
    expect(all.length - live.length).toBeGreaterThan(0);
    const ids = (list: RestAttribute[]): string[] => list.map((a) => a.id);
    expect(ids((await searchAttributes(sim, { type: ['url', 'domain|ip'] })).attrs)).toEqual(ids(live.filter((a) => a.type === 'url' || a.type === 'domain|ip')));
    expect(ids((await searchAttributes(sim, { to_ids: 0 })).attrs)).toEqual(ids(live.filter((a) => !a.to_ids)));
    const mid = Number(all[N / 2]!.timestamp);
    expect(ids((await searchAttributes(sim, { timestamp: mid })).attrs)).toEqual(ids(live.filter((a) => Number(a.timestamp) >= mid)));
    expect(ids((await searchAttributes(sim, { eventid: all[1234]!.event_id })).attrs)).toEqual(ids(live.filter((a) => a.event_id === all[1234]!.event_id)));
    expect(ids((await searchAttributes(sim, { uuid: all[4321]!.uuid })).attrs)).toEqual([all[4321]!.id]);
    const unpublished = (await searchAttributes(sim, { published: false })).attrs;
    expect(unpublished.length).toBeGreaterThan(0);
    expect(ids((await searchAttributes(sim, { tags: ['Feed-synthetic'] })).attrs).length).toBeGreaterThan(0);
  });

  it('page exactly under filters', async () => {
    const filter = { type: ['ip-dst', 'sha256', 'email-src'], to_ids: true };
    const unpaged = (await searchAttributes(sim, filter)).attrs.map((a) => a.id);
    const paged = (await allPages(sim, filter, 97)).attrs.map((a) => a.id);
    expect(paged).toEqual(unpaged);
  });

  it('/_sim/touch bumps K attributes and their events to now, found by timestamp', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = (await sim.admin('/_sim/touch', { count: 40 })) as { touched: number; timestamp: string };
    expect(r.touched).toBe(40);
    const changed = (await searchAttributes(sim, { timestamp: Number(r.timestamp), deleted: [0, 1] })).attrs;
    expect(changed).toHaveLength(40);
    expect(changed.every((a) => Number(a.timestamp) >= before)).toBe(true);
    // Spread over the whole set, not one block.
    expect(Number(changed.at(-1)!.id) - Number(changed[0]!.id)).toBeGreaterThan(N / 2);
    const events = (await (await sim.api('/events/index', { timestamp: Number(r.timestamp) })).json()) as { id: string }[];
    expect(events.map((e) => e.id).sort()).toEqual([...new Set(changed.map((a) => a.event_id))].sort());
    // Narrowed by event (the agent re-reads changed events by eventid): same answers as the full set.
    const someEvents = [...new Set(changed.map((a) => a.event_id))].slice(0, 3);
    const inEvents = (await searchAttributes(sim, { eventid: someEvents, deleted: [0, 1] })).attrs.map((a) => a.id);
    expect(inEvents).toEqual(all.filter((a) => someEvents.includes(a.event_id)).map((a) => a.id));
    const changedInEvents = (await searchAttributes(sim, { eventid: someEvents, timestamp: Number(r.timestamp), deleted: [0, 1] })).attrs.map((a) => a.id);
    expect(changedInEvents).toEqual(changed.filter((a) => someEvents.includes(a.event_id)).map((a) => a.id));
    expect((await allPages(sim, { eventid: someEvents, deleted: [0, 1] }, 33)).attrs.map((a) => a.id)).toEqual(inEvents);
    // Paging over only the changed attributes is exact too.
    expect((await allPages(sim, { timestamp: Number(r.timestamp), deleted: [0, 1] }, 7)).attrs.map((a) => a.id)).toEqual(changed.map((a) => a.id));
  });

  it('/_sim/touch with layout "block" keeps the changes in as few events as possible', async () => {
    const r = (await sim.admin('/_sim/touch', { count: 1500, layout: 'block' })) as { touched: number; timestamp: string };
    expect(r.touched).toBe(1500);
    const changed = (await searchAttributes(sim, { timestamp: Number(r.timestamp), deleted: [0, 1] })).attrs;
    expect(changed.length).toBeGreaterThanOrEqual(1500);
    const blockIds = changed.map((a) => Number(a.id)).filter((id, n, ids) => n === 0 || id === ids[n - 1]! + 1);
    expect(blockIds.length).toBeGreaterThan(1000);
    const events = (await (await sim.api('/events/index', { timestamp: Number(r.timestamp) })).json()) as unknown[];
    expect(events.length).toBeLessThanOrEqual(3 + 40);
    const bad = await fetch(sim.url + '/_sim/touch', { method: 'POST', body: JSON.stringify({ count: 1, layout: 'diagonal' }) });
    expect(bad.status).toBe(400);
  });

  it('/_sim/touch can soft-delete or clear to_ids, as an edit in MISP would', async () => {
    const del = (await sim.admin('/_sim/touch', { count: 5, deleted: true })) as { timestamp: string };
    const got = (await searchAttributes(sim, { timestamp: Number(del.timestamp), deleted: 1 })).attrs;
    expect(got.length).toBeGreaterThanOrEqual(5);
    const cleared = (await sim.admin('/_sim/touch', { count: 5, to_ids: false })) as { timestamp: string };
    const after = (await searchAttributes(sim, { timestamp: Number(cleared.timestamp), to_ids: false })).attrs;
    expect(after.length).toBeGreaterThanOrEqual(5);
  });

  it('serve synthetic events through events/view and events/restSearch', async () => {
    const view = (await (await sim.api(`/events/view/${all[0]!.event_id}`)).json()) as { Event: { Attribute: unknown[]; uuid: string } };
    expect(view.Event.Attribute.length).toBeGreaterThan(900);
    const meta = (await (await sim.api('/events/restSearch', { metadata: true })).json()) as { response: { Event: { id: string; Attribute?: unknown } }[] };
    expect(meta.response).toHaveLength(N / 1000);
    expect(meta.response.every((e) => e.Event.Attribute === undefined)).toBe(true);
  });
});
