// The options the core itself uses, validated once at start-up. The host owns the others
// (memcached hosts, timeouts, TLS, caches) and passes only these, under their Logstash names.
import { DATATYPES, isDatatype, type Datatype } from '../ioc/index.js';
import { CORE_OPTION_NAMES, optionChoices, optionDefault } from '../contract/filter-options.js';
import { configError } from '../errors.js';
import { DEFAULT_FIELDS } from './default-fields.js';
import { dottedName, parseFieldRef } from './field-ref.js';
import { parseMispSources, SourcesFileError, type MispSourceEntry } from './misp-sources.js';

export interface FieldSpec {
  /** As written in the configuration, e.g. "[destination][ip]". */
  ref: string;
  /** ECS dotted name, e.g. "destination.ip", for matched.field. */
  name: string;
  datatype: Datatype;
}

/** ECS modes: v1 and v8 write the same threat.enrichments (ECS 1.11 introduced them). */
export type EcsCompatibility = 'v1' | 'v8' | 'disabled';

export interface EnricherConfig {
  fields: FieldSpec[];
  ecsCompatibility: EcsCompatibility;
  fetchContext: boolean;
  /** MISP base URL without trailing slash, for indicator.reference; null when not configured. */
  mispUrl: string | null;
  /**
   * Where the output goes, as a field reference "[a][b]": the array enrichments are appended to
   * (ECS modes, default [threat][enrichments]), or the object holding hit, tag and eventinfo
   * (ecs_compatibility disabled, default [misp]).
   */
  target: string;
  /** Tags of an event whose lookup failed (tag_on_failure), and of hits without MISP context (tag_on_fetch_failure). */
  tagOnFailure: string[];
  tagOnFetchFailure: string[];
  /** retro_keys: every event gets the retro-hunt keys of its values under RETRO_KEYS_FIELD. */
  retroKeys: boolean;
  /**
   * misp_sources: the further MISP instances whose events' context the host fetches too (the
   * agent's --sources file), by name. Empty when not configured.
   */
  instances: MispSourceEntry[];
}

export interface EnricherOptions {
  fields?: Record<string, unknown> | null;
  ecs_compatibility?: unknown;
  fetch_context?: unknown;
  misp_url?: unknown;
  target?: unknown;
  tag_on_failure?: unknown;
  tag_on_fetch_failure?: unknown;
  retro_keys?: unknown;
  /** The text of the misp_sources file (the host reads it), or null. */
  misp_sources?: unknown;
}

/** The options the core reads, as the contract declares them (contract/filter-options.ts). */
const KNOWN = new Set<string>(CORE_OPTION_NAMES);
/**
 * Where retro_keys writes each event's hunt keys: a fixed place, because the shipped templates map
 * it and the agent's retro-hunt searches it, whatever `target` says.
 */
export const RETRO_KEYS_FIELD = '[misp_enrich][keys]';
export const DEFAULT_ECS_TARGET = '[threat][enrichments]';
export const DEFAULT_LEGACY_TARGET = '[misp]';
const ECS_CHOICES = optionChoices('ecs_compatibility') as readonly EcsCompatibility[];

/** A tag_on_* option: unset, its default as the contract declares it. */
function tagsOption(name: 'tag_on_failure' | 'tag_on_fetch_failure', raw: unknown): string[] {
  if (raw === undefined || raw === null) return [...(optionDefault(name) as readonly string[])];
  if (!Array.isArray(raw) || !raw.every((t) => typeof t === 'string' && t.trim() !== '')) {
    throw configError(name, 'must be an array of non-empty tags');
  }
  return raw as string[];
}

function targetOption(raw: unknown, ecs: EcsCompatibility): string {
  if (raw === undefined || raw === null) return ecs === 'disabled' ? DEFAULT_LEGACY_TARGET : DEFAULT_ECS_TARGET;
  const segments = typeof raw === 'string' ? parseFieldRef(raw) : null;
  if (!segments) throw configError('target', `'${String(raw)}' is not a field reference (write it as [a][b])`);
  if (segments[0] === '@metadata' && segments.length === 1) throw configError('target', 'must name a field, not [@metadata] itself');
  // Always in bracket form, so output fields are built by appending "[name]".
  return segments.map((s) => `[${s}]`).join('');
}

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
  const ecs = (options.ecs_compatibility ?? 'v8') as EcsCompatibility;
  if (!ECS_CHOICES.includes(ecs)) {
    const quoted = ECS_CHOICES.map((c) => `'${c}'`);
    throw configError('ecs_compatibility', `must be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}, not '${String(ecs)}'`);
  }
  const fetch = options.fetch_context ?? optionDefault('fetch_context');
  if (typeof fetch !== 'boolean') throw configError('fetch_context', 'must be true or false');
  const retroKeys = options.retro_keys ?? optionDefault('retro_keys');
  if (typeof retroKeys !== 'boolean') throw configError('retro_keys', 'must be true or false');
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
    target: targetOption(options.target, ecs),
    tagOnFailure: tagsOption('tag_on_failure', options.tag_on_failure),
    tagOnFetchFailure: tagsOption('tag_on_fetch_failure', options.tag_on_fetch_failure),
    retroKeys,
    instances: instancesOption(options.misp_sources),
  };
}

function instancesOption(raw: unknown): MispSourceEntry[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'string') throw configError('misp_sources', 'must be the text of a sources file');
  try {
    return parseMispSources(raw, 'the file');
  } catch (err) {
    if (err instanceof SourcesFileError) throw configError('misp_sources', err.message);
    throw err;
  }
}
