// Start-up on Logstash's own classes, as a pipeline starts a Java filter: PluginFactoryExt makes
// the ConfigurationImpl, calls the plugin's constructor, runs PluginUtil.validateConfig and wraps
// the filter in JavaFilterDelegatorExt, which registers Logstash's own metrics beside the
// plugin's. A malformed option stops the start with a message naming the option (never the API
// key); an unknown option is refused by Logstash; unreachable servers are no start-up error.
import { beforeAll, expect, it } from 'vitest';
import { base, MALFORMED as ALL_MALFORMED, SECRET } from '../support/malformed-options.js';
import { unreachableServersCase } from '../filter-suites/unreachable-servers.suite.js';
import { assertRealBuilt, describeOnLogstash, onLogstash, startReal, type RealStart } from './support/real-logstash.js';

// The stand-in's list, but for fetch_context, which has its own case below.
const MALFORMED = ALL_MALFORMED.filter((m) => m.option !== 'fetch_context');

describeOnLogstash('start-up on Logstash\'s classes', () => {
  let starts: RealStart[];
  // One JVM for every start: the well-formed ones first, then MALFORMED.
  const WELL_FORMED = [
    base,
    { ...base, id: 'misp1', add_tag: ['t'], add_field: {}, remove_tag: [], remove_field: [], enable_metric: true, periodic_flush: false },
    { ...base, memcached_host: ['127.0.0.1:1'] },
    { ...base, fetch_context: 'maybe' },
  ];

  beforeAll(async () => {
    assertRealBuilt();
    starts = await startReal([...WELL_FORMED, ...MALFORMED.map((m) => m.settings)]);
  }, 300_000);

  it('starts as a pipeline\'s filter: its own metrics leave Logstash\'s [events] namespace free', () => {
    expect(starts[0]!.error ?? '').not.toContain('NamespacesExpectedError');
    expect(starts[0]!.ok, starts[0]!.error).toBe(true);
  });

  it('accepts the common filter options (add_tag, id, enable_metric, ...)', () => {
    expect(starts[1]!.ok, starts[1]!.error).toBe(true);
  });

  it('is refused by Logstash for an option it does not declare', () => {
    expect(starts[2]!.ok).toBe(false);
    expect(starts[2]!.log).toContain("Unknown setting 'memcached_host' specified for plugin 'misp_enrich'");
    expect(starts[2]!.error).toContain("Config errors found for plugin 'misp_enrich'");
  });

  // Logstash's ConfigurationImpl reads ANY text as a boolean ("maybe" is false) and never refuses
  // one: only the plugin, reading the raw value, can.
  it('rejects fetch_context => "maybe" instead of taking it as false', () => {
    expect(starts[3]!.ok).toBe(false);
    expect(`${starts[3]!.error}\n${starts[3]!.log}`).toMatch(/'fetch_context'/);
  });

  it.each(MALFORMED.map((m, i) => ({ ...m, i: WELL_FORMED.length + i })))('rejects a malformed $option: $settings', ({ option, i }) => {
    const start = starts[i]!;
    expect(start.ok).toBe(false);
    const said = `${start.error}\n${start.log}`;
    expect(said).toMatch(new RegExp(`MISP_ENRICH_CONFIG: option '${option}'|'${option}'`));
    expect(said).not.toContain(SECRET);
  });

  it('starts under pipeline.plugin_classloaders: true (PluginClassLoader)', async () => {
    const [start] = await startReal([base], { pluginClassloaders: true });
    expect(start!.ok, start!.error).toBe(true);
  });

  unreachableServersCase(onLogstash);
});
