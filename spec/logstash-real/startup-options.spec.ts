// Start-up on Logstash's own classes, as a pipeline starts a Java filter: PluginFactoryExt makes
// the ConfigurationImpl, calls the plugin's constructor, runs PluginUtil.validateConfig and wraps
// the filter in JavaFilterDelegatorExt, which registers Logstash's own metrics beside the
// plugin's. A malformed option stops the start with a message naming the option (never the API
// key); an unknown option is refused by Logstash; unreachable servers are no start-up error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/memcached.js';
import { assertRealBuilt, describeOnLogstash, runReal, startReal, type RealStart } from './support/real-logstash.js';

const SECRET = 'k3y-that-must-never-show-0123456789abcdef';
const base = { fetch_context: false, memcached_hosts: ['127.0.0.1:11211'] };

const notPem = join(mkdtempSync(join(tmpdir(), 'misp-enrich-ca-')), 'not.pem');
writeFileSync(notPem, 'this is not a certificate\n');

// The stand-in's list (spec/plugin-java/startup-options.spec.ts), but for fetch_context, below.
const MALFORMED: { settings: Record<string, unknown>; option: string }[] = [
  { settings: { ...base, memcached_hosts: [] }, option: 'memcached_hosts' },
  { settings: { ...base, memcached_hosts: ['127.0.0.1:99999'] }, option: 'memcached_hosts' },
  { settings: { ...base, memcached_hosts: ['host with space:11211'] }, option: 'memcached_hosts' },
  { settings: { ...base, memcached_hosts: [11211] }, option: 'memcached_hosts' },
  { settings: { ...base, memcached_hosts: '127.0.0.1:11211' }, option: 'memcached_hosts' },
  { settings: { ...base, fields: { '[source][ip]': 'ipv9' } }, option: 'fields' },
  { settings: { ...base, fields: { 'bad[ref': 'ip' } }, option: 'fields' },
  { settings: { ...base, fields: { '[source][ip]': 4 } }, option: 'fields' },
  { settings: { ...base, ecs_compatibility: 'v2' }, option: 'ecs_compatibility' },
  { settings: { ...base, target: 'not a [ref' }, option: 'target' },
  { settings: { ...base, tag_on_failure: [''] }, option: 'tag_on_failure' },
  { settings: { ...base, tag_on_fetch_failure: [3] }, option: 'tag_on_fetch_failure' },
  { settings: { ...base, tag_on_apply_failure: 'one' }, option: 'tag_on_apply_failure' },
  { settings: { ...base, max_value_length: 0 }, option: 'max_value_length' },
  { settings: { ...base, max_values_per_field: -1 }, option: 'max_values_per_field' },
  { settings: { ...base, memcached_max_value_bytes: 10 }, option: 'memcached_max_value_bytes' },
  { settings: { ...base, memcached_timeout: 0 }, option: 'memcached_timeout' },
  { settings: { ...base, memcached_timeout: 'fast' }, option: 'memcached_timeout' },
  { settings: { ...base, misp_timeout: -5 }, option: 'misp_timeout' },
  { settings: { ...base, context_cache_size: 'lots' }, option: 'context_cache_size' },
  { settings: { ...base, context_cache_ttl: -1 }, option: 'context_cache_ttl' },
  { settings: { ...base, ssl_verification_mode: 'certificate' }, option: 'ssl_verification_mode' },
  { settings: { ...base, ssl_certificate_authorities: ['/nonexistent/ca.pem'] }, option: 'ssl_certificate_authorities' },
  { settings: { ...base, misp_url: 'ftp://misp.example', misp_api_key: SECRET }, option: 'misp_url' },
  { settings: { ...base, misp_url: 'https://misp.example/?q=1', misp_api_key: SECRET }, option: 'misp_url' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_api_key: SECRET }, option: 'misp_url' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example' }, option: 'misp_api_key' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: 'has space' }, option: 'misp_api_key' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, ssl_certificate_authorities: [notPem] }, option: 'ssl_certificate_authorities' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, misp_max_response_bytes: 1 }, option: 'misp_max_response_bytes' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, proxy: 'socks5://proxy.example:1080' }, option: 'proxy' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, proxy: 'http://user:pw@proxy.example:3128' }, option: 'proxy' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, ssl_certificate: notPem }, option: 'ssl_key' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, ssl_certificate: notPem, ssl_key: notPem }, option: 'ssl_certificate' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, ssl_supported_protocols: ['SSLv3'] }, option: 'ssl_supported_protocols' },
  { settings: { memcached_hosts: ['127.0.0.1:11211'], misp_url: 'https://misp.example', misp_api_key: SECRET, ssl_cipher_suites: ['TLS_NOT_A_SUITE'] }, option: 'ssl_cipher_suites' },
];

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

  it('starts with unreachable memcached and MISP servers, and never logs the API key', async () => {
    const port = await freePort();
    const r = await runReal({
      settings: { memcached_hosts: [`127.0.0.1:${port}`], misp_url: `https://127.0.0.1:${port}`, misp_api_key: SECRET },
      events: [{ message: 'x', source: { ip: '192.0.2.1' } }],
      logLevel: 'debug',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events).toHaveLength(1);
    expect(r.stderr).not.toContain(SECRET);
    expect(JSON.stringify(r.report)).not.toContain(SECRET);
  });
});
