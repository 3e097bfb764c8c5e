// An event whose own fields conflict with the output (a string [threat], as some log sources
// send) cannot take threat.enrichments: Logstash refuses to set it. That event is tagged, and
// every other event of its batch is enriched as usual.
import { describe, expect, it } from 'vitest';
import { useSeededMemcached } from '../support/seeded-memcached.js';
import { attribute } from '../support/summaries.js';
import { assertJarsBuilt, runFilter } from './harness.js';

const mc = useSeededMemcached(assertJarsBuilt, () => [attribute('ip-dst', '203.0.113.9')]);

describe('an event that cannot take the enrichment', () => {
  it('is tagged _misp_enrich_apply_failure; the rest of the batch is enriched and matched', async () => {
    const ts = '2026-01-02T03:04:05.678Z';
    const events = [
      { '@timestamp': ts, seq: 0, destination: { ip: '203.0.113.9' } },
      { '@timestamp': ts, seq: 1, destination: { ip: '203.0.113.9' }, threat: 'phishing' },
      { '@timestamp': ts, seq: 2, destination: { ip: '203.0.113.9' } },
    ];
    const r = await runFilter({ settings: { memcached_hosts: [mc.address], fetch_context: false, add_tag: ['misp_hit'] }, events });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.seq)).toEqual([0, 1, 2]);
    for (const i of [0, 2]) {
      expect(r.events[i]!.threat.enrichments).toHaveLength(1);
      expect(r.events[i]!.tags).toEqual(['misp_hit']);
    }
    expect(r.events[1]!.threat).toBe('phishing');
    expect(r.events[1]!.tags).toEqual(['_misp_enrich_apply_failure']);
    expect(r.stderr).toContain('MISP_ENRICH_APPLY');
  });
});
