// GraalJS's resource cache on a stock install (a home the Logstash user cannot write), on
// Logstash's classes under both pipeline.plugin_classloaders settings
// (spec/filter-suites/resource-cache.suite.ts), and under Logstash's path.data when the gem's Ruby
// file hands it over (here RealMain's --path-data does what that file does; spec/logstash-real/
// gem-ruby.spec.ts runs the file itself).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VERSION } from '../plugin-java/harness.js';
import { LIBRARY, TRUFFLE_WARNING, resourceCacheSuite, stockHost, type StockHost } from '../filter-suites/resource-cache.suite.js';
import { filesUnder } from '../support/files.js';
import { useSeededMemcached } from '../support/seeded-memcached.js';
import { attribute } from '../support/summaries.js';
import { assertRealBuilt, describeOnLogstash, describeOnLogstashLoaders, runReal } from './support/real-logstash.js';

describeOnLogstashLoaders('GraalJS\'s resource cache with a home nobody can write, on Logstash\'s classes', resourceCacheSuite);

describeOnLogstash('GraalJS\'s resource cache under Logstash\'s path.data', () => {
  const mc = useSeededMemcached(assertRealBuilt, () => [attribute('ip-dst', '203.0.113.71', { event_id: '42' })]);
  let host: StockHost;

  beforeAll(() => {
    host = stockHost();
  });

  afterAll(() => {
    if (host) rmSync(host.root, { recursive: true, force: true });
  });

  it.each([false, true])('unpacks into <path.data>/plugins/filters/misp_enrich/<version>, owner-only (plugin_classloaders: %s)', async (pluginClassloaders) => {
    const pathData = join(host.root, `data-${pluginClassloaders}`);
    const r = await runReal({
      settings: { memcached_hosts: [mc.address], fetch_context: false },
      events: [{ destination: { ip: '203.0.113.71' } }],
      env: host.env(),
      pluginClassloaders,
      extraArgs: ['--path-data', pathData],
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(TRUFFLE_WARNING);
    expect(r.events[0]!.threat.enrichments[0].indicator.ip).toBe('203.0.113.71');
    const dir = join(pathData, 'plugins', 'filters', 'misp_enrich', VERSION);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(filesUnder(dir).some((f) => LIBRARY.test(f))).toBe(true);
    expect(readdirSync(host.tmp).filter((n) => n.startsWith('misp_enrich-'))).toEqual([]);
  });
});
