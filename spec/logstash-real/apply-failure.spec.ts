// An event whose own [threat] cannot take threat.enrichments, on Logstash's own Event: a string
// [threat] makes Logstash refuse the write (an exception), a list [threat] makes it drop the write
// without a word. Either way the event is tagged, not reported as matched (so add_tag does not
// apply), and the rest of its batch is enriched as usual.
import { expect, it } from 'vitest';
import { useSeededMemcached } from '../support/seeded-memcached.js';
import { attribute } from '../support/summaries.js';
import { assertRealBuilt, describeOnLogstash, runReal } from './support/real-logstash.js';

describeOnLogstash('an event that cannot take the enrichment, on Logstash\'s classes', () => {
  const mc = useSeededMemcached(assertRealBuilt, () => [attribute('ip-dst', '203.0.113.9')]);

  it('is tagged _misp_enrich_apply_failure whether [threat] is a string or a list; the rest of the batch is enriched and matched', async () => {
    const ts = '2026-01-02T03:04:05.678Z';
    const events = [
      { '@timestamp': ts, seq: 0, destination: { ip: '203.0.113.9' } },
      { '@timestamp': ts, seq: 1, destination: { ip: '203.0.113.9' }, threat: 'phishing' },
      { '@timestamp': ts, seq: 2, destination: { ip: '203.0.113.9' }, threat: ['a', 'b'] },
      { '@timestamp': ts, seq: 3, destination: { ip: '203.0.113.9' } },
    ];
    const r = await runReal({ settings: { memcached_hosts: [mc.address], fetch_context: false, add_tag: ['misp_hit'] }, events });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    for (const i of [0, 3]) {
      expect(r.events[i]!.threat.enrichments).toHaveLength(1);
      expect(r.events[i]!.tags).toEqual(['misp_hit']);
    }
    expect(r.events[1]!.threat).toBe('phishing');
    expect(r.events[2]!.threat).toEqual(['a', 'b']);
    for (const i of [1, 2]) expect(r.events[i]!.tags).toEqual(['_misp_enrich_apply_failure']);
    expect(r.stderr).toContain('MISP_ENRICH_APPLY');
  });
});
