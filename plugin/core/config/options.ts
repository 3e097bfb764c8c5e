// The options the core itself uses, validated once at start-up. The host owns the others
// (memcached hosts, timeouts, TLS, caches) and passes only these, under their Logstash names.
import { DATATYPES, isDatatype, type Datatype } from '../ioc/index.js';
import { configError } from '../errors.js';
import { DEFAULT_FIELDS } from './default-fields.js';
import { dottedName, parseFieldRef } from './field-ref.js';

export interface FieldSpec {
  /** As written in the configuration, e.g. "[destination][ip]". */
  ref: string;
  /** ECS dotted name, e.g. "destination.ip", for matched.field. */
  name: string;
  datatype: Datatype;
}

export type EcsCompatibility = 'v8' | 'disabled';

export interface EnricherConfig {
  fields: FieldSpec[];
  ecsCompatibility: EcsCompatibility;
  fetchContext: boolean;
  /** MISP base URL without trailing slash, for indicator.reference; null when not configured. */
  mispUrl: string | null;
}

export interface EnricherOptions {
  fields?: Record<string, unknown> | null;
  ecs_compatibility?: unknown;
  fetch_context?: unknown;
  misp_url?: unknown;
}

const KNOWN = new Set(['fields', 'ecs_compatibility', 'fetch_context', 'misp_url']);

function parseFields(raw: Record<string, unknown> | null | undefined): FieldSpec[] {
  const source = raw ?? DEFAULT_FIELDS;
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw configError('fields', 'must be a hash of field reference => datatype');
  }
  const entries = Object.entries(source);
  if (entries.length === 0) throw configError('fields', 'must name at least one field');
  return entries.map(([ref, datatype]) => {
    const segments = parseFieldRef(ref);
    if (!segments) {
      throw configError('fields', `'${ref}' is not a field reference (write it as [a][b])`);
    }
    if (!isDatatype(datatype)) {
      throw configError(
        'fields',
        `'${ref}' has datatype '${String(datatype)}'; expected one of ${DATATYPES.join(', ')}`,
      );
    }
    return { ref, name: dottedName(segments), datatype };
  });
}

export function parseOptions(options: EnricherOptions): EnricherConfig {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw configError(key, 'is not an option of the core');
  }
  const ecs = options.ecs_compatibility ?? 'v8';
  if (ecs !== 'v8' && ecs !== 'disabled') {
    throw configError('ecs_compatibility', `must be 'v8' or 'disabled', not '${String(ecs)}'`);
  }
  const fetch = options.fetch_context ?? true;
  if (typeof fetch !== 'boolean') throw configError('fetch_context', 'must be true or false');
  let mispUrl: string | null = null;
  if (options.misp_url !== undefined && options.misp_url !== null && options.misp_url !== '') {
    if (typeof options.misp_url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(options.misp_url)) {
      throw configError('misp_url', 'must be an http:// or https:// URL');
    }
    mispUrl = options.misp_url.replace(/\/+$/, '');
  }
  return {
    fields: parseFields(options.fields as Record<string, unknown> | null | undefined),
    ecsCompatibility: ecs,
    fetchContext: fetch,
    mispUrl,
  };
}
