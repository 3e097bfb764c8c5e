// The packaged plugin in the stand-in harness, against a real memcached seeded with exactly what
// the agent writes: every datatype matches, stdin/stdout work, a memcached restart between two
// batches is survived; the rest (misses, common options, N workers, failures, the recipe's format,
// large batches) is spec/filter-suites/filter-enrich.suite.ts, which Logstash's own classes run too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useSeededMemcached } from '../support/seeded-memcached.js';
import { CASES, expectEveryDatatypeMatched, hitEvent, MISSES } from '../support/datatype-cases.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { filterEnrichSuite } from '../filter-suites/filter-enrich.suite.js';
import { RUN_BIN, assertJarsBuilt, runFilter, seed, standIn } from './harness.js';

const mc = useSeededMemcached(assertJarsBuilt, () => CASES.map((c) => attribute(c.type, c.value, { event_id: '42' })));

const settings = () => ({ memcached_hosts: [mc.address], fetch_context: false });

describe('misp_enrich in the harness, real memcached', () => {
  it('matches every datatype and writes ECS threat.enrichments', async () => {
    const r = await runFilter({ settings: settings(), events: CASES.map(hitEvent) });
    expect(r.code, r.stderr).toBe(0);
    expectEveryDatatypeMatched(r.events);
    expect(r.report!.metrics['plugins.filters.misp_enrich_harness.matched']).toBe(CASES.length);
    expect(r.report!.metrics['plugins.filters.misp_enrich_harness.events.in']).toBe(CASES.length);
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

describe('misp_enrich in the harness, real memcached: the shared filter suite', () => filterEnrichSuite(standIn));
