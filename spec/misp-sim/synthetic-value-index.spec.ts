// The synthetic value index (misp-sim/synthetic-value-index.ts) must never miss: for every
// synthetic attribute, looking up its value1 and its value2 (in any letter case) yields its
// index among the candidates. Over HTTP, an exact value query (answered from the index) and
// the same query with a never-matching LIKE term added (which forces a full scan) agree.
import { describe, expect, it } from 'vitest';
import { splitValue } from '../../misp-sim/rows.js';
import { SyntheticSource } from '../../misp-sim/synthetic.js';
import { SyntheticValueIndex } from '../../misp-sim/synthetic-value-index.js';
import { searchAttributes, startMispSim } from './sim-process.js';

describe('synthetic value index', () => {
  it('finds every synthetic attribute by each part of its value, whatever the case', () => {
    const syn = new SyntheticSource(20_000);
    const index = new SyntheticValueIndex(syn);
    for (let i = 0; i < syn.count; i++) {
      for (const part of splitValue(syn.type(i), syn.value(i))) {
        if (part === '') continue;
        const v = i % 2 === 0 ? part : part.toUpperCase();
        expect(index.candidates([v]), `${i} ${v}`).toContain(i);
      }
    }
    expect(index.candidates(['nothing.invalid'])).toEqual([]);
    expect(index.memoryBytes()).toBeLessThan(20_000 * 12);
  });

  it('answers exact value queries as a full scan does', async () => {
    const sim = await startMispSim({ events: [], synthetic: 30_000 });
    try {
      const sample = (await searchAttributes(sim, { limit: 40, page: 137, deleted: [0, 1] })).attrs.flatMap((a) => a.value.split('|'));
      for (const value of [...new Set(sample)]) {
        const indexed = (await searchAttributes(sim, { value, deleted: [0, 1] })).attrs.map((a) => a.id);
        const scanned = (await searchAttributes(sim, { value: [value, '%no-such-suffix'], deleted: [0, 1] })).attrs.map((a) => a.id);
        expect(indexed, value).toEqual(scanned);
        expect(indexed.length, value).toBeGreaterThan(0);
      }
    } finally {
      await sim.stop();
    }
  });
});
