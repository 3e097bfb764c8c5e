// The packaged plugin against a real memcached seeded with what the agent writes, in whichever
// place runs it (spec/filter-suites/pipeline.ts): misses pass through untouched, Logstash's common
// options apply to matched events only, N workers give the output of one, close() leaves nothing
// behind, failures never lose an event, the original recipe's output format, and a batch of
// thousands of keys in one round trip.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { CASES, hitEvent, MISSES, TS } from '../support/datatype-cases.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { seed } from '../plugin-java/harness.js';
import type { FilterPipeline } from './pipeline.js';
import { DEFAULT_FIELDS } from '../../plugin/core/config/default-fields.js';
import { getField } from '../../plugin/core/enrich/json-event.js';
import { HUNT_MARKER, huntKeys, type Datatype } from '../../plugin/core/ioc/index.js';

/** The hunt keys retro_keys writes for an event: the marker, then its values' hunt keys in field order, each once (TypeScript core in Node). */
function expectedHuntKeys(event: Record<string, unknown>): string[] {
  const out: string[] = [HUNT_MARKER];
  for (const [ref, datatype] of Object.entries(DEFAULT_FIELDS)) {
    const value = getField(event, ref);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') continue;
      for (const k of huntKeys(datatype as Datatype, v) ?? []) if (!out.includes(k)) out.push(k);
    }
  }
  return out;
}

export function filterEnrichSuite(pipeline: FilterPipeline): void {
  let mc: MemcachedProcess;
  const settings = () => ({ memcached_hosts: [mc.address], fetch_context: false });

  beforeAll(async () => {
    pipeline.assertBuilt();
    mc = await startMemcached();
    await seed(mc.address, entriesFor(CASES.map((c) => attribute(c.type, c.value, { event_id: '42' }))));
  });

  afterAll(async () => mc?.stop());

  it('lets misses through exactly as they came in, apart from the @version and @timestamp Logstash adds', async () => {
    const r = await pipeline.run({ settings: settings(), events: [...MISSES, { message: 'x' }] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.slice(0, MISSES.length)).toEqual(MISSES.map((e) => ({ '@version': '1', ...e })));
    const added = r.events[MISSES.length]!;
    expect(added['@version']).toBe('1');
    expect(Date.parse(added['@timestamp'])).not.toBeNaN();
  });

  it('with retro_keys, gives every event the hunt keys of its values under [misp_enrich][keys], as the core computes them, hit or miss, remembered or new', async () => {
    const events = [...CASES.map(hitEvent), ...MISSES];
    // Twice through, in batches of 3 over 2 workers: the second pass takes keys from the value memory.
    const r = await pipeline.run({ settings: { ...settings(), retro_keys: true }, events: [...events, ...events], workers: 2, batchSize: 3 });
    expect(r.code, r.stderr).toBe(0);
    r.events.forEach((e, i) => expect(e.misp_enrich?.keys, JSON.stringify(events[i % events.length])).toEqual(expectedHuntKeys(events[i % events.length]!)));
    expect(r.events[0]!.threat.enrichments).toHaveLength(1);
    expect(r.events.filter((e) => e.misp_enrich?.keys?.length > 1).length).toBeGreaterThan(2 * CASES.length);
  });

  it('gets add_field / remove_field / add_tag / remove_tag applied on matched events only (filterMatched)', async () => {
    const events = [{ ...hitEvent(CASES[0]!), tags: ['unchecked', 'keep'], drop_me: 1 }, { ...MISSES[0]!, drop_me: 1, tags: ['unchecked'] }];
    const r = await pipeline.run({
      settings: {
        ...settings(),
        add_tag: ['misp_hit'],
        remove_tag: ['unchecked'],
        add_field: { '[misp_seen]': '%{[destination][ip]}', day: '%{+YYYY.MM.dd}' },
        remove_field: ['drop_me'],
      },
      events,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.tags).toEqual(['keep', 'misp_hit']);
    expect(r.events[0]!.misp_seen).toBe('203.0.113.77');
    expect(r.events[0]!.day).toBe('2026.01.02');
    expect(r.events[0]!.drop_me).toBeUndefined();
    expect(r.events[1]).toEqual({ '@version': '1', ...MISSES[0], drop_me: 1, tags: ['unchecked'] });
  });

  it('gives the same output from 4 workers (and from single-event batches) as from 1, in order, and close() leaves no thread or socket', async () => {
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 1200; i++) {
      const base = i % 7 === 0 ? hitEvent(CASES[i % CASES.length]!) : { '@timestamp': TS, source: { ip: `192.0.2.${i % 250}` } };
      events.push({ ...base, seq: i });
    }
    const [one, four] = await Promise.all([
      pipeline.run({ settings: settings(), events, workers: 1 }),
      pipeline.run({ settings: settings(), events, workers: 4, batchSize: 50 }),
    ]);
    // Single-event batches from two workers: Logstash sends those too.
    const singles = await pipeline.run({ settings: settings(), events: events.slice(0, 300), workers: 2, batchSize: 1 });
    for (const r of [one, four, singles]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.report!.leaked_threads).toEqual([]);
      expect(r.report!.leaked_sockets).toEqual([]);
    }
    expect(four.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    // Logstash writes an event's keys in hash order: compared as objects, not as text.
    const strip = (e: Record<string, any>) => JSON.parse(JSON.stringify(e, (k, v) => (k === 'occurred' ? undefined : v)));
    expect(four.events.map(strip)).toEqual(one.events.map(strip));
    expect(singles.events.map(strip)).toEqual(one.events.slice(0, 300).map(strip));
    expect(four.report!.batches).toBe(24);
    expect(pipeline.metric(four, 'events.in')).toBe(1200);
    expect(pipeline.metric(four, 'events.out')).toBe(1200);
    // Three JVM runs, two at once: with the other spec files' JVMs on the same two cores (every
    // suite now runs on Logstash's classes under both class-loading settings) it took over 60 s.
  }, 180_000);

  it('fails over to the next memcached host, and tags lookups (never loses an event, not a start-up error) when none answers', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const [failover, down] = await Promise.all([
      pipeline.run({ settings: { ...settings(), memcached_hosts: [dead, mc.address] }, events: [hitEvent(CASES[0]!)] }),
      pipeline.run({ settings: { ...settings(), memcached_hosts: [dead] }, events: [hitEvent(CASES[0]!), MISSES[0]!] }),
    ]);
    expect(failover.code, failover.stderr).toBe(0);
    expect(failover.events[0]!.threat?.enrichments?.[0]?.misp?.attribute?.value).toBe('203.0.113.77');
    expect(down.code, down.stderr).toBe(0);
    expect(down.events).toHaveLength(2);
    expect(down.events[0]!.tags).toEqual(['_misp_enrich_lookup_failure']);
    expect(down.events[0]!.threat).toBeUndefined();
    expect(down.events[1]!.tags).toBeUndefined();
    expect(down.stderr).toContain('MISP_ENRICH_LOOKUP');
    expect(pipeline.metric(down, 'failures')).toBeGreaterThan(0);
  });

  it('writes the original recipe\'s [misp] fields with ecs_compatibility => disabled', async () => {
    const r = await pipeline.run({ settings: { ...settings(), ecs_compatibility: 'disabled' }, events: [hitEvent(CASES[0]!)] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.misp.hit).toEqual(['203.0.113.77']);
    expect(r.events[0]!.misp.eventinfo).toEqual(['OSINT - Example campaign']);
    expect(r.events[0]!.threat).toBeUndefined();
  });

  it('takes thousands of keys and a 300,000-character value in one batch (one pipelined round trip)', async () => {
    const big = attribute('ip-dst', '203.0.113.99', { event_id: '43', event_info: 'x'.repeat(300_000) });
    await seed(mc.address, new Map([...entriesFor([big])].filter(([k]) => k !== 'me1:meta')));
    const events = Array.from({ length: 125 }, (_, i) => ({
      '@timestamp': TS,
      seq: i,
      destination: { ip: Array.from({ length: 40 }, (_, j) => (i === 77 && j === 5 ? '203.0.113.99' : `100.64.${i}.${j}`)) },
    }));
    const r = await pipeline.run({ settings: settings(), events });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(125);
    expect(r.report!.batches).toBe(1);
    expect(pipeline.metric(r, 'lookups')).toBeGreaterThanOrEqual(5000);
    // The value is read whole (one 300 KB memcached value); the text copied into the event is cut
    // at 2,048 characters.
    expect(r.events[77]!.threat.enrichments[0].indicator.description).toHaveLength(2048);
    expect(r.events.filter((e) => e.threat)).toHaveLength(1);
  });
}
