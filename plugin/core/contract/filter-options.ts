// The misp_enrich filter's options, declared once. `npm run contract` (scripts/gen-contract.ts)
// writes from this list the Java shell's option specs (plugin/java/filter/.../config/Options.java)
// and the options table of docs/index.asciidoc; spec/project/contract.spec.ts fails when either
// is stale or was edited by hand. The core takes its own options' names and defaults from here.
// What an option does, its range checks and the rules across options stay with the code that
// uses it (Settings.java for the shell's, config/options.ts for the core's). Pure data: no I/O.

/** Logstash's value types of plugin options, as PluginConfigSpec declares them. */
export type OptionType = 'array' | 'boolean' | 'float' | 'hash' | 'number' | 'password' | 'string' | 'uri';

export interface FilterOption {
  name: string;
  type: OptionType;
  /** Logstash's default for the option; none when absent (then unset means "not configured"). */
  default?: string | number | boolean | readonly string[];
  /** Who reads it: the core (createEnricher's options), the Java shell alone, or both. */
  owner: 'core' | 'shell' | 'both';
  /** The docs' value type where it says more than the type: a field reference, a path. */
  docType?: string;
  /** The values a number option may take, inclusive (the shell refuses others). */
  range?: readonly [min: number, max: number];
  /** The values a string option (or each element of an array option) may take, with what each does. */
  choices?: readonly { value: string; doc?: string }[];
  /** The docs' default bullet where a literal default does not say it (text after "  * "; may wrap). */
  defaultDoc?: string;
  /** Why it is declared as it is, where that is not obvious (the Java constant's comment). */
  note?: string;
}

export const FILTER_OPTIONS = [
  { name: 'memcached_hosts', type: 'array', default: ['127.0.0.1:11211'], owner: 'shell' },
  { name: 'memcached_timeout', type: 'float', default: 0.5, range: [0.001, 60], owner: 'shell' },
  { name: 'memcached_max_value_bytes', type: 'number', default: 1_048_576, range: [1_024, 134_217_728], owner: 'shell' },
  { name: 'misp_url', type: 'uri', owner: 'both' },
  { name: 'misp_api_key', type: 'password', owner: 'shell' },
  { name: 'misp_timeout', type: 'float', default: 5.0, range: [0.001, 600], owner: 'shell' },
  { name: 'misp_max_response_bytes', type: 'number', default: 16_777_216, range: [1_024, 1_073_741_824], owner: 'shell' },
  { name: 'proxy', type: 'uri', owner: 'shell' },
  { name: 'fetch_context', type: 'boolean', default: true, owner: 'both' },
  { name: 'context_cache_size', type: 'number', default: 10_000, range: [0, 10_000_000], owner: 'shell' },
  { name: 'context_cache_ttl', type: 'float', default: 300.0, range: [0, 604_800], owner: 'shell' },
  { name: 'context_failure_ttl', type: 'float', default: 15.0, range: [0, 3_600], owner: 'shell', note: 'How long a failed context fetch is remembered: a MISP down costs one timeout per this, not one per batch.' },
  { name: 'misp_sources', type: 'string', owner: 'both', note: 'The agent\'s --sources file: further MISP instances whose events\' context is fetched from them (the shell reads the file, the core what it says).' },
  { name: 'ssl_verification_mode', type: 'string', default: 'full', owner: 'shell', choices: [
    { value: 'full', doc: "verify the MISP server's certificate chain and host name" },
    { value: 'none', doc: 'verify nothing (a warning is logged at start-up; testing only)' },
  ] },
  { name: 'ssl_certificate_authorities', type: 'array', default: [], owner: 'shell' },
  { name: 'ssl_certificate', type: 'string', owner: 'shell', docType: '<<path,path>>' },
  { name: 'ssl_key', type: 'string', owner: 'shell', docType: '<<path,path>>' },
  { name: 'ssl_supported_protocols', type: 'array', default: [], owner: 'shell', choices: [{ value: 'TLSv1.2' }, { value: 'TLSv1.3' }],
    defaultDoc: "There is no default value for this setting: the JVM's defaults." },
  { name: 'ssl_cipher_suites', type: 'array', default: [], owner: 'shell', defaultDoc: "There is no default value for this setting: the JVM's defaults." },
  { name: 'fields', type: 'hash', owner: 'core', defaultDoc: `There is no default value: without it the filter reads the ECS fields \`[source][ip]\`,
    \`[destination][ip]\`, \`[client][ip]\`, \`[server][ip]\`, \`[source][domain]\`,
    \`[destination][domain]\`, \`[client][domain]\`, \`[server][domain]\`, \`[url][domain]\`,
    \`[url][full]\`, \`[url][original]\`, \`[dns][question][name]\`, \`[file][hash][md5]\`,
    \`[file][hash][sha1]\`, \`[file][hash][sha256]\`, \`[file][hash][sha512]\`,
    \`[email][from][address]\` and \`[email][to][address]\`` },
  { name: 'ecs_compatibility', type: 'string', owner: 'core', choices: [
    { value: 'disabled', doc: "write the original MISP recipe's fields (`hit`, `tag`, `eventinfo` under `target`, by default `[misp]`)" },
    { value: 'v1', doc: 'the same as `v8` (ECS 1.11 introduced these fields)' },
    { value: 'v8', doc: 'write ECS `threat.enrichments` (`threat.enrichments.indicator`, `threat.enrichments.matched`)' },
  ], defaultDoc: "Default value is Logstash's `pipeline.ecs_compatibility` (`v8` unless set)",
    note: 'No default here: unset means the pipeline\'s pipeline.ecs_compatibility (see EcsCompatibility).' },
  { name: 'target', type: 'string', owner: 'core', docType: '<<field_reference,field_reference>>',
    defaultDoc: 'Default value is `"[threat][enrichments]"` with ECS (`v1`, `v8`), `"[misp]"` with `ecs_compatibility => disabled`' },
  { name: 'retro_keys', type: 'boolean', default: false, owner: 'core', note: 'Writes each event\'s retro-hunt keys to [misp_enrich][keys] (the core decides which keys).' },
  { name: 'tag_on_failure', type: 'array', default: ['_misp_enrich_lookup_failure'], owner: 'core' },
  { name: 'tag_on_fetch_failure', type: 'array', default: ['_misp_enrich_fetch_failure'], owner: 'core' },
  { name: 'tag_on_apply_failure', type: 'array', default: ['_misp_enrich_apply_failure'], owner: 'shell' },
  { name: 'tag_on_core_failure', type: 'array', default: ['_misp_enrich_core_failure'], owner: 'shell' },
  { name: 'sightings', type: 'boolean', default: false, owner: 'shell' },
  { name: 'sightings_source', type: 'string', default: 'misp-enrich', owner: 'shell' },
  { name: 'sightings_interval', type: 'float', default: 60.0, range: [1, 3_600], owner: 'shell' },
  { name: 'sightings_max_attributes', type: 'number', default: 10_000, range: [1, 1_000_000], owner: 'shell' },
  { name: 'sightings_max_per_attribute', type: 'number', default: 1, range: [1, 1_000], owner: 'shell' },
  { name: 'value_cache_size', type: 'number', default: 100_000, range: [0, 100_000_000], owner: 'shell' },
  { name: 'max_value_length', type: 'number', default: 8_192, range: [1, 1_048_576], owner: 'shell' },
  { name: 'max_values_per_field', type: 'number', default: 100, range: [1, 100_000], owner: 'shell' },
] as const satisfies readonly FilterOption[];

export type FilterOptionName = (typeof FILTER_OPTIONS)[number]['name'];

function declared(name: FilterOptionName): FilterOption {
  return (FILTER_OPTIONS as readonly FilterOption[]).find((o) => o.name === name)!;
}

/** The values an option with choices may take, in the contract's order. */
export function optionChoices(name: FilterOptionName): readonly string[] {
  return (declared(name).choices ?? []).map((c) => c.value);
}

/** The options the core reads (createEnricher's options object). */
export const CORE_OPTION_NAMES: readonly FilterOptionName[] = FILTER_OPTIONS.filter((o) => o.owner !== 'shell').map((o) => o.name);

/** An option's declared default (undefined when it has none). */
export function optionDefault(name: FilterOptionName): FilterOption['default'] {
  return declared(name).default;
}
