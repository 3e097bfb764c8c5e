// attributes/restSearch filters on the real events, each compared with an independent reading
// of the same files (oracle.ts): type, to_ids, published, tags, timestamps, eventid, uuid,
// soft-deletes, includeEventTags, and the shape of object attributes and composite values.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOracle, uuids, type OracleAttribute } from './oracle.js';
import { searchAttributes, startMispSim, type SimProcess } from './sim-process.js';

let sim: SimProcess;
let oracle: OracleAttribute[];
const live = (): OracleAttribute[] => oracle.filter((a) => !a.deleted);
const search = async (body: Record<string, unknown>): Promise<string[]> => uuids((await searchAttributes(sim, body)).attrs);

beforeAll(async () => {
  sim = await startMispSim();
  // Soft-delete a few attributes and one whole object in a copy of a real event.
  const file = join(sim.dataDir, 'misp-stixtest-indicators-test-event.json');
  const doc = JSON.parse(readFileSync(file, 'utf8'));
  doc.Event.Attribute[0].deleted = true;
  doc.Event.Attribute[1].deleted = '1';
  doc.Event.Object[0].deleted = true;
  writeFileSync(file, JSON.stringify(doc));
  oracle = readOracle(sim.dataDir);
});
afterAll(async () => {
  await sim.stop();
});

describe('attributes/restSearch filters', () => {
  it('returns every live attribute, object attributes included, without filters', async () => {
    expect(oracle.length).toBeGreaterThan(1200);
    expect(await search({})).toEqual(uuids(live()));
  });

  it('type: a string, a list, "!" negation, "%" wildcard and OR/NOT', async () => {
    const ofTypes = (pred: (t: string) => boolean): string[] => uuids(live().filter((a) => pred(a.type)));
    expect(await search({ type: 'md5' })).toEqual(ofTypes((t) => t === 'md5'));
    expect(await search({ type: ['ip-dst', 'ip-dst|port', 'domain|ip'] })).toEqual(ofTypes((t) => ['ip-dst', 'ip-dst|port', 'domain|ip'].includes(t)));
    expect(await search({ type: 'filename|%' })).toEqual(ofTypes((t) => t.startsWith('filename|')));
    expect(await search({ type: ['sha256', '!sha256'] })).toEqual([]);
    expect(await search({ type: { OR: ['md5', 'sha1'], NOT: ['sha1'] } })).toEqual(ofTypes((t) => t === 'md5'));
    expect(await search({ type: ['!md5'] })).toEqual(ofTypes((t) => t !== 'md5'));
  });

  // Event::set_filter_to_ids puts the raw value on the tinyint(1) column, which CakePHP binds as
  // !empty(v) ? 1 : 0 (DboSource::boolean); MispAttribute::buildFilterConditions skips a JSON false.
  it('to_ids as MISP binds it: true, 1, "1", "yes", "false" are 1; 0, "0", "exclude" are 0; false is no filter', async () => {
    const yes = uuids(live().filter((a) => a.toIds));
    const no = uuids(live().filter((a) => !a.toIds));
    expect(yes.length).toBeGreaterThan(0);
    expect(no.length).toBeGreaterThan(0);
    for (const v of [true, 1, '1', 'yes', 'false', [1]]) expect(await search({ to_ids: v }), JSON.stringify(v)).toEqual(yes);
    for (const v of [0, '0', 'exclude', [0]]) expect(await search({ to_ids: v }), JSON.stringify(v)).toEqual(no);
    expect(await search({ to_ids: false })).toEqual(uuids(live()));
    expect(await search({ to_ids: [0, 1] })).toEqual(uuids(live()));
  });

  // Event::set_filter_published, same binding; [true, false] is skipped explicitly.
  it('published selects by the event, bound the same way', async () => {
    const pub = uuids(live().filter((a) => a.event.published));
    const unpub = uuids(live().filter((a) => !a.event.published));
    expect(await search({ published: true })).toEqual(pub);
    expect(await search({ published: 'yes' })).toEqual(pub);
    expect(await search({ published: 0 })).toEqual(unpub);
    expect(await search({ published: false })).toEqual(uuids(live()));
    expect(await search({ published: [true, false] })).toEqual(uuids(live()));
  });

  it('tags match attribute or event tags, with "!", "%" and AND', async () => {
    const has = (a: OracleAttribute, pred: (t: string) => boolean): boolean => [...a.tags, ...a.event.tags].some(pred);
    const counts = new Map<string, number>();
    for (const a of live()) for (const t of new Set([...a.tags, ...a.event.tags])) counts.set(t, (counts.get(t) ?? 0) + 1);
    const [t1, t2] = [...counts].sort((a, b) => b[1] - a[1]).map(([t]) => t);
    const attrTag = live().find((a) => a.tags.length > 0)!.tags[0]!;
    expect(await search({ tags: [t1] })).toEqual(uuids(live().filter((a) => has(a, (t) => t.toLowerCase() === t1!.toLowerCase()))));
    expect(await search({ tags: [attrTag] })).toEqual(uuids(live().filter((a) => has(a, (t) => t === attrTag))));
    expect(await search({ tags: [`!${t1}`] })).toEqual(uuids(live().filter((a) => !has(a, (t) => t.toLowerCase() === t1!.toLowerCase()))));
    expect(await search({ tags: ['osint:%'] })).toEqual(uuids(live().filter((a) => has(a, (t) => t.toLowerCase().startsWith('osint:')))));
    expect(await search({ tags: { AND: [t1, t2] } })).toEqual(uuids(live().filter((a) => has(a, (t) => t === t1) && has(a, (t) => t === t2))));
    // Tag::findTagIdsByTagNames uses LIKE on tags.name, a utf8mb3_bin column: case counts.
    expect(await search({ tags: ['TLP:WHITE'] })).toEqual([]);
    expect(await search({ tags: ['tlp:whit_'] })).toEqual(await search({ tags: ['tlp:white'] }));
  });

  it('timestamp is the attribute timestamp, from a value or a [from, to] range', async () => {
    const stamps = live().map((a) => a.timestamp).sort((a, b) => a - b);
    const mid = stamps[Math.floor(stamps.length / 2)]!;
    const q = stamps[Math.floor(stamps.length / 4)]!;
    expect(await search({ timestamp: mid })).toEqual(uuids(live().filter((a) => a.timestamp >= mid)));
    expect(await search({ timestamp: String(mid) })).toEqual(uuids(live().filter((a) => a.timestamp >= mid)));
    expect(await search({ timestamp: [q, mid] })).toEqual(uuids(live().filter((a) => a.timestamp >= q && a.timestamp <= mid)));
  });

  it('event_timestamp is the event timestamp', async () => {
    const stamps = [...new Set(live().map((a) => a.event.timestamp))].sort((a, b) => a - b);
    const mid = stamps[Math.floor(stamps.length / 2)]!;
    const got = await search({ event_timestamp: mid });
    expect(got).toEqual(uuids(live().filter((a) => a.event.timestamp >= mid)));
    expect(got).not.toEqual(await search({ timestamp: mid }));
  });

  it('eventid and uuid', async () => {
    const { attrs } = await searchAttributes(sim, { type: 'sha256' });
    const one = attrs[0]!;
    const byEvent = await search({ eventid: one.event_id });
    expect(byEvent).toEqual(uuids(live().filter((a) => a.event.uuid === one.Event.uuid)));
    expect(await search({ eventid: [one.event_id, '!' + one.event_id] })).toEqual([]);
    expect(await search({ uuid: one.uuid })).toEqual([one.uuid]);
    // MISP's uuid filter also matches the event's uuid.
    expect(await search({ uuid: one.Event.uuid })).toEqual(byEvent);
  });

  it('soft-deleted attributes only come back on request: 1 is "only deleted", [0,1] is both', async () => {
    const deleted = uuids(oracle.filter((a) => a.deleted));
    expect(deleted.length).toBeGreaterThan(2);
    expect(await search({ deleted: [0, 1] })).toEqual(uuids(oracle));
    expect(await search({ deleted: 1 })).toEqual(deleted);
    expect(await search({ deleted: 'only' })).toEqual(deleted);
    expect(await search({ deleted: 0 })).toEqual(uuids(live()));
    const { attrs } = await searchAttributes(sim, { deleted: 1 });
    expect(attrs.every((a) => a.deleted === true)).toBe(true);
  });

  it('includeEventTags merges event tags into each attribute with inherited: 1', async () => {
    const { attrs } = await searchAttributes(sim, { includeEventTags: true, type: 'md5' });
    const byUuid = new Map(live().map((a) => [a.uuid, a]));
    for (const a of attrs) {
      const o = byUuid.get(a.uuid)!;
      const names = (a.Tag ?? []).map((t) => t.name).sort();
      expect(names).toEqual([...o.tags, ...o.event.tags].sort());
      const inherited = (a.Tag ?? []).filter((t) => t.inherited === 1).map((t) => t.name).sort();
      expect(inherited).toEqual([...o.event.tags].sort());
    }
    const withUuid = await searchAttributes(sim, { includeEventUuid: 1, type: 'md5' });
    for (const a of withUuid.attrs) expect((a as unknown as { event_uuid: string }).event_uuid).toBe(a.Event.uuid);
    const plain = await searchAttributes(sim, { type: 'md5' });
    expect(plain.attrs[0]).not.toHaveProperty('event_uuid');
    expect(plain.attrs.flatMap((a) => a.Tag ?? []).some((t) => t.inherited === 1)).toBe(false);
  });

  it('object attributes carry object_id, object_relation and Object; composites stay "a|b"', async () => {
    const { attrs } = await searchAttributes(sim, {});
    const inObjects = attrs.filter((a) => a.object_id !== '0');
    expect(inObjects.length).toBe(live().filter((a) => a.inObject).length);
    for (const a of inObjects) {
      expect(a.object_relation).toEqual(expect.any(String));
      expect((a as unknown as { Object: { id: string } }).Object.id).toBe(a.object_id);
    }
    for (const a of attrs.filter((x) => x.object_id === '0')) expect(a.object_relation).toBeNull();
    const composites = attrs.filter((a) => a.type.includes('|'));
    expect(composites.length).toBeGreaterThan(50);
    for (const a of composites) {
      expect(a.value).toContain('|');
      expect(a).not.toHaveProperty('value1');
      expect(a).not.toHaveProperty('value2');
    }
  });

  it('ids are unique, increasing with the response order, and MISP-style strings', async () => {
    const { attrs } = await searchAttributes(sim, {});
    const ids = attrs.map((a) => Number(a.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    for (const a of attrs) {
      expect(a.id).toMatch(/^\d+$/);
      expect(a.event_id).toBe(a.Event.id);
      expect(a.timestamp).toMatch(/^\d+$/);
    }
  });

  // AppModel::resolveTimeDelta: unreadable text becomes "now + 1 s", so nothing matches (no 400).
  // MispAttribute::restSearch: a format outside $validFormats is NotFoundException('Invalid output format.').
  it('unreadable times match nothing; an unknown returnFormat is MISP\'s 404', async () => {
    const bad = await searchAttributes(sim, { timestamp: 'yesterday-ish' });
    expect(bad.attrs).toEqual([]);
    const res = await sim.api('/attributes/restSearch', { returnFormat: 'nope' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ name: 'Invalid output format.', message: 'Invalid output format.', url: '/attributes/restSearch' });
  });
});

describe('request errors', () => {
  it('refuses a body that is not JSON with MISP\'s 405, and a GET restSearch with 400', async () => {
    const res = await fetch(sim.url + '/attributes/restSearch', {
      method: 'POST',
      headers: { Authorization: sim.apiKey, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: '{"type": "md5",',
    });
    expect(res.status).toBe(405);
    expect(((await res.json()) as { message: string }).message).toMatch(/^Invalid JSON input/);
    expect((await sim.api('/attributes/restSearch')).status).toBe(400);
  });
});
