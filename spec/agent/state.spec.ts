// The agent's index, in process: merged values, updates that move a value between keys,
// deletions, the distinct key listing, CIDR prefix bookkeeping, and the snapshot round trip.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSummary, mispIndicators } from '../../plugin/core/ioc/index.js';
import type { MispAttribute } from '../../agent/misp/attribute.js';
import { IndicatorState } from '../../agent/sync/state.js';
import { readSnapshot, writeSnapshot } from '../../agent/store/snapshot-file.js';
import { removeDir, tempDir } from './support/harness.js';

const dir = tempDir('state');
afterAll(() => removeDir(dir));

let n = 0;
function attr(type: string, value: string, extra: Partial<MispAttribute> = {}): MispAttribute {
  n++;
  return {
    uuid: `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    type,
    category: 'Network activity',
    value,
    toIds: true,
    deleted: false,
    timestamp: 1700000000 + n,
    event: { id: '1', uuid: 'e1', info: 'event one', tags: ['tlp:clear'] },
    tags: [],
    ...extra,
  };
}

const key = (type: string, value: string) => mispIndicators(type, value)!.indicators.map((i) => i.key);

function fresh() {
  const s = new IndicatorState();
  const dirty = new Set<string>();
  const ev = s.upsertEvent({ id: '1', uuid: 'e1', info: 'event one', tags: ['tlp:clear'] }, dirty);
  return { s, dirty, ev, pass: s.newPass() };
}

describe('IndicatorState', () => {
  it('merges attributes with the same indicator into one value, and splits composites', () => {
    const { s, dirty, ev, pass } = fresh();
    const a = attr('ip-dst', '192.0.2.1');
    const b = attr('domain|ip', 'evil.example|192.0.2.1', { tags: ['kill-chain:c2'] });
    expect(s.upsert(a, ev, pass, dirty)).toBe('added');
    expect(s.upsert(b, ev, pass, dirty)).toBe('added');
    expect(s.keyCount).toBe(2);
    expect(s.attributeCount).toBe(2);
    const v = decodeSummary(s.valueOf(key('ip-dst', '192.0.2.1')[0]!)!)!;
    expect(v.attrs.map((x) => x.uuid)).toEqual([a.uuid, b.uuid]);
    expect(v.attrs[1]!.tags).toEqual(['kill-chain:c2', 'tlp:clear']);
    expect(v.attrs[1]!.value).toBe('evil.example|192.0.2.1');
    expect([...s.keys()].sort()).toEqual([...key('domain', 'evil.example'), ...key('ip-dst', '192.0.2.1')].sort());
    expect(Object.fromEntries(s.kindCounts())).toEqual({ ip: 1, domain: 1 });
  });

  it('reports unchanged attributes as such, and moves a changed value to its new key', () => {
    const { s, dirty, ev, pass } = fresh();
    const a = attr('ip-src', '198.51.100.7');
    s.upsert(a, ev, pass, dirty);
    dirty.clear();
    expect(s.upsert({ ...a }, ev, pass, dirty)).toBe('unchanged');
    expect(dirty.size).toBe(0);
    expect(s.upsert({ ...a, value: '198.51.100.8', timestamp: a.timestamp + 1 }, ev, pass, dirty)).toBe('changed');
    expect([...dirty].sort()).toEqual([...key('ip-src', '198.51.100.7'), ...key('ip-src', '198.51.100.8')].sort());
    expect(s.valueOf(key('ip-src', '198.51.100.7')[0]!)).toBeNull();
    expect(decodeSummary(s.valueOf(key('ip-src', '198.51.100.8')[0]!)!)!.attrs[0]!.uuid).toBe(a.uuid);
    expect(s.keyCount).toBe(1);
  });

  it('keeps a shared key while another attribute holds it, and tracks CIDR prefix lengths', () => {
    const { s, dirty, ev, pass } = fresh();
    const n1 = attr('ip-dst', '203.0.113.0/24');
    const n2 = attr('ip-src', '203.0.113.0/24');
    const n3 = attr('ip-dst', '2001:db8::/48');
    for (const a of [n1, n2, n3]) s.upsert(a, ev, pass, dirty);
    expect(s.prefixLengths()).toEqual({ v4: [24], v6: [48] });
    s.remove(n1.uuid, dirty);
    expect(s.prefixLengths()).toEqual({ v4: [24], v6: [48] });
    expect(decodeSummary(s.valueOf(key('ip-dst', '203.0.113.0/24')[0]!)!)!.attrs.map((x) => x.uuid)).toEqual([n2.uuid]);
    s.remove(n2.uuid, dirty);
    s.remove(n3.uuid, dirty);
    expect(s.prefixLengths()).toEqual({ v4: [], v6: [] });
    expect(s.keyCount).toBe(0);
    expect(s.attributeCount).toBe(0);
  });

  it('sweeps what a pass did not see, per event or everywhere', () => {
    const { s, dirty, ev } = fresh();
    const ev2 = s.upsertEvent({ id: '2', uuid: 'e2', info: 'event two', tags: [] }, dirty);
    const first = s.newPass();
    const a = attr('md5', 'd41d8cd98f00b204e9800998ecf8427e');
    const b = attr('sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709', { event: { id: '2', uuid: 'e2', info: 'event two', tags: [] } });
    s.upsert(a, ev, first, dirty);
    s.upsert(b, ev2, first, dirty);
    const second = s.newPass();
    s.upsert({ ...a }, ev, second, dirty);
    expect(s.sweepEvent(ev2, second, dirty)).toBe(1);
    expect(s.sweep(second, dirty)).toBe(0);
    expect(s.attributeCount).toBe(1);
  });

  it('marks every key of an event dirty when the event info or tags change', () => {
    const { s, dirty, ev, pass } = fresh();
    s.upsert(attr('url', 'http://bad.example/a'), ev, pass, dirty);
    dirty.clear();
    s.upsertEvent({ id: '1', uuid: 'e1', info: 'event one, renamed', tags: null }, dirty);
    expect([...dirty]).toEqual(key('url', 'http://bad.example/a'));
    expect(decodeSummary(s.valueOf([...dirty][0]!)!)!.attrs[0]!.event_info).toBe('event one, renamed');
  });

  it('reuses the space of removed attributes and survives a snapshot round trip', async () => {
    const { s, dirty, ev, pass } = fresh();
    const many = Array.from({ length: 5000 }, (_, i) => attr('domain', `d${i}.example`, { firstSeen: i === 7 ? '2024-01-01T00:00:00Z' : undefined }));
    for (const a of many) s.upsert(a, ev, pass, dirty);
    for (const a of many.slice(0, 2500)) s.remove(a.uuid, dirty);
    const odd = attr('hostname', 'odd.example', { uuid: 'not-a-canonical-uuid' });
    s.upsert(odd, ev, pass, dirty);
    s.compact();
    const file = join(dir, 'snap.jsonl');
    await writeSnapshot(file, s, { agentVersion: 'test', syncedMs: 1000 });
    const back = new IndicatorState();
    const header = await readSnapshot(file, back);
    expect(header?.attributes).toBe(2501);
    expect([...back.keys()].sort()).toEqual([...s.keys()].sort());
    for (const k of s.keys()) expect(back.valueOf(k)).toBe(s.valueOf(k));
    expect(back.typeCounts()).toEqual({ domain: 2500, hostname: 1 });
  });
});
