// docs/kibana/misp-enrich-detection-rule.ndjson against the format of Kibana Security's rule
// import API (POST /api/detection_engine/rules/_import): an export file, one rule per line and the
// export summary last. The schema below is written from the published rule schema (query rule:
// required rule_id, name, description, risk_score 0-100, severity, type; severity_mapping items
// {field, operator "equals", value, severity}); unknown properties are refused so a misspelt key
// cannot pass unnoticed. Then what the rule means: it reads indices the pipelines write, one alert
// per enriched event, severity from a single-valued field holding ECS confidence values.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ECS_CONFIDENCE } from '../../plugin/core/enrich/confidence.js';
import { ecsFlat, ecsLoadFailure } from './support/ecs.js';
import { flattenMapping } from './support/mapping.js';

const ROOT = resolve(import.meta.dirname, '../..');
const lines = readFileSync(join(ROOT, 'docs/kibana/misp-enrich-detection-rule.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
const rules = lines.filter((l) => !('exported_count' in l));
const summary = lines.find((l) => 'exported_count' in l);
const mapped = flattenMapping(JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/component-template.json'), 'utf8')).template.mappings.properties);
/** The retro-hunt alerts index: the component template and the alerts' own template. */
const retroMapped = flattenMapping(JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/retro-index-template.json'), 'utf8')).template.mappings.properties, '', undefined, new Map(mapped));
const toRegExp = (p: string) => new RegExp(`^${p.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
/** Whether a rule's index list (with Elasticsearch's "-pattern" exclusions) reads an index. */
const reads = (index: string[], target: string) => index.some((p) => !p.startsWith('-') && toRegExp(p).test(target)) && !index.some((p) => p.startsWith('-') && toRegExp(p.slice(1)).test(target));

const severity = { enum: ['low', 'medium', 'high', 'critical'] };
const strings = { type: 'array', items: { type: 'string' } };
const ruleSchema = {
  type: 'object',
  required: ['rule_id', 'name', 'description', 'risk_score', 'severity', 'type', 'language', 'query', 'index'],
  properties: {
    rule_id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
    name: { type: 'string', minLength: 1 },
    description: { type: 'string', minLength: 1 },
    type: { const: 'query' },
    language: { enum: ['kuery', 'lucene'] },
    query: { type: 'string', minLength: 1 },
    index: { ...strings, minItems: 1 },
    filters: { type: 'array' },
    severity,
    risk_score: { type: 'integer', minimum: 0, maximum: 100 },
    severity_mapping: {
      type: 'array',
      items: { type: 'object', required: ['field', 'operator', 'value', 'severity'], additionalProperties: false, properties: { field: { type: 'string' }, operator: { const: 'equals' }, value: { type: 'string' }, severity } },
    },
    risk_score_mapping: {
      type: 'array',
      items: { type: 'object', required: ['field', 'operator', 'value'], additionalProperties: false, properties: { field: { type: 'string' }, operator: { const: 'equals' }, value: { const: '' }, risk_score: { type: 'integer', minimum: 0, maximum: 100 } } },
    },
    from: { type: 'string', pattern: '^now-\\d+[smhd]$' },
    to: { type: 'string' },
    interval: { type: 'string', pattern: '^\\d+[smhd]$' },
    timestamp_override: { type: 'string' },
    max_signals: { type: 'integer', minimum: 1 },
    enabled: { type: 'boolean' },
    tags: strings,
    author: strings,
    license: { type: 'string' },
    version: { type: 'integer', minimum: 1 },
    references: strings,
    false_positives: strings,
    threat: { type: 'array' },
    exceptions_list: { type: 'array' },
    actions: { type: 'array' },
    required_fields: { type: 'array', items: { type: 'object', required: ['name', 'type'], additionalProperties: false, properties: { name: { type: 'string' }, type: { type: 'string' } } } },
    setup: { type: 'string' },
    note: { type: 'string' },
  },
  additionalProperties: false,
};

const noEcs = ecsLoadFailure();

describe('the Kibana Security detection rule (docs/kibana/misp-enrich-detection-rule.ndjson)', () => {
  it('is an export file of two rules in the import format, with its export summary', () => {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const validate = ajv.compile(ruleSchema);
    expect(rules).toHaveLength(2);
    expect(new Set(rules.map((r) => r.rule_id)).size).toBe(2);
    for (const r of rules) expect(validate(r), ajv.errorsText(validate.errors)).toBe(true);
    expect(lines.at(-1)).toBe(summary);
    expect(summary).toMatchObject({ exported_count: rules.length, exported_rules_count: rules.length, missing_rules: [], missing_rules_count: 0 });
  });

  const [rule, retro] = rules;

  it('raises one alert per enriched event, from the indices the pipelines write', () => {
    // One query on a root field: each matching event is one alert (a nested hit count is not).
    expect(rule.query).toMatch(/^misp_enrich\.[a-z_]+ : \*$/);
    const field = mapped.get(rule.query.split(' ')[0]);
    expect(field?.type).toBe('keyword');
    expect(field?.nestedIn).toBeUndefined();
    for (const target of ['misp-enrich-2026.11.22', 'logs-generic-default']) expect(reads(rule.index, target), target).toBe(true);
    // The retro-hunt's alerts are the other rule's: never an alert of an alert.
    expect(reads(rule.index, 'misp-enrich-retro')).toBe(false);
    // Enough alerts per run for a busy interval; Kibana's default cap is 1,000.
    expect(rule.max_signals).toBeGreaterThanOrEqual(100);
    for (const f of rule.required_fields) expect(mapped.get(f.name)?.type, f.name).toBe(f.type);
  });

  it('takes its severity from the indicators\' confidence, on a field outside nested objects', () => {
    const fields = new Set(rule.severity_mapping.map((m: { field: string }) => m.field));
    expect([...fields]).toEqual(['misp_enrich.confidence']);
    const field = mapped.get('misp_enrich.confidence');
    expect(field?.nestedIn).toBeUndefined();
    expect(Object.fromEntries(rule.severity_mapping.map((m: { value: string; severity: string }) => [m.value, m.severity]))).toEqual({ High: 'high', Medium: 'medium', Low: 'low' });
    for (const m of rule.severity_mapping) expect(ECS_CONFIDENCE).toContain(m.value);
    // The default severity is the one of everything else (Not Specified, None).
    expect(rule.severity).toBe('low');
  });

  it('has a second rule for the retro-hunt\'s alerts: one alert per alert document, on its index alone, with the same severities', () => {
    expect(retro.name).toContain('retro-hunt');
    expect(reads(retro.index, 'misp-enrich-retro')).toBe(true);
    expect(reads(retro.index, 'misp-enrich-2026.11.22')).toBe(false);
    for (const field of [...retro.query.matchAll(/([a-z_.]+) :/g)].map((m) => m[1]!)) {
      expect(retroMapped.get(field)?.type, field).toBe('keyword');
      expect(retroMapped.get(field)?.nestedIn, field).toBeUndefined();
    }
    expect(retro.severity_mapping).toEqual(rule.severity_mapping);
    expect(retroMapped.get(retro.timestamp_override)?.type).toBe('date');
    for (const f of retro.required_fields) expect(retroMapped.get(f.name)?.type, f.name).toBe(f.type);
  });

  it.skipIf(noEcs !== null)('maps values of ECS\'s confidence vocabulary', () => {
    const expected = ecsFlat()!['threat.enrichments.indicator.confidence']!.expected_values!;
    for (const m of rule.severity_mapping) expect(expected).toContain(m.value);
  });
});
