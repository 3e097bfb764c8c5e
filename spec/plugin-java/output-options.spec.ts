// Where the filter writes and how it tags, as a Logstash user sets it: target, the tag_on_*
// options for each failure kind, and ecs_compatibility v1 next to v8 and disabled.
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/memcached.js';
import { useSeededMemcached } from '../support/seeded-memcached.js';
import { attribute } from '../support/summaries.js';
import { assertJarsBuilt, runFilter } from './harness.js';

const TS = '2026-01-02T03:04:05.678Z';
const mc = useSeededMemcached(assertJarsBuilt, () => [attribute('ip-dst', '203.0.113.70'), attribute('domain', 'evil.example')]);

const hit = { '@timestamp': TS, destination: { ip: '203.0.113.70' } };
const miss = { '@timestamp': TS, destination: { ip: '192.0.2.1' } };
const base = () => ({ memcached_hosts: [mc.address], fetch_context: false });

describe('target', () => {
  it('appends the ECS enrichments to the target field instead of [threat][enrichments]', async () => {
    const r = await runFilter({ settings: { ...base(), target: '[intel][matches]' }, events: [hit, miss] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.threat).toBeUndefined();
    expect(r.events[0]!.intel.matches[0].indicator.ip).toBe('203.0.113.70');
    expect(r.events[1]!.intel).toBeUndefined();
  });

  it('puts the recipe\'s fields under the target with ecs_compatibility => disabled', async () => {
    const r = await runFilter({ settings: { ...base(), ecs_compatibility: 'disabled', target: 'intel' }, events: [hit, miss] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.intel.hit).toEqual(['203.0.113.70']);
    expect(r.events[1]!.intel).toEqual({ hit: 'none' });
    expect(r.events[0]!.misp).toBeUndefined();
  });
});

describe('ecs_compatibility', () => {
  it('writes the same enrichments with v1 as with v8', async () => {
    const strip = (e: Record<string, any>) => JSON.stringify(e, (k, v) => (k === 'occurred' ? undefined : v));
    const v1 = await runFilter({ settings: { ...base(), ecs_compatibility: 'v1' }, events: [hit] });
    const v8 = await runFilter({ settings: { ...base(), ecs_compatibility: 'v8' }, events: [hit] });
    expect(strip(v1.events[0]!)).toBe(strip(v8.events[0]!));
  });

  it('takes Logstash\'s default (v8) when unset, outside a Logstash that says otherwise', async () => {
    const r = await runFilter({ settings: base(), events: [hit] });
    expect(r.events[0]!.threat.enrichments).toHaveLength(1);
  });
});

describe('tag_on_failure, tag_on_fetch_failure, tag_on_apply_failure', () => {
  it('tags a failed lookup with tag_on_failure, and only the events that needed one', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const r = await runFilter({
      settings: { memcached_hosts: [dead], fetch_context: false, tag_on_failure: ['_misp_down', '_retry'] },
      events: [hit, { '@timestamp': TS, message: 'nothing to look up' }],
    });
    expect(r.events[0]!.tags).toEqual(['_misp_down', '_retry']);
    expect(r.events[1]!.tags).toBeUndefined();
  });

  it('tags hits without MISP context with tag_on_fetch_failure ([] for none)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const tagged = await runFilter({ settings: { ...base(), fetch_context: true, misp_url: dead, misp_api_key: 'k3y-of-40-characters-0123456789abcdefghij', tag_on_fetch_failure: ['_no_context'] }, events: [hit] });
    expect(tagged.events[0]!.tags).toEqual(['_no_context']);
    const silent = await runFilter({ settings: { ...base(), fetch_context: true, misp_url: dead, misp_api_key: 'k3y-of-40-characters-0123456789abcdefghij', tag_on_fetch_failure: [] }, events: [hit] });
    expect(silent.events[0]!.tags).toBeUndefined();
    expect(silent.events[0]!.threat.enrichments).toHaveLength(1);
  });

  it('tags an event whose [threat] cannot hold the enrichment with tag_on_apply_failure, and does not call it matched', async () => {
    const r = await runFilter({
      settings: { ...base(), tag_on_apply_failure: ['_cannot_write'], add_tag: ['matched'] },
      events: [{ ...hit, threat: 'a string' }, { ...hit, threat: ['a', 'list'] }, hit],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.tags).toEqual(['_cannot_write']);
    expect(r.events[1]!.tags).toEqual(['_cannot_write']);
    expect(r.events[1]!.threat).toEqual(['a', 'list']);
    expect(r.events[2]!.tags).toEqual(['matched']);
  });
});
