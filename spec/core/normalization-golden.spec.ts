// Every normalization rule, by golden case: the filter side (describeValue, through the esbuild
// bundle exactly as GraalJS loads it) and the agent side (normalizeIndicator, from source).
import { describe, expect, it } from 'vitest';
import { DATATYPES, indicatorKey, isLegalKey, normalizeIndicator, type Datatype } from '../../plugin/core/ioc/index.js';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { GOLDEN } from '../support/golden.js';

const core = loadCore();

describe('golden normalization table', () => {
  it('covers every datatype with passing and failing cases', () => {
    for (const d of DATATYPES) {
      const cases = GOLDEN.filter((c) => c.datatype === d);
      expect(cases.some((c) => c.canonical !== null), `${d} has a valid case`).toBe(true);
      expect(cases.some((c) => c.canonical === null), `${d} has an invalid case`).toBe(true);
    }
  });

  for (const c of GOLDEN) {
    it(`${c.datatype}: ${c.rule}`, () => {
      const described = JSON.parse(core.describeValue(c.datatype, c.input)) as {
        canonical: string;
        keys: string[];
      } | null;
      expect(described?.canonical ?? null).toBe(c.canonical);
      if (c.keys) expect(described?.keys).toEqual(c.keys);
      for (const k of described?.keys ?? []) expect(isLegalKey(k), k).toBe(true);

      const ind = normalizeIndicator(c.datatype as Datatype, c.input);
      expect(ind ? { kind: ind.kind, canonical: ind.canonical } : null).toEqual(c.indicator);
      if (ind) expect(ind.key).toBe(indicatorKey(ind.kind, ind.canonical));
    });
  }
});
