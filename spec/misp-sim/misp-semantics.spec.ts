// attributes/restSearch as MISP 2.5.1's code answers it, on small crafted events: how CakePHP
// binds booleans, includeContext, the time filters, value filters, order, export formats and
// URL parameters. Each expectation names the MISP function it comes from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDoc, writeEvent } from './event-files.js';
import { searchAttributes, startMispSim, type SimProcess } from './sim-process.js';

let sim: SimProcess;
const T = 1_700_000_000;
const values = async (body: Record<string, unknown>): Promise<string[]> => (await searchAttributes(sim, body)).attrs.map((a) => a.value).sort();

beforeAll(async () => {
  sim = await startMispSim({ events: [] });
  writeEvent(
    sim.dataDir,
    'a.json',
    eventDoc({
      id: 501,
      uuid: '11111111-1111-4111-8111-111111111111',
      info: 'Alpha event',
      published: true,
      timestamp: T,
      tags: ['Feed-one', 'tlp:white'],
      attributes: [
        { type: 'domain', value: 'evil.example', to_ids: true, timestamp: T },
        { type: 'domain', value: 'decoy.example', to_ids: false, timestamp: T - 100 },
        { type: 'email-src', value: 'a@mail.example', timestamp: T - 200 },
        { type: 'email', value: 'b@mail.example', timestamp: T - 300 },
        { type: 'ip-dst|port', value: '192.0.2.1|443', timestamp: T - 400 },
        { type: 'text', value: 'x%y', timestamp: T - 500 },
        { type: 'ip-src', value: '2001:db8::1', timestamp: T - 600 },
        { type: 'url', value: 'http://EVIL.example/path', timestamp: T - 700, Tag: [{ name: 'Feed_two' }] },
      ],
    }),
  );
  writeEvent(
    sim.dataDir,
    'b.json',
    eventDoc({
      id: 502,
      uuid: '22222222-2222-4222-8222-222222222222',
      info: 'Beta event',
      published: false,
      timestamp: T + 1000,
      tags: ['tlp:amber'],
      attributes: [{ type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', to_ids: true, timestamp: T + 1000 }],
    }),
  );
});
afterAll(async () => {
  await sim.stop();
});

describe('booleans (Event::set_filter_to_ids / set_filter_published, DboSource::boolean)', () => {
  it('a non-empty value is 1, "exclude" is 0, a JSON false is no filter', async () => {
    // eventDoc() sets to_ids: true unless told otherwise: only decoy.example has it off.
    expect(await values({ to_ids: 'yes' })).not.toContain('decoy.example');
    expect(await values({ to_ids: 'yes' })).toHaveLength(8);
    expect(await values({ to_ids: 'false', type: 'domain' })).toEqual(['evil.example']);
    expect(await values({ to_ids: 'exclude', type: 'domain' })).toEqual(['decoy.example']);
    expect(await values({ to_ids: false, type: 'domain' })).toEqual(['decoy.example', 'evil.example']);
    // "no" is not empty: it binds to 1 and selects published events; "" binds to 0.
    expect(await values({ published: 'no', type: 'md5' })).toEqual([]);
    expect(await values({ published: '', type: 'md5' })).toEqual(['d41d8cd98f00b204e9800998ecf8427e']);
  });

  it('includeEventTags, includeEventUuid, includeContext are on for any non-empty value', async () => {
    const { attrs } = await searchAttributes(sim, { type: 'md5', includeEventTags: 'yes', includeEventUuid: 'yes' });
    expect(attrs[0]!.Tag!.map((t) => [t.name, t.inherited])).toEqual([['tlp:amber', 1]]);
    expect((attrs[0] as unknown as { event_uuid: string }).event_uuid).toBe('22222222-2222-4222-8222-222222222222');
    const off = await searchAttributes(sim, { type: 'md5', includeEventTags: 0, includeEventUuid: '0' });
    expect(off.attrs[0]!.Tag).toBeUndefined();
    expect(off.attrs[0]).not.toHaveProperty('event_uuid');
  });
});

describe('includeContext (MispAttribute::__fetchEventsForAttributeContext)', () => {
  it('gives the fuller Event: its columns, Tag (local, id, name, colour, numerical_value) and Orgc', async () => {
    const { attrs } = await searchAttributes(sim, { type: 'md5', includeContext: 'yes' });
    const ev = (attrs[0] as unknown as { Event: Record<string, unknown> }).Event;
    expect(Object.keys(ev)).toEqual(['id', 'orgc_id', 'org_id', 'date', 'threat_level_id', 'info', 'published', 'uuid', 'analysis', 'timestamp', 'distribution', 'publish_timestamp', 'sharing_group_id', 'extends_uuid', 'Tag', 'Orgc']);
    expect(ev).toMatchObject({ id: '502', info: 'Beta event', published: false, date: '2023-11-14', threat_level_id: '2', analysis: '1', timestamp: String(T + 1000) });
    expect(ev.Tag).toEqual([{ local: false, id: expect.any(String), name: 'tlp:amber', colour: '#123456', numerical_value: null }]);
    expect(Object.keys(ev.Orgc as object)).toEqual(['id', 'name', 'uuid', 'local']);
  });
});

describe('time filters (AppModel::resolveTimeDelta, MispAttribute::setTimestampConditions)', () => {
  it('last is Event.publish_timestamp >=; "1.5d" and strtotime text are read; unreadable text is now + 1 s', async () => {
    // The events have no publish_timestamp (0): any positive bound excludes them, 0 adds none.
    expect(await values({ last: '1d' })).toEqual([]);
    expect(await values({ last: T - 10 })).toEqual([]);
    expect(await values({ last: 0 })).toHaveLength(9);
    expect(await values({ timestamp: '1.5d' })).toEqual([]);
    // RFC 2822 ("Tue, 14 Nov 2023 22:10:50 GMT") and ISO 8601 through strtotime().
    expect(await values({ timestamp: new Date((T - 150) * 1000).toUTCString(), type: 'domain' })).toEqual(['decoy.example', 'evil.example']);
    expect(await values({ timestamp: '2023-11-14T22:13:10Z', type: 'domain' })).toEqual(['evil.example']);
    expect(await values({ timestamp: 'not a time' })).toEqual([]);
    expect(await values({ timestamp: '' })).toEqual([]);
    expect(await values({ timestamp: 0, type: 'md5' })).toEqual(['d41d8cd98f00b204e9800998ecf8427e']);
  });

  it('a reversed [to, from] pair is swapped; a list whose length is not 2 is a 500', async () => {
    const forward = await values({ timestamp: [T - 250, T - 50] });
    expect(forward).toEqual(['a@mail.example', 'decoy.example']);
    expect(await values({ timestamp: [T - 50, T - 250] })).toEqual(forward);
    const res = await sim.api('/attributes/restSearch', { timestamp: [T] });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ name: 'An Internal Error Has Occurred.', message: 'An Internal Error Has Occurred.', url: '/attributes/restSearch' });
  });
});

describe('value filters (Event::set_filter_value, set_filter_type, AppModel::generic_add_filter)', () => {
  it('% is a wildcard only at the start or the end of a term', async () => {
    expect(await values({ value: '%.example' })).toEqual(['a@mail.example', 'b@mail.example', 'decoy.example', 'evil.example']);
    expect(await values({ value: 'evil%' })).toEqual(['evil.example']);
    // Inside a term "%" is a literal character compared with "=".
    expect(await values({ value: 'x%y' })).toEqual(['x%y']);
    expect(await values({ value: 'x%z' })).toEqual([]);
  });

  it('compares value1/value2 case-insensitively, and a composite matches a part, never the joined string', async () => {
    expect(await values({ value: 'EVIL.EXAMPLE' })).toEqual(['evil.example']);
    expect(await values({ value: '443' })).toEqual(['192.0.2.1|443']);
    expect(await values({ value: '192.0.2.1' })).toEqual(['192.0.2.1|443']);
    expect(await values({ value: '192.0.2.1|443' })).toEqual([]);
    // IPv6 filter values are compressed first (Event::compressIpv6).
    expect(await values({ value: '2001:0db8:0000::0001' })).toEqual(['2001:db8::1']);
  });

  it('type email-src also matches email', async () => {
    expect(await values({ type: 'email-src' })).toEqual(['a@mail.example', 'b@mail.example']);
    expect(await values({ type: ['email-dst'] })).toEqual(['b@mail.example']);
  });

  it('tag names match with LIKE (_ is a wildcard, case counts); unknown parameters are ignored', async () => {
    expect(await values({ tags: 'Feed_%' })).toHaveLength(8);
    expect(await values({ tags: 'Feed\\_%' })).toEqual(['http://EVIL.example/path']);
    expect(await values({ tags: 'feed-one' })).toEqual([]);
    // "tag" and "event_id" are not in RestSearchComponent::$paramArray['Attribute'].
    expect(await values({ tag: 'nothing-matches', event_id: 999 })).toHaveLength(9);
  });
});

describe('order (AppModel::findOrder) and export formats', () => {
  it('orders by an allowed field, ascending or descending; an invalid order is no order at all', async () => {
    const byTs = (await searchAttributes(sim, { order: 'timestamp' })).attrs.map((a) => Number(a.timestamp));
    expect(byTs).toEqual([...byTs].sort((a, b) => a - b));
    const desc = (await searchAttributes(sim, { order: 'Attribute.timestamp DESC' })).attrs.map((a) => Number(a.timestamp));
    expect(desc).toEqual([...byTs].reverse());
    const byValue = (await searchAttributes(sim, { order: ['value desc'], type: 'domain' })).attrs.map((a) => a.value);
    expect(byValue).toEqual(['evil.example', 'decoy.example']);
    const ids = (await searchAttributes(sim, { order: 'info' })).attrs.map((a) => Number(a.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const paged = [1, 2, 3].map((page) => searchAttributes(sim, { order: 'timestamp', limit: 4, page }));
    expect((await Promise.all(paged)).flatMap((p) => p.attrs.map((a) => Number(a.timestamp)))).toEqual(byTs);
  });

  it('csv answers CsvExport\'s lines; text the distinct values; an unknown format is a 404', async () => {
    const csv = await sim.api('/attributes/restSearch', { returnFormat: 'csv', type: 'md5', includeContext: 1 });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).split('\n');
    expect(lines[0]).toBe('uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category,event_info,event_member_org,event_source_org,event_distribution,event_threat_level_id,event_analysis,event_date,event_tag,event_timestamp');
    expect(lines[1]).toMatch(/^"[0-9a-f-]{36}",502,"Network activity","md5","d41d8cd98f00b204e9800998ecf8427e","",1,1700001000,"","","","","","Beta event","ORGNAME","ORGNAME",1,"Medium",1,"2023-11-14","tlp:amber",1700001000$/);
    expect(lines.slice(2)).toEqual(['', '']);
    const headerless = await (await sim.api('/attributes/restSearch', { returnFormat: 'csv', type: 'md5', headerless: 1, requested_attributes: ['value', 'to_ids'] })).text();
    expect(headerless).toBe('"d41d8cd98f00b204e9800998ecf8427e",1\n\n');
    // TextExport is restrictive: to_ids=1 and published=1 unless given.
    expect(await (await sim.api('/attributes/restSearch', { returnFormat: 'text' })).text()).toBe(
      ['evil.example', 'a@mail.example', 'b@mail.example', '192.0.2.1|443', 'x%y', '2001:db8::1', 'http://EVIL.example/path', ''].join('\n'),
    );
    const nope = await sim.api('/attributes/restSearch', { returnFormat: 'stix2' });
    expect(nope.status).toBe(404);
    expect(await nope.json()).toEqual({ name: 'Invalid output format.', message: 'Invalid output format.', url: '/attributes/restSearch' });
  });

  it('takes parameters from URL segments (AppController::_harvestParameters) and refuses a bare GET', async () => {
    const res = await sim.api('/attributes/restSearch/csv/evil.example');
    expect(res.status).toBe(200);
    expect((await res.text()).split('\n')[1]).toMatch(/"evil\.example"/);
    const named = await sim.api('/attributes/restSearch/returnFormat:json/type:md5');
    expect(((await named.json()) as { response: { Attribute: unknown[] } }).response.Attribute).toHaveLength(1);
    expect((await sim.api('/attributes/restSearch')).status).toBe(400);
  });
});
