// The attribute export formats besides JSON that misp-sim serves, written as MISP's export
// classes write them: CsvExport (header, one line per attribute, PHP_EOL endings, a trailing
// empty line), TextExport (distinct values, one per line) and CountExport. The other formats of
// MispAttribute::$validFormats answer 404 "Invalid output format." here (see README).
import type { SimAttribute, SimTag } from './model.js';
import { isNumeric, isPhpArray, phpEmpty, phpValues, strval, type Php } from './php.js';
import { attributeFields } from './render.js';
import type { Params } from './rest-params.js';

/** MispAttribute::$validFormats (name → response type); misp-sim serves SERVED_FORMATS of them. */
export const VALID_FORMATS: Record<string, string> = {
  'attack-sightings': 'json', cache: 'txt', count: 'txt', csv: 'csv', hashes: 'txt', hosts: 'txt', json: 'json', kunai: 'json',
  netfilter: 'txt', opendata: 'txt', openioc: 'xml', rpz: 'txt', snort: 'txt', stix: 'xml', 'stix-json': 'json', stix2: 'json',
  suricata: 'txt', text: 'txt', xml: 'xml', yara: 'txt', 'yara-json': 'json',
};
export const SERVED_FORMATS = ['json', 'csv', 'text', 'count'] as const;
/** Exports without $non_restrictive_export default to to_ids=1 and published=1. */
export const RESTRICTIVE_FORMATS: readonly string[] = ['text'];

export const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json; charset=UTF-8',
  csv: 'text/csv; charset=UTF-8',
  txt: 'text/plain; charset=UTF-8',
};

const THREAT_LEVELS: Record<string, string> = { '1': 'High', '2': 'Medium', '3': 'Low', '4': 'Undefined' };
const DEFAULT_FIELDS = ['uuid', 'event_id', 'category', 'type', 'value', 'comment', 'to_ids', 'timestamp', 'object_relation', 'attribute_tag'];
const OBJECT_FIELDS = ['object_uuid', 'object_name', 'object_meta-category'];
const CONTEXT_FIELDS = ['event_info', 'event_member_org', 'event_source_org', 'event_distribution', 'event_threat_level_id', 'event_analysis', 'event_date', 'event_tag', 'event_timestamp'];

/** CsvExport::__escapeCSVField. */
function escapeField(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (isNumeric(v)) return String(v);
  return `"${String(v).replace(/"/g, '""')}"`;
}

function tagNames(tags: readonly SimTag[]): string {
  return tags.map((t) => t.name).join(',');
}

/** The columns CsvExport::__addMetadataToAttributeAtomic makes available (absent: not set). */
function csvRecord(a: SimAttribute): Record<string, string | number | boolean | null | undefined> {
  const e = a.event;
  // Read by column name: the attribute's own columns are those its JSON rendering has.
  return {
    ...(attributeFields(a) as Record<string, string | number | boolean | null | undefined>),
    attribute_tag: a.tags.length > 0 ? tagNames(a.tags) : undefined,
    object_uuid: a.object?.uuid || undefined,
    object_name: a.object?.uuid ? a.object.name : undefined,
    'object_meta-category': a.object?.uuid ? a.object.metaCategory : undefined,
    event_info: e.info,
    event_member_org: e.org.name,
    event_source_org: e.orgc.name,
    event_distribution: e.distribution,
    event_threat_level_id: THREAT_LEVELS[e.threatLevelId] ?? null,
    event_analysis: e.analysis,
    event_date: e.date,
    event_tag: e.tags.length > 0 ? tagNames(e.tags) : undefined,
    event_timestamp: String(e.timestamp),
  };
}

export class ExportError extends Error {}

/** CsvExport: header(), handler() per attribute, footer(). */
export function* csvExport(params: Params, attributes: Iterable<SimAttribute>): Generator<string> {
  let fields: string[];
  const requested: Php | undefined = params.requested_attributes;
  if (requested !== undefined) {
    // A non-list makes CsvExport::header() fail (PHP TypeError): MISP answers 500.
    if (!isPhpArray(requested)) throw new ExportError('requested_attributes must be a list');
    fields = phpValues(requested).map(strval);
  } else fields = [...DEFAULT_FIELDS, ...OBJECT_FIELDS];
  if (!phpEmpty(params.includeContext)) fields.push(...CONTEXT_FIELDS);
  if (phpEmpty(params.headerless)) {
    yield fields.map((f) => (f === 'timestamp' ? 'date' : f.replace(/-/g, '_'))).join(',') + '\n';
  }
  let buf = '';
  for (const a of attributes) {
    const rec = csvRecord(a);
    buf += fields.map((f) => {
      const v = rec[f];
      return v === undefined || v === null ? '""' : escapeField(v);
    }).join(',') + '\n';
    if (buf.length >= 65536) {
      yield buf;
      buf = '';
    }
  }
  yield buf + '\n';
}

/** TextExport: each distinct value once, in first-seen order, newline-terminated. */
export function* textExport(attributes: Iterable<SimAttribute>): Generator<string> {
  const seen = new Set<string>();
  for (const a of attributes) seen.add(a.value);
  yield [...seen].join('\n') + '\n';
}

/** CountExport: the number of attributes, nothing else. */
export function* countExport(attributes: Iterable<SimAttribute>): Generator<string> {
  let n = 0;
  for (const _ of attributes) n++;
  yield String(n);
}
