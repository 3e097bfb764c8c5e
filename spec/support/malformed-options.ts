// The options the filter must refuse at start-up, each with the option its message must name:
// the same list for the stand-in harness and for Logstash's own classes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An API key no log line, error or report may ever show. */
export const SECRET = 'k3y-that-must-never-show-0123456789abcdef';
export const base = { fetch_context: false, memcached_hosts: ['127.0.0.1:11211'] };

const notPem = join(mkdtempSync(join(tmpdir(), 'misp-enrich-ca-')), 'not.pem');
writeFileSync(notPem, 'this is not a certificate\n');

/** A misp_sources file (the agent's --sources) of one entry naming this key file; its path. */
function sourcesFile(name: string, entry: Record<string, unknown>, keyText?: string, entries?: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-sources-'));
  const keyFile = join(dir, 'partner.key');
  if (keyText !== undefined) writeFileSync(keyFile, keyText);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(entries ?? [{ name: 'partner', mispUrl: 'https://partner.example', apiKeyFile: keyFile, ...entry }]));
  return file;
}

export const MALFORMED: { settings: Record<string, unknown>; option: string }[] = [
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
  { settings: { ...base, fetch_context: 'maybe' }, option: 'fetch_context' },
  { settings: { ...base, memcached_timeout: 0 }, option: 'memcached_timeout' },
  { settings: { ...base, memcached_timeout: 'fast' }, option: 'memcached_timeout' },
  { settings: { ...base, misp_timeout: -5 }, option: 'misp_timeout' },
  { settings: { ...base, context_cache_size: 'lots' }, option: 'context_cache_size' },
  { settings: { ...base, context_cache_ttl: -1 }, option: 'context_cache_ttl' },
  { settings: { ...base, context_failure_ttl: 3601 }, option: 'context_failure_ttl' },
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
  { settings: { ...base, misp_sources: '/nonexistent/sources.json' }, option: 'misp_sources' },
  { settings: { ...base, misp_sources: sourcesFile('key-inside', { apiKey: SECRET }) }, option: 'misp_sources' },
  { settings: { ...base, misp_sources: sourcesFile('ftp', { mispUrl: 'ftp://partner.example' }) }, option: 'misp_sources' },
  { settings: { ...base, misp_sources: sourcesFile('empty', {}, undefined, []) }, option: 'misp_sources' },
  { settings: { ...base, fetch_context: true, misp_sources: sourcesFile('no-key-file', {}) }, option: 'misp_sources' },
  { settings: { ...base, fetch_context: true, misp_sources: sourcesFile('two-keys', {}, `${SECRET}\n${SECRET}\n`) }, option: 'misp_sources' },
  { settings: { ...base, fetch_context: true, misp_sources: sourcesFile('no-ca', { caFile: '/nonexistent/ca.pem' }, `${SECRET}\n`) }, option: 'misp_sources' },
  { settings: { ...base, fetch_context: true, misp_sources: sourcesFile('bad-ca', { caFile: notPem }, `${SECRET}\n`) }, option: 'misp_sources' },
  { settings: { ...base, fetch_context: true, misp_sources: sourcesFile('bad-proxy', { proxy: `http://user:${SECRET}@proxy.example:3128` }, `${SECRET}\n`) }, option: 'misp_sources' },
];
