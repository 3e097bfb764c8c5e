// Paging is exact (every attribute once, in id order, across real and synthetic data), and
// enforceWarninglist reproduces MISP issue 9175: warninglists are applied after the page is
// cut, so pages come back short or empty before the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDoc, writeEvent } from './event-files.js';
import { allPages, searchAttributes, startMispSim, type SimProcess } from './sim-process.js';

let sim: SimProcess;

beforeAll(async () => {
  sim = await startMispSim({ synthetic: 2500, warninglists: true });
});
afterAll(async () => {
  await sim.stop();
});

describe('paging', () => {
  it('concatenated pages equal the unpaged answer, for several page sizes', async () => {
    const all = (await searchAttributes(sim, {})).attrs.map((a) => a.id);
    expect(all.length).toBeGreaterThan(1200 + 2400);
    for (const limit of [1, 7, 100, 999, 5000]) {
      if (limit === 1) continue; // covered below on a small query, 3,700 requests add nothing
      const { attrs, pages } = await allPages(sim, {}, limit);
      expect(attrs.map((a) => a.id)).toEqual(all);
      expect(pages).toBe(Math.floor(all.length / limit) + 1);
    }
    const md5 = (await searchAttributes(sim, { type: 'md5' })).attrs.map((a) => a.id);
    expect((await allPages(sim, { type: 'md5' }, 1)).attrs.map((a) => a.id)).toEqual(md5);
  });

  it('pages are stable in id order, with real attributes before synthetic ones', async () => {
    const { attrs } = await allPages(sim, { to_ids: true }, 250);
    const ids = attrs.map((a) => Number(a.id));
    for (let n = 1; n < ids.length; n++) expect(ids[n]!).toBeGreaterThan(ids[n - 1]!);
    const firstSynthetic = ids.findIndex((id) => id >= 1_000_000_000);
    expect(firstSynthetic).toBeGreaterThan(0);
    expect(ids.slice(firstSynthetic).every((id) => id >= 1_000_000_000)).toBe(true);
  });

  it('pages out of order and repeated pages give the same answers', async () => {
    const p3 = (await searchAttributes(sim, { limit: 300, page: 3 })).attrs.map((a) => a.id);
    const p1 = (await searchAttributes(sim, { limit: 300, page: 1 })).attrs.map((a) => a.id);
    const p3again = (await searchAttributes(sim, { limit: 300, page: 3 })).attrs.map((a) => a.id);
    const p2 = (await searchAttributes(sim, { limit: 300, page: 2 })).attrs.map((a) => a.id);
    const p3third = (await searchAttributes(sim, { limit: 300, page: 3 })).attrs.map((a) => a.id);
    expect(p3again).toEqual(p3);
    expect(p3third).toEqual(p3);
    const all = (await searchAttributes(sim, {})).attrs.map((a) => a.id);
    expect([...p1, ...p2, ...p3]).toEqual(all.slice(0, 900));
  });

  // MispAttribute::__iteratedFetch returns the rows fetched plus $incrementTotalBy, which is 1
  // for a paged query unless a non-empty page came back short (an empty page breaks the loop
  // before the increment is reset).
  it('a page past the end is empty; X-Result-Count is limit + 1 on a full page, the rows on a short one', async () => {
    const far = await searchAttributes(sim, { limit: 100, page: 10_000 });
    expect(far.attrs).toEqual([]);
    expect(far.count).toBe(1);
    const p = await searchAttributes(sim, { limit: 40, page: 2 });
    expect(p.attrs).toHaveLength(40);
    expect(p.count).toBe(41);
    const all = (await searchAttributes(sim, {})).attrs.length;
    const last = await searchAttributes(sim, { limit: 1000, page: Math.ceil(all / 1000) });
    expect(last.attrs).toHaveLength(all % 1000);
    expect(last.count).toBe(all % 1000);
    expect((await searchAttributes(sim, {})).count).toBe(all);
  });

  it('limit without page is page 1', async () => {
    const a = await searchAttributes(sim, { limit: 10 });
    const b = await searchAttributes(sim, { limit: 10, page: 1 });
    expect(a.attrs.map((x) => x.id)).toEqual(b.attrs.map((x) => x.id));
  });
});

describe('enforceWarninglist (MISP issue 9175)', () => {
  beforeAll(() => {
    // 30 attributes: 20 in the RFC 1918 warninglist, then 10 that are in none of the lists.
    const attributes = [
      ...Array.from({ length: 20 }, (_, n) => ({ type: 'ip-dst', value: `10.9.0.${n + 1}` })),
      ...Array.from({ length: 10 }, (_, n) => ({ type: 'ip-dst', value: `125.212.132.${n + 1}` })),
    ];
    writeEvent(sim.dataDir, 'warninglisted.json', eventDoc({ info: 'warninglist spec', tags: ['spec:warninglist'], attributes }));
  });

  it('filters after the page: short and empty pages before the end', async () => {
    const filter = { tags: ['spec:warninglist'], enforceWarninglist: true };
    const unpaged = await searchAttributes(sim, filter);
    expect(unpaged.attrs.map((a) => a.value)).toEqual(Array.from({ length: 10 }, (_, n) => `125.212.132.${n + 1}`));
    const sizes: number[] = [];
    for (let page = 1; page <= 4; page++) sizes.push((await searchAttributes(sim, { ...filter, limit: 8, page })).attrs.length);
    // Pages 1 and 2 hold only warninglisted addresses: empty although 10 results remain.
    expect(sizes).toEqual([0, 0, 4, 6]);
    // A client that stops at the first short page (the usual loop) loses everything.
    const naive = await allPages(sim, filter, 8);
    expect(naive.attrs).toEqual([]);
    // Without enforcement paging is exact.
    const exact = await allPages(sim, { tags: ['spec:warninglist'] }, 8);
    expect(exact.attrs).toHaveLength(30);
  });
});
