// events/restSearch, events/index and events/view on real events, and the tolerant reading of
// hand-written files (numbers, "0"/"1", missing ids).
import { describe, expect, it } from 'vitest';
import { eventDoc, writeEvent } from './event-files.js';
import { useOracleSim } from './oracle-sim.js';
import { searchAttributes, startMispSim } from './sim-process.js';

interface IndexEvent {
  id: string;
  uuid: string;
  timestamp: string;
  published: boolean;
  attribute_count: string;
  EventTag: { Tag: { name: string } }[];
}
interface FullEvent {
  id: string;
  uuid: string;
  timestamp: string;
  published: boolean;
  Attribute?: { uuid: string; deleted: boolean }[];
  Object?: { Attribute: { uuid: string }[] }[];
  Tag: { name: string }[];
}

const world = useOracleSim(() => startMispSim());

const post = async <T>(path: string, body: unknown): Promise<T> => (await (await world.sim.api(path, body)).json()) as T;

describe('events/index', () => {
  // EventsController::__indexRestResponse orders only when "sort" is given (no ORDER BY otherwise:
  // id order here); sort/direction order by an events column.
  it('lists every event in id order, or sorted by sort/direction, with X-Result-Count', async () => {
    const res = await world.sim.api('/events/index', {});
    const list = (await res.json()) as IndexEvent[];
    expect(list).toHaveLength(13);
    expect(res.headers.get('x-result-count')).toBe('13');
    const ids = list.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const byTime = (await (await world.sim.api('/events/index', { sort: 'timestamp', direction: 'desc' })).json()) as IndexEvent[];
    const stamps = byTime.map((e) => Number(e.timestamp));
    expect(stamps).toEqual([...stamps].sort((a, b) => b - a));
    const get = await world.sim.api('/events/index');
    expect(((await get.json()) as unknown[]).length).toBe(13);
  });

  it('filters by timestamp, published, eventid and tag; pages with limit/page', async () => {
    const list = await post<IndexEvent[]>('/events/index', {});
    const mid = [...list].map((e) => Number(e.timestamp)).sort((a, b) => a - b)[6]!;
    expect((await post<IndexEvent[]>('/events/index', { timestamp: mid })).map((e) => e.id).sort()).toEqual(list.filter((e) => Number(e.timestamp) >= mid).map((e) => e.id).sort());
    expect((await post<IndexEvent[]>('/events/index', { searchtimestamp: mid })).length).toBe(list.filter((e) => Number(e.timestamp) >= mid).length);
    expect((await post<IndexEvent[]>('/events/index', { published: 0 })).every((e) => !e.published)).toBe(true);
    expect((await post<IndexEvent[]>('/events/index', { eventid: list[3]!.id })).map((e) => e.id)).toEqual([list[3]!.id]);
    const tagged = await post<IndexEvent[]>('/events/index', { tags: ['tlp:white'] });
    expect(tagged.length).toBeGreaterThan(0);
    expect(tagged.every((e) => e.EventTag.some((t) => t.Tag.name.toLowerCase() === 'tlp:white'))).toBe(true);
    const p1 = await post<IndexEvent[]>('/events/index', { limit: 5, page: 1 });
    const p3 = await post<IndexEvent[]>('/events/index', { limit: 5, page: 3 });
    expect([...p1, ...(await post<IndexEvent[]>('/events/index', { limit: 5, page: 2 })), ...p3].map((e) => e.id)).toEqual(list.map((e) => e.id));
  });
});

describe('events/restSearch', () => {
  it('returns full events with their attributes and objects, or metadata only', async () => {
    const full = await post<{ response: { Event: FullEvent }[] }>('/events/restSearch', { returnFormat: 'json' });
    expect(full.response).toHaveLength(13);
    const attrUuids = full.response.flatMap((r) => [...(r.Event.Attribute ?? []), ...(r.Event.Object ?? []).flatMap((o) => o.Attribute)].map((a) => a.uuid));
    expect(attrUuids.sort()).toEqual(world.oracle.map((a) => a.uuid).sort());
    const meta = await post<{ response: { Event: FullEvent }[] }>('/events/restSearch', { metadata: true });
    expect(meta.response.every((r) => r.Event.Attribute === undefined && r.Event.Object === undefined)).toBe(true);
  });

  it('filters by event timestamp (timestamp and event_timestamp), published, eventid, tags', async () => {
    const all = (await post<{ response: { Event: FullEvent }[] }>('/events/restSearch', { metadata: true })).response.map((r) => r.Event);
    const mid = all.map((e) => Number(e.timestamp)).sort((a, b) => a - b)[6]!;
    const want = all.filter((e) => Number(e.timestamp) >= mid).map((e) => e.id);
    const ids = async (body: unknown): Promise<string[]> => (await post<{ response: { Event: FullEvent }[] }>('/events/restSearch', { metadata: true, ...(body as object) })).response.map((r) => r.Event.id);
    expect(await ids({ timestamp: mid })).toEqual(want);
    expect(await ids({ event_timestamp: mid })).toEqual(want);
    // Event::filterEventIds skips a parameter that is false; 0 binds to Event.published = 0.
    expect(await ids({ published: 0 })).toEqual(all.filter((e) => !e.published).map((e) => e.id));
    expect(await ids({ published: false })).toEqual(all.map((e) => e.id));
    expect(await ids({ eventid: [all[0]!.id, all[2]!.id] })).toEqual([all[0]!.id, all[2]!.id]);
    expect((await ids({ tags: ['!tlp:white'] })).length + (await ids({ tags: ['tlp:white'] })).length).toBe(13);
    expect(await ids({ limit: 4, page: 2 })).toEqual(all.slice(4, 8).map((e) => e.id));
  });
});

describe('events/view', () => {
  it('returns {"Event": ...} by id or uuid, and MISP\'s 404 for an unknown event', async () => {
    const [first] = await post<IndexEvent[]>('/events/index', {});
    const byId = (await (await world.sim.api(`/events/view/${first!.id}`)).json()) as { Event: FullEvent };
    expect(byId.Event.uuid).toBe(first!.uuid);
    const byUuid = (await (await world.sim.api(`/events/view/${first!.uuid}`)).json()) as { Event: FullEvent };
    expect(byUuid.Event.id).toBe(first!.id);
    const missing = await world.sim.api('/events/view/999999');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ name: 'Invalid event.', message: 'Invalid event.', url: '/events/view/999999' });
  });
});

describe('tolerant reading of event files', () => {
  it('accepts numbers, "0"/"1" strings and missing fields, and answers in MISP\'s own forms', async () => {
    writeEvent(
      world.sim.dataDir,
      'hand-written.json',
      eventDoc({
        info: 'hand written',
        id: 4242,
        published: '1',
        timestamp: 1750000000,
        attributes: [
          { type: 'ip-src', value: '192.0.2.10', to_ids: '1', timestamp: 1750000000 },
          { type: 'domain', value: 'x.example', to_ids: 0, deleted: '0' },
          { type: 'url', value: 'http://y.example/', to_ids: 'true', deleted: 1 },
        ],
      }),
    );
    const { attrs } = await searchAttributes(world.sim, { eventid: 4242, deleted: [0, 1] });
    expect(attrs.map((a) => [a.value, a.to_ids, a.deleted, a.timestamp])).toEqual([
      ['192.0.2.10', true, false, '1750000000'],
      ['x.example', false, false, '1750000000'],
      ['http://y.example/', true, true, '1750000000'],
    ]);
    const view = (await (await world.sim.api('/events/view/4242')).json()) as { Event: FullEvent & { published: boolean; attribute_count: string } };
    expect(view.Event.published).toBe(true);
    expect(view.Event.attribute_count).toBe('2');
  });
});
