// The shipped Elasticsearch templates against a real search engine: OpenSearch 3.8 in-process
// (spec/elastic/support/opensearch.ts). The component and index templates are installed
// unchanged, the demo's enriched events (spec/elastic/support/enriched-demo.ts) are bulk-indexed
// into a classic daily index and into a logs-*-* data stream through logs@custom, and queried as
// an analyst would: a nested query per known hit, the misp_enrich.* fields the Kibana objects
// aggregate and the detection rule reads, CIDR searches on the addresses, wildcard searches on
// URLs. Every answer is compared with what the stream's known answers and the documents say.
import { readFileSync } from 'node:fs';
import { BlockList, isIPv6 } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichedDemo, type EnrichedDemo } from './support/enriched-demo.js';
import { flattenMapping } from './support/mapping.js';
import { osRequest, prepareLauncher, startOpenSearch, type OpenSearchNode } from '../../tools/opensearch.js';

const ROOT = resolve(import.meta.dirname, '../..');
const readJson = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));
const COMPONENT = readJson('docs/elasticsearch/component-template.json');
const INDEX_TEMPLATE = readJson('docs/elasticsearch/index-template.json');
const DASHBOARD = readFileSync(join(ROOT, 'docs/kibana/misp-enrich-dashboard.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const RULE = JSON.parse(readFileSync(join(ROOT, 'docs/kibana/misp-enrich-detection-rule.ndjson'), 'utf8').split('\n')[0]!);

// As the README's pipeline names it: misp-enrich-%{+YYYY.MM.dd} (the demo stream is dated 2026-11-22).
const INDEX = 'misp-enrich-2026.11.22';
const DATA_STREAM = 'logs-misp_enrich-default';
const EVENTS = 2000;

type Json = Record<string, any>;

const unavailable = prepareLauncher();
if (unavailable) console.warn(`spec/elastic/opensearch.spec.ts skipped: ${unavailable}`);

function get(doc: Json, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k] : undefined), doc);
}

function inCidr(value: unknown, cidr: string): boolean {
  if (typeof value !== 'string') return false;
  // An IPv4-mapped IPv6 address is its IPv4 address to the ip type, as to the filter.
  const ip = /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(value) ? value.slice(7) : value;
  const [net, len] = cidr.split('/');
  const family = isIPv6(net!) ? 'ipv6' : 'ipv4';
  if ((family === 'ipv6') !== isIPv6(ip)) return false;
  const list = new BlockList();
  list.addSubnet(net!, Number(len), family);
  return list.check(ip, family);
}

describe.skipIf(unavailable !== null)('the templates and enriched events in OpenSearch 3.8', () => {
  let node: OpenSearchNode;
  let demo: EnrichedDemo;
  const search = (index: string, body: Json) => osRequest<Json>(node.url, 'POST', `/${index}/_search`, body);
  const count = async (index: string, query: Json) => (await osRequest<Json>(node.url, 'POST', `/${index}/_count`, { query })).count as number;
  const idsOf = async (index: string, query: Json) => {
    const r = await search(index, { query, size: 10_000, _source: false });
    return (r.hits.hits as { _id: string }[]).map((h) => Number(h._id)).sort((a, b) => a - b);
  };

  beforeAll(async () => {
    [node, demo] = await Promise.all([startOpenSearch(), enrichedDemo(EVENTS)]);
    await osRequest(node.url, 'PUT', '/_component_template/misp-enrich', COMPONENT);
    await osRequest(node.url, 'PUT', '/_index_template/misp-enrich', INDEX_TEMPLATE);
    // What Elasticsearch's built-in `logs` index template does for logs-*-* data streams, which
    // OpenSearch lacks: compose logs@custom. The component is installed under that name, unchanged.
    await osRequest(node.url, 'PUT', '/_component_template/logs@custom', COMPONENT);
    await osRequest(node.url, 'PUT', '/_index_template/logs', { index_patterns: ['logs-*-*'], data_stream: {}, priority: 100, composed_of: ['logs@custom'] });

    const classic = demo.events.flatMap((e, i) => [JSON.stringify({ index: { _index: INDEX, _id: String(i) } }), JSON.stringify(e)]);
    const stream = demo.events.flatMap((e, i) => [JSON.stringify({ create: { _index: DATA_STREAM, _id: String(i) } }), JSON.stringify(e)]);
    for (const lines of [classic, stream]) {
      const r = await osRequest<Json>(node.url, 'POST', '/_bulk?refresh=true', lines.join('\n') + '\n', true);
      expect(r.errors, JSON.stringify((r.items as Json[]).find((it) => Object.values(it)[0].error))).toBe(false);
    }
  }, 240_000);

  afterAll(async () => {
    await node?.stop();
  });

  const matchedIds = () => demo.stream.map((s, i) => (s.intended.length > 0 ? i : -1)).filter((i) => i >= 0);

  it('runs the OpenSearch the issue names and indexes every event into both targets', async () => {
    expect(node.version).toMatch(/^3\.8\./);
    expect(await count(INDEX, { match_all: {} })).toBe(EVENTS);
    expect(await count(DATA_STREAM, { match_all: {} })).toBe(EVENTS);
    expect(matchedIds().length).toBeGreaterThan(100);
  });

  it('maps what the filter writes from the templates, not dynamically: nested enrichments, wildcard URLs, ip addresses', async () => {
    const shipped = flattenMapping(COMPONENT.template.mappings.properties);
    for (const index of [INDEX, DATA_STREAM]) {
      const live = flattenMapping(Object.values(await osRequest<Json>(node.url, 'GET', `/${index}/_mapping`))[0].mappings.properties);
      for (const [path, field] of shipped) {
        expect({ type: live.get(path)?.type, ignore_above: live.get(path)?.ignore_above }, `${index} ${path}`).toEqual({ type: field.type, ignore_above: field.ignore_above });
      }
      // Nothing under the filter's own fields was added by dynamic mapping.
      for (const path of live.keys()) if (/^(threat|misp_enrich)\./.test(path)) expect(shipped.has(path), `${index}: dynamic ${path}`).toBe(true);
      expect(live.get('threat.enrichments')?.type).toBe('nested');
      expect(live.get('url.full')?.type).toBe('wildcard');
      for (const path of ['source.ip', 'destination.ip', 'misp_enrich.ip', 'threat.enrichments.indicator.ip']) expect(live.get(path)?.type, path).toBe('ip');
    }
  });

  it('finds every known hit with a nested query on threat.enrichments, and nothing else', async () => {
    const expected = new Map<string, number[]>();
    demo.stream.forEach((s, i) => {
      for (const hit of s.intended) {
        const key = `${hit.attrUuid} ${hit.field}`;
        if (!expected.get(key)?.includes(i)) expected.set(key, [...(expected.get(key) ?? []), i]);
      }
    });
    expect(expected.size).toBeGreaterThan(20);
    for (const [key, ids] of expected) {
      const [id, field] = key.split(' ');
      const query = { nested: { path: 'threat.enrichments', query: { bool: { filter: [{ term: { 'threat.enrichments.matched.id': id } }, { term: { 'threat.enrichments.matched.field': field } }] } } } };
      expect(await idsOf(INDEX, query), key).toEqual(ids);
    }
    const anyHit = { nested: { path: 'threat.enrichments', query: { term: { 'threat.enrichments.feed.name': 'MISP' } } } };
    expect(await idsOf(INDEX, anyHit)).toEqual(matchedIds());
    expect(await idsOf(DATA_STREAM, anyHit)).toEqual(matchedIds());
  });

  it('keeps each enrichment together: a nested query does not mix one entry\'s type with another\'s value', async () => {
    // An event with an IP hit and a domain hit must not match "a domain-name entry whose ip is set".
    const mixed = { nested: { path: 'threat.enrichments', query: { bool: { filter: [{ term: { 'threat.enrichments.indicator.type': 'domain-name' } }, { exists: { field: 'threat.enrichments.indicator.ip' } }] } } } };
    expect(await count(INDEX, mixed)).toBe(0);
  });

  it('answers the dashboard\'s and the detection rule\'s questions from misp_enrich.*', async () => {
    // The rule's query and every Lens panel's filter: misp_enrich.indicator : *
    expect(RULE.query).toBe('misp_enrich.indicator : *');
    expect(await idsOf(INDEX, { exists: { field: 'misp_enrich.indicator' } })).toEqual(matchedIds());
    // Every field a Lens column aggregates is aggregatable here, with the counts the documents hold.
    const fields = new Set<string>();
    for (const o of DASHBOARD.filter((x) => x.type === 'lens')) {
      for (const layer of Object.values(o.attributes.state.datasourceStates.formBased.layers) as Json[]) {
        for (const col of Object.values(layer.columns) as Json[]) if (col.operationType === 'terms') fields.add(col.sourceField);
      }
    }
    expect(fields.size).toBeGreaterThanOrEqual(5);
    for (const field of fields) {
      const r = await search(INDEX, { size: 0, aggs: { top: { terms: { field, size: 1000 } } } });
      const want = new Map<string, number>();
      for (const e of demo.events) for (const v of new Set(((get(e, field) as string[] | undefined) ?? []))) want.set(v, (want.get(v) ?? 0) + 1);
      const got = new Map((r.aggregations.top.buckets as { key: string; doc_count: number }[]).map((b) => [b.key, b.doc_count]));
      expect(got, field).toEqual(want);
    }
    // The severity mapping reads one value per event: the highest confidence.
    const r = await search(INDEX, { size: 10_000, query: { exists: { field: 'misp_enrich.indicator' } }, _source: ['misp_enrich.confidence'] });
    for (const h of r.hits.hits as Json[]) expect(h._source.misp_enrich.confidence).toHaveLength(1);
  });

  it('finds events by CIDR on the event addresses and on the indicator addresses', async () => {
    for (const [field, cidr] of [
      ['source.ip', '10.0.0.0/8'],
      ['destination.ip', '198.51.100.0/24'],
      ['destination.ip', '203.0.113.64/27'],
      ['destination.ip', '2001:db8::/32'],
    ] as const) {
      const want = demo.events.map((e, i) => (inCidr(get(e, field), cidr) ? i : -1)).filter((i) => i >= 0);
      expect(want.length, `${field} ${cidr}`).toBeGreaterThan(0);
      expect(await idsOf(INDEX, { term: { [field]: cidr } }), `${field} ${cidr}`).toEqual(want);
    }
    const cidr = '198.51.100.0/24';
    const want = demo.events
      .map((e, i) => (((get(e, 'threat.enrichments') as Json[] | undefined) ?? []).some((en) => inCidr(en.indicator?.ip, cidr)) ? i : -1))
      .filter((i) => i >= 0);
    expect(want.length).toBeGreaterThan(0);
    expect(await idsOf(INDEX, { nested: { path: 'threat.enrichments', query: { term: { 'threat.enrichments.indicator.ip': cidr } } } })).toEqual(want);
    expect(await idsOf(INDEX, { term: { 'misp_enrich.ip': cidr } })).toEqual(want);
  });

  it('searches URLs with wildcards, and takes URLs as long as the filter copies them', async () => {
    const urls = demo.events.map((e) => get(e, 'url.full')).filter((u): u is string => typeof u === 'string');
    const needle = urls.find((u) => u.includes('/drop/')) ? '/drop/' : urls[0]!.slice(8, 16);
    const want = demo.events.map((e, i) => (String(get(e, 'url.full') ?? '').includes(needle) ? i : -1)).filter((i) => i >= 0);
    expect(want.length).toBeGreaterThan(0);
    expect(await idsOf(INDEX, { wildcard: { 'url.full': { value: `*${needle}*` } } })).toEqual(want);

    // The filter copies at most 8,192 characters of a MISP value (plugin/core/enrich/bounds.ts);
    // non-ASCII URLs take up to three bytes a character, far past a keyword's 1,024.
    const long = `https://long.example/${'\u00e9'.repeat(8_000)}`;
    await osRequest(node.url, 'PUT', `/${INDEX}/_doc/long-url?refresh=true`, longUrlDoc(long));
    expect(await count(INDEX, { nested: { path: 'threat.enrichments', query: { wildcard: { 'threat.enrichments.indicator.url.full': { value: '*\u00e9\u00e9' } } } } })).toBe(1);
    await osRequest(node.url, 'DELETE', `/${INDEX}/_doc/long-url?refresh=true`);
  });

  it('differs from Elasticsearch where docs/elasticsearch/README.md says: wildcard values over 32,766 bytes, and the remedy it gives', async () => {
    const huge = `https://huge.example/${'a'.repeat(40_000)}`;
    // OpenSearch keeps wildcard values as doc values, which Lucene bounds at 32,766 bytes, so it
    // refuses the whole document; Elasticsearch's wildcard field takes it.
    await expect(osRequest(node.url, 'PUT', `/${INDEX}/_doc/huge-url?refresh=true`, longUrlDoc(huge))).rejects.toThrow(/32766/);
    const readme = readFileSync(join(ROOT, 'docs/elasticsearch/README.md'), 'utf8');
    expect(readme).toContain('"ignore_above": 8191');
    await osRequest(node.url, 'PUT', '/_component_template/misp-enrich-opensearch', withWildcardIgnoreAbove(COMPONENT, 8191));
    await osRequest(node.url, 'PUT', '/_index_template/misp-enrich-opensearch', { ...INDEX_TEMPLATE, index_patterns: ['opensearch-misp-enrich-*'], composed_of: ['misp-enrich-opensearch'] });
    await osRequest(node.url, 'PUT', '/opensearch-misp-enrich-1/_doc/huge-url?refresh=true', longUrlDoc(huge));
    expect(await count('opensearch-misp-enrich-1', { match_all: {} })).toBe(1);
  });
});

function longUrlDoc(url: string): Json {
  return {
    '@timestamp': '2026-11-22T12:00:00Z',
    url: { full: url },
    threat: { enrichments: [{ indicator: { type: 'url', name: url, url: { full: url } }, matched: { atomic: url, field: 'url.full', type: 'indicator_match_rule' } }] },
  };
}

/** The OpenSearch adjustment docs/elasticsearch/README.md gives: ignore_above on every wildcard field. */
function withWildcardIgnoreAbove(template: Json, limit: number): Json {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    if (out.type === 'wildcard') out.ignore_above = limit;
    return out;
  };
  return walk(template) as Json;
}
