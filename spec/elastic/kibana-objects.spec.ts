// docs/kibana/misp-enrich-dashboard.ndjson against the saved-object export format Kibana's
// import API reads (POST /api/saved_objects/_import): one object per line with id, type,
// attributes, references and migration versions; a data view; Lens visualizations (the
// `formBased` datasource, one `indexpattern-datasource-layer-<layer>` reference per layer); and a
// dashboard whose by-reference panels name their objects as Kibana's dashboard saved object does
// (`panelRefName: panel_<i>`, reference `<i>:panel_<i>`). No Kibana runs here, so the schema below
// is written from that published format, and every field a panel aggregates is checked against
// the shipped mapping: it must exist there and be aggregatable outside nested objects.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { flattenMapping } from './support/mapping.js';

const ROOT = resolve(import.meta.dirname, '../..');
const objects = readFileSync(join(ROOT, 'docs/kibana/misp-enrich-dashboard.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
const mapped = flattenMapping(JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/component-template.json'), 'utf8')).template.mappings.properties);
const indexTemplate = JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/index-template.json'), 'utf8'));
for (const [path, def] of Object.entries(indexTemplate.template.mappings.properties as Record<string, { type: string }>)) mapped.set(path, { path, type: def.type, params: {} });
/** The retro-hunt alerts index's fields: the component template and the alerts' own template. */
const retroMapped = flattenMapping(JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/retro-index-template.json'), 'utf8')).template.mappings.properties, '', undefined, new Map(mapped));
const RETRO_VIEW = 'misp-enrich-retro-data-view';
const mappingOf = (lensObject: Json) => (lensObject.references.some((r: Json) => r.id === RETRO_VIEW) ? retroMapped : mapped);
const toRegExp = (p: string) => new RegExp(`^${p.trim().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
/** Whether a data view's title (Elasticsearch's patterns, with "-pattern" exclusions) covers an index. */
const covers = (title: string, target: string) => {
  const parts = title.split(',').map((p) => p.trim());
  return parts.some((p) => !p.startsWith('-') && toRegExp(p).test(target)) && !parts.some((p) => p.startsWith('-') && toRegExp(p.slice(1)).test(target));
};

type Json = Record<string, any>;
const byId = new Map<string, Json>(objects.map((o) => [o.id, o]));

const semver = { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+$' };
const reference = { type: 'object', required: ['name', 'type', 'id'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 }, type: { type: 'string' }, id: { type: 'string', minLength: 1 } } };
const savedObject = {
  type: 'object',
  required: ['id', 'type', 'attributes', 'references'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9_-]+$' },
    type: { enum: ['index-pattern', 'lens', 'dashboard'] },
    attributes: { type: 'object' },
    references: { type: 'array', items: reference },
    coreMigrationVersion: semver,
    typeMigrationVersion: semver,
    managed: { type: 'boolean' },
  },
  additionalProperties: false,
};
const dataView = {
  type: 'object',
  required: ['title', 'timeFieldName'],
  properties: { title: { type: 'string', minLength: 1 }, timeFieldName: { type: 'string' }, name: { type: 'string' } },
  additionalProperties: false,
};
const column = {
  type: 'object',
  required: ['label', 'dataType', 'operationType', 'isBucketed'],
  properties: {
    label: { type: 'string' },
    customLabel: { type: 'boolean' },
    dataType: { enum: ['string', 'number', 'date', 'boolean', 'ip'] },
    operationType: { enum: ['terms', 'count', 'date_histogram', 'unique_count', 'max', 'min', 'sum', 'average'] },
    isBucketed: { type: 'boolean' },
    scale: { enum: ['ordinal', 'ratio', 'interval'] },
    sourceField: { type: 'string' },
    params: { type: 'object' },
  },
  additionalProperties: false,
};
const lens = {
  type: 'object',
  required: ['title', 'visualizationType', 'state'],
  properties: {
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    visualizationType: { enum: ['lnsXY', 'lnsPie', 'lnsDatatable', 'lnsMetric', 'lnsLegacyMetric', 'lnsHeatmap', 'lnsGauge', 'lnsTagcloud'] },
    state: {
      type: 'object',
      required: ['datasourceStates', 'visualization', 'query', 'filters'],
      properties: {
        datasourceStates: {
          type: 'object',
          required: ['formBased'],
          properties: {
            formBased: {
              type: 'object',
              required: ['layers'],
              properties: {
                layers: {
                  type: 'object',
                  minProperties: 1,
                  additionalProperties: {
                    type: 'object',
                    required: ['columns', 'columnOrder'],
                    properties: { columns: { type: 'object', additionalProperties: column }, columnOrder: { type: 'array', items: { type: 'string' } }, incompleteColumns: { type: 'object' } },
                    additionalProperties: false,
                  },
                },
              },
            },
          },
        },
        visualization: { type: 'object' },
        query: { type: 'object', required: ['query', 'language'], properties: { query: { type: 'string' }, language: { enum: ['kuery', 'lucene'] } }, additionalProperties: false },
        filters: { type: 'array' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};
const dashboard = {
  type: 'object',
  required: ['title', 'panelsJSON', 'optionsJSON', 'kibanaSavedObjectMeta'],
  properties: {
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    panelsJSON: { type: 'string' },
    optionsJSON: { type: 'string' },
    timeRestore: { type: 'boolean' },
    kibanaSavedObjectMeta: { type: 'object', required: ['searchSourceJSON'], properties: { searchSourceJSON: { type: 'string' } }, additionalProperties: false },
  },
  additionalProperties: false,
};
const panel = {
  type: 'object',
  required: ['type', 'panelIndex', 'gridData', 'embeddableConfig', 'panelRefName'],
  properties: {
    type: { const: 'lens' },
    panelIndex: { type: 'string' },
    gridData: { type: 'object', required: ['x', 'y', 'w', 'h', 'i'], properties: { x: { type: 'integer', minimum: 0 }, y: { type: 'integer', minimum: 0 }, w: { type: 'integer', minimum: 1, maximum: 48 }, h: { type: 'integer', minimum: 1 }, i: { type: 'string' } }, additionalProperties: false },
    embeddableConfig: { type: 'object' },
    panelRefName: { type: 'string' },
    title: { type: 'string' },
  },
  additionalProperties: false,
};

const ajv = new Ajv({ allErrors: true, strict: true });
const check = (schema: object, value: unknown, what: string) => {
  const validate = ajv.compile(schema);
  expect(validate(value), `${what}: ${ajv.errorsText(validate.errors)}`).toBe(true);
};

/** KQL field names of a `field : value` query (what the panels filter with). */
function kqlFields(query: string): string[] {
  return [...query.matchAll(/([A-Za-z_@][\w.@]*)\s*:/g)].map((m) => m[1]!);
}

describe('Kibana saved objects (docs/kibana/misp-enrich-dashboard.ndjson)', () => {
  it('is NDJSON of saved objects in the import format, one data view, Lens visualizations and a dashboard', () => {
    for (const o of objects) check(savedObject, o, o.id);
    expect(objects.filter((o) => o.type === 'index-pattern').map((o) => o.id)).toEqual(['misp-enrich-data-view', RETRO_VIEW]);
    expect(objects.filter((o) => o.type === 'dashboard')).toHaveLength(1);
    expect(objects.filter((o) => o.type === 'lens').length).toBeGreaterThanOrEqual(5);
    expect(objects.filter((o) => o.type === 'visualization')).toHaveLength(0);
    expect(new Set(objects.map((o) => o.id)).size).toBe(objects.length);
    // Objects come before what refers to them, as Kibana exports them.
    const seen = new Set<string>();
    for (const o of objects) {
      for (const r of o.references) expect(seen.has(r.id), `${o.id} -> ${r.id}`).toBe(true);
      seen.add(o.id);
    }
  });

  it('has a data view over the indices and data streams the README\'s pipelines write, and one over the retro-hunt\'s alerts', () => {
    const dv = byId.get('misp-enrich-data-view')!;
    check(dataView, dv.attributes, dv.id);
    for (const target of ['misp-enrich-2026.11.22', 'logs-generic-default', 'logs-misp_enrich-default']) expect(covers(dv.attributes.title, target), target).toBe(true);
    // The alerts are not events: the events' panels never count them.
    expect(covers(dv.attributes.title, 'misp-enrich-retro')).toBe(false);
    expect(mapped.get(dv.attributes.timeFieldName)?.type).toBe('date');
    const retro = byId.get(RETRO_VIEW)!;
    check(dataView, retro.attributes, retro.id);
    expect(covers(retro.attributes.title, 'misp-enrich-retro')).toBe(true);
    expect(covers(retro.attributes.title, 'misp-enrich-2026.11.22')).toBe(false);
    expect(retroMapped.get(retro.attributes.timeFieldName)?.type).toBe('date');
  });

  it('has Lens visualizations whose layers, columns and references agree', () => {
    for (const o of objects.filter((x) => x.type === 'lens')) {
      check(lens, o.attributes, o.id);
      const { layers } = o.attributes.state.datasourceStates.formBased;
      const columnIds = new Set<string>();
      for (const [layerId, layer] of Object.entries(layers) as [string, Json][]) {
        const view = o.references.find((r: Json) => r.name === `indexpattern-datasource-layer-${layerId}`);
        expect(view, `${o.id}: reference of layer ${layerId}`).toMatchObject({ type: 'index-pattern' });
        expect(['misp-enrich-data-view', RETRO_VIEW], o.id).toContain(view.id);
        expect([...layer.columnOrder].sort(), o.id).toEqual(Object.keys(layer.columns).sort());
        for (const [id, col] of Object.entries(layer.columns) as [string, Json][]) {
          columnIds.add(id);
          if (col.operationType === 'terms') expect(layer.columns[col.params.orderBy.columnId], `${o.id}: terms order`).toBeDefined();
        }
      }
      // Every column id the visualization names exists.
      const named = JSON.stringify(o.attributes.state.visualization).match(/"(?:xAccessor|splitAccessor|columnId|accessor)":"([^"]+)"|"(?:accessors|primaryGroups|metrics)":\[([^\]]*)\]/g) ?? [];
      for (const chunk of named) for (const id of chunk.match(/"([^"]+)"/g)!.slice(1)) expect(columnIds.has(id.slice(1, -1)), `${o.id}: ${id}`).toBe(true);
      for (const field of kqlFields(o.attributes.state.query.query)) expect(mappingOf(o).has(field), `${o.id}: query field ${field}`).toBe(true);
    }
  });

  it('aggregates only fields the template maps, outside nested objects, of aggregatable types', () => {
    for (const o of objects.filter((x) => x.type === 'lens')) {
      for (const layer of Object.values(o.attributes.state.datasourceStates.formBased.layers) as Json[]) {
        for (const col of Object.values(layer.columns) as Json[]) {
          if (col.sourceField === '___records___') continue;
          const field = mappingOf(o).get(col.sourceField);
          expect(field, `${o.id}: ${col.sourceField}`).toBeDefined();
          expect(field!.nestedIn, `${o.id}: ${col.sourceField} is inside ${field!.nestedIn}`).toBeUndefined();
          expect(['keyword', 'ip', 'date', 'long', 'boolean'], `${o.id}: ${col.sourceField}`).toContain(field!.type);
          const expectedType = field!.type === 'keyword' ? 'string' : field!.type === 'long' ? 'number' : field!.type;
          expect(col.dataType, `${o.id}: ${col.sourceField}`).toBe(expectedType);
        }
      }
    }
  });

  it('has a dashboard whose panels are the Lens visualizations, by reference, on a 48-column grid without overlaps', () => {
    const dash = objects.find((o) => o.type === 'dashboard')!;
    check(dashboard, dash.attributes, dash.id);
    JSON.parse(dash.attributes.optionsJSON);
    JSON.parse(dash.attributes.kibanaSavedObjectMeta.searchSourceJSON);
    const panels = JSON.parse(dash.attributes.panelsJSON) as Json[];
    expect(panels.length).toBe(objects.filter((o) => o.type === 'lens').length);
    const cells = new Set<string>();
    for (const p of panels) {
      check(panel, p, `${dash.id} panel ${p.panelIndex}`);
      expect(p.panelRefName).toBe(`panel_${p.panelIndex}`);
      expect(p.gridData.i).toBe(p.panelIndex);
      expect(p.gridData.x + p.gridData.w).toBeLessThanOrEqual(48);
      const ref = dash.references.find((r: Json) => r.name === `${p.panelIndex}:${p.panelRefName}`);
      expect(ref, `${p.panelIndex}`).toBeDefined();
      expect(byId.get(ref.id)?.type).toBe('lens');
      for (let x = p.gridData.x; x < p.gridData.x + p.gridData.w; x++) {
        for (let y = p.gridData.y; y < p.gridData.y + p.gridData.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.panelIndex} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});
