// The packaged plugin on Logstash's own classes (Event, ConfigurationImpl, ContextImpl,
// PluginFactoryExt, JavaFilterDelegatorExt), against a real memcached seeded with what the agent
// writes: every datatype matches under both pipeline.plugin_classloaders settings and the metrics
// are where the node stats API shows them; the rest (misses, common options, N workers, failures,
// the recipe's format, large batches) is spec/filter-suites/filter-enrich.suite.ts, which the
// stand-in runs too.
import { expect, it } from 'vitest';
import { useSeededMemcached } from '../support/seeded-memcached.js';
import { attribute } from '../support/summaries.js';
import { CASES, expectEveryDatatypeMatched, hitEvent, MISSES } from '../support/datatype-cases.js';
import { filterEnrichSuite } from '../filter-suites/filter-enrich.suite.js';
import { assertRealBuilt, describeOnLogstash, describeOnLogstashLoaders, runReal } from './support/real-logstash.js';

/** The plugin's own metrics, as docs/index.asciidoc lists them (Logstash adds name and events). */
const PLUGIN_METRICS = ['lookups', 'hits', 'matched', 'fetches', 'failures', 'new_values', 'skipped_values', 'core_calls', 'batch_time'];

describeOnLogstash('misp_enrich on Logstash\'s classes, real memcached', () => {
  const mc = useSeededMemcached(assertRealBuilt, () => CASES.map((c) => attribute(c.type, c.value, { event_id: '42' })));
  const settings = () => ({ memcached_hosts: [mc.address], fetch_context: false });

  it.each([
    { pluginClassloaders: false, loader: 'org.jruby.util.JRubyClassLoader' },
    { pluginClassloaders: true, loader: 'org.logstash.plugins.PluginClassLoader' },
  ])('matches every datatype with pipeline.plugin_classloaders: $pluginClassloaders ($loader)', async ({ pluginClassloaders, loader }) => {
    const r = await runReal({ settings: { ...settings(), id: 'misp1' }, events: CASES.map(hitEvent), pluginClassloaders });
    expect(r.code, r.stderr).toBe(0);
    expect(r.report!.plugin_class_loader).toBe(loader);
    expectEveryDatatypeMatched(r.events);
    expect(r.metrics.matched).toBe(CASES.length);
    expect(r.metrics['events.in']).toBe(CASES.length);
  });

  it('shows its metrics in the node stats under its id, beside Logstash\'s own name and events', async () => {
    const r = await runReal({ settings: { ...settings(), id: 'misp_stats' }, events: [hitEvent(CASES[0]!), MISSES[0]!] });
    expect(r.code, r.stderr).toBe(0);
    const filters: Record<string, any>[] = r.report!.node_stats_filters;
    expect(filters).toHaveLength(1);
    const entry = filters[0]!;
    expect(entry.id).toBe('misp_stats');
    expect(entry.name).toBe('misp_enrich');
    expect(entry.events).toEqual({ in: 2, out: 2, duration_in_millis: expect.any(Number) });
    for (const name of PLUGIN_METRICS) expect(entry[name], name).toEqual(expect.any(Number));
    expect(entry.matched).toBe(1);
    expect(entry.hits).toBe(1);
  });
});

describeOnLogstashLoaders('misp_enrich on Logstash\'s classes, real memcached: the shared filter suite', filterEnrichSuite);
