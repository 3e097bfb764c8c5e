// The esbuild bundle is one self-contained script: evaluated in a fresh node:vm context with no
// Node globals (no require, process, Buffer, console, timers, TextEncoder), as GraalJS runs it.
import { readFileSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { attribute, entriesFor } from '../support/summaries.js';

const source = readFileSync(new URL('../../dist/core/misp-enrich-core.js', import.meta.url), 'utf8');

describe('core bundle in a bare JavaScript context', () => {
  it('defines only MispEnrichCore and needs nothing from its host', () => {
    const ctx = createContext({});
    const before = new Set(runInContext('Object.getOwnPropertyNames(globalThis)', ctx) as string[]);
    runInContext(source, ctx);
    const after = runInContext('Object.getOwnPropertyNames(globalThis)', ctx) as string[];
    expect(after.filter((n) => !before.has(n))).toEqual(['MispEnrichCore']);
    // (V8 itself puts a console object in every context; Node's is not there.)
    for (const name of ['require', 'process', 'Buffer', 'setTimeout', 'TextEncoder', 'URL', 'crypto']) {
      expect(runInContext(`typeof ${name}`, ctx)).toBe('undefined');
    }
  });

  it('runs a batch end to end inside the sandbox', () => {
    const ctx = createContext({});
    runInContext(source, ctx);
    const store = entriesFor([attribute('domain', 'evil.example')]);
    ctx.storeJson = JSON.stringify([...store]);
    const out = runInContext(
      `(() => {
        const store = new Map(JSON.parse(storeJson));
        const e = MispEnrichCore.createEnricher('{"fetch_context": false}');
        const fields = JSON.parse(e.describe()).fields;
        const j = fields.findIndex((f) => f.ref === '[dns][question][name]');
        const raw = 'x.Evil.example';
        const keys = JSON.parse(e.keys(JSON.stringify({ meta: null, values: { [fields[j].datatype]: [raw] } }))).keys.domain[0];
        const found = {};
        for (const k of keys) if (store.has(k)) found[k] = store.get(k);
        const match = JSON.parse(e.match(JSON.stringify({ meta: null, events: [{ index: 0, values: [[j, raw]] }], found, now: '2026-11-22T00:00:00Z' })));
        return JSON.stringify(match.result);
      })()`,
      ctx,
    ) as string;
    const result = JSON.parse(out);
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0].append[0][1][0].indicator.url.domain).toBe('evil.example');
  });

  it('reports the version from the VERSION file', () => {
    const ctx = createContext({});
    runInContext(source, ctx);
    const version = readFileSync(new URL('../../VERSION', import.meta.url), 'utf8').trim();
    expect(runInContext('MispEnrichCore.version()', ctx)).toBe(version);
  });
});
