// A memcached that no agent has loaded (no me1:meta key): nothing can match, and the filter says
// so once, with a code, instead of silently finding nothing for ever.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import type { FilterPipeline } from './pipeline.js';

export function noAgentSuite(pipeline: FilterPipeline): void {
  let empty: MemcachedProcess;

  beforeAll(async () => {
    pipeline.assertBuilt();
    empty = await startMemcached();
  });

  afterAll(async () => empty?.stop());

  it('passes every event unchanged and warns once with MISP_ENRICH_NO_AGENT_DATA', async () => {
    const events = Array.from({ length: 300 }, (_, i) => ({ '@timestamp': '2026-01-02T03:04:05.678Z', seq: i, destination: { ip: '203.0.113.9' } }));
    const r = await pipeline.run({ settings: { memcached_hosts: [empty.address], fetch_context: false }, events, batchSize: 50, logLevel: 'warn' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    for (const e of r.events) {
      expect(e.threat).toBeUndefined();
      expect(e.tags).toBeUndefined();
    }
    expect(r.stderr.match(/MISP_ENRICH_NO_AGENT_DATA/g)).toHaveLength(1);
  });
}
