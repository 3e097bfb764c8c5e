// The packaged plugin in a Logstash-like pipeline (harness), against a real memcached seeded with
// exactly what the agent writes: every datatype matches, misses pass through untouched, N workers
// give the output of one, close() leaves nothing behind, and failures never lose an event.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemcached, freePort, type MemcachedProcess } from '../support/memcached.js';
import { CASES } from '../support/datatype-cases.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { RUN_BIN, assertJarsBuilt, runFilter, seed } from './harness.js';

const TS = '2026-01-02T03:04:05.678Z';

const MISSES: Record<string, unknown>[] = [
  { '@timestamp': TS, message: 'nothing to look at' },
  { '@timestamp': TS, source: { ip: '192.0.2.200' }, destination: { ip: ['192.0.2.201', '2001:db8::1'] } },
  { '@timestamp': TS, url: { full: 'https://benign.example/index.html' }, tags: ['existing'] },
  { '@timestamp': TS, source: { ip: 'not-an-ip' }, file: { hash: { md5: 'xyz' } }, count: 3, ratio: 0.5, ok: true },
  { '@timestamp': TS, '@version': '7', dns: { question: { name: 'example.org' } }, nested: { a: [1, { b: null }] } },
];

let mc: MemcachedProcess;

beforeAll(async () => {
  assertJarsBuilt();
  mc = await startMemcached();
  await seed(mc.address, entriesFor(CASES.map((c) => attribute(c.type, c.value, { event_id: '42' }))));
});

afterAll(async () => {
  await mc?.stop();
});

const settings = () => ({ memcached_hosts: [mc.address], fetch_context: false });
const hitEvent = (c: (typeof CASES)[number]) => ({ '@timestamp': TS, ...c.event });

describe('misp_enrich in the harness, real memcached', () => {
  it('matches every datatype and writes ECS threat.enrichments', async () => {
    const r = await runFilter({ settings: settings(), events: CASES.map(hitEvent) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(CASES.length);
    CASES.forEach((c, i) => {
      const e = r.events[i]!;
      const enrichments = e.threat?.enrichments;
      expect(Array.isArray(enrichments), `${c.name}: ${JSON.stringify(e)}`).toBe(true);
      expect(enrichments[0].matched.field, c.name).toBe(c.field);
      expect(enrichments[0].misp.attribute.value, c.name).toBe(c.value);
      expect(enrichments[0].misp.attribute.type, c.name).toBe(c.type);
    });
    expect(r.report!.metrics['plugins.filters.misp_enrich_harness.matched']).toBe(CASES.length);
    expect(r.report!.metrics['plugins.filters.misp_enrich_harness.events.in']).toBe(CASES.length);
  });

  it('lets misses through exactly as they came in, apart from @version', async () => {
    const r = await runFilter({ settings: settings(), events: MISSES });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toEqual(MISSES.map((e) => ({ '@version': '1', ...e })));
  });

  it('adds @timestamp and @version as Logstash does', async () => {
    const r = await runFilter({ settings: settings(), events: [{ message: 'x' }] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!['@version']).toBe('1');
    expect(Date.parse(r.events[0]!['@timestamp'])).not.toBeNaN();
  });

  it('applies add_field / remove_field / add_tag / remove_tag on matched events only (filterMatched)', async () => {
    const events = [{ ...hitEvent(CASES[0]!), tags: ['unchecked', 'keep'] }, { ...MISSES[0]!, drop_me: 1, tags: ['unchecked'] }];
    (events[0] as Record<string, unknown>).drop_me = 1;
    const r = await runFilter({
      settings: {
        ...settings(),
        add_tag: ['misp_hit'],
        remove_tag: ['unchecked'],
        add_field: { '[misp_seen]': '%{[destination][ip]}' },
        remove_field: ['drop_me'],
      },
      events,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.tags).toEqual(['keep', 'misp_hit']);
    expect(r.events[0]!.misp_seen).toBe('203.0.113.77');
    expect(r.events[0]!.drop_me).toBeUndefined();
    expect(r.events[1]).toEqual({ '@version': '1', ...MISSES[0], drop_me: 1, tags: ['unchecked'] });
  });

  it('gives the same output from 4 workers (and from single-event batches) as from 1, in order, and close() leaves no thread or socket', async () => {
    const events: Record<string, unknown>[] = [];
    for (let i = 0; i < 1200; i++) {
      const base = i % 7 === 0 ? hitEvent(CASES[i % CASES.length]!) : { '@timestamp': TS, source: { ip: `192.0.2.${i % 250}` } };
      events.push({ ...base, seq: i });
    }
    const one = await runFilter({ settings: settings(), events, workers: 1 });
    const four = await runFilter({ settings: settings(), events, workers: 4, batchSize: 50 });
    // Single-event batches from two workers: Logstash sends those too.
    const singles = await runFilter({ settings: settings(), events: events.slice(0, 300), workers: 2, batchSize: 1 });
    expect(one.code, one.stderr).toBe(0);
    expect(four.code, four.stderr).toBe(0);
    expect(singles.code, singles.stderr).toBe(0);
    expect(four.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    const strip = (e: Record<string, any>) => JSON.stringify(e, (k, v) => (k === 'occurred' ? undefined : v));
    expect(four.events.map(strip)).toEqual(one.events.map(strip));
    expect(singles.events.map(strip)).toEqual(one.events.slice(0, 300).map(strip));
    for (const r of [one, four, singles]) {
      expect(r.report!.leaked_threads).toEqual([]);
      expect(r.report!.leaked_sockets).toEqual([]);
    }
    expect(four.report!.batches).toBe(24);
  });

  it('fails over to the next memcached host when the first is down', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const r = await runFilter({ settings: { ...settings(), memcached_hosts: [dead, mc.address] }, events: [hitEvent(CASES[0]!)] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.threat?.enrichments?.[0]?.misp?.attribute?.value).toBe('203.0.113.77');
  });

  it('keeps every event and tags lookups when no memcached answers (not a start-up error)', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const events = [hitEvent(CASES[0]!), MISSES[0]!];
    const r = await runFilter({ settings: { ...settings(), memcached_hosts: [dead] }, events });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(2);
    expect(r.events[0]!.tags).toEqual(['_misp_enrich_lookup_failure']);
    expect(r.events[0]!.threat).toBeUndefined();
    expect(r.stderr).toContain('MISP_ENRICH_LOOKUP');
    expect(r.report!.metrics['plugins.filters.misp_enrich_harness.failures']).toBeGreaterThan(0);
  });

  it('reads NDJSON from stdin and writes it to stdout with "-"', () => {
    const settingsFile = join(mkdtempSync(join(tmpdir(), 'misp-enrich-stdio-')), 'settings.json');
    writeFileSync(settingsFile, JSON.stringify(settings()));
    const input = [hitEvent(CASES[0]!), MISSES[0]!].map((e) => JSON.stringify(e)).join('\n') + '\n';
    const r = spawnSync(process.execPath, [RUN_BIN, '--settings', settingsFile, '--input', '-', '--output', '-', '--log-level', 'warn'], {
      input,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(out).toHaveLength(2);
    expect(out[0].threat.enrichments[0].misp.attribute.value).toBe('203.0.113.77');
    expect(out[1]).toEqual({ '@version': '1', ...MISSES[0] });
  });

  it('writes the original recipe\'s [misp] fields with ecs_compatibility => disabled', async () => {
    const r = await runFilter({ settings: { ...settings(), ecs_compatibility: 'disabled' }, events: [hitEvent(CASES[0]!)] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events[0]!.misp.hit).toEqual(['203.0.113.77']);
    expect(r.events[0]!.misp.eventinfo).toEqual(['OSINT - Example campaign']);
    expect(r.events[0]!.threat).toBeUndefined();
  });

  it('takes thousands of keys and a large value in one batch without stalling (one pipelined round trip)', async () => {
    const big = attribute('ip-dst', '203.0.113.99', { event_id: '43', event_info: 'x'.repeat(300_000) });
    await seed(mc.address, new Map([...entriesFor([big])].filter(([k]) => k !== 'me1:meta')));
    const events = Array.from({ length: 125 }, (_, i) => ({
      '@timestamp': TS,
      seq: i,
      destination: { ip: Array.from({ length: 40 }, (_, j) => (i === 77 && j === 5 ? '203.0.113.99' : `100.64.${i}.${j}`)) },
    }));
    const r = await runFilter({ settings: settings(), events });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(125);
    expect(r.report!.batches).toBe(1);
    expect(r.report!.metrics['plugins.filters.misp_enrich_harness.lookups']).toBeGreaterThanOrEqual(5000);
    // The value is read whole (one 300 KB memcached value); the text copied into the event is cut.
    expect(r.events[77]!.threat.enrichments[0].indicator.description).toHaveLength(2048);
    expect(r.events.filter((e) => e.threat)).toHaveLength(1);
  });

  it('reconnects when memcached restarted between two batches (its pooled connection died)', async () => {
    const pauseFile = join(mkdtempSync(join(tmpdir(), 'misp-enrich-pause-')), 'pause');
    writeFileSync(pauseFile, '');
    const running = runFilter({
      settings: settings(),
      events: [hitEvent(CASES[0]!), hitEvent(CASES[5]!)],
      batchSize: 1,
      extraArgs: ['--pause-after-batch', '0', '--pause-file', pauseFile],
    });
    while (!existsSync(`${pauseFile}.paused`)) await new Promise((r) => setTimeout(r, 50));
    await mc.restart();
    await seed(mc.address, entriesFor(CASES.map((c) => attribute(c.type, c.value, { event_id: '42' }))));
    rmSync(pauseFile);
    const r = await running;
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.map((e) => e.tags)).toEqual([undefined, undefined]);
    expect(r.events[1]!.threat.enrichments[0].misp.attribute.value).toBe(CASES[5]!.value);
    expect(r.stderr).not.toContain('MISP_ENRICH_LOOKUP');
  });
});
