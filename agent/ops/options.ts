// The agent's options, declared once: each is a flag (--name), an environment variable
// (MISP_ENRICH_<NAME>) and a key in the JSON config file (camelCase). Precedence: flag, then
// environment, then file, then default. The API key is deliberately not an option: it comes from
// MISP_API_KEY or the file named by --api-key-file, so it never shows up in argv or `ps`.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { MAIN_SOURCE_NAME, MAX_SOURCES_FILE_BYTES, parseMispSources, SOURCE_NAME, SourcesFileError, type MispSourceEntry } from '../../plugin/core/config/misp-sources.js';
import { SUPPORTED_MISP_TYPES } from '../../plugin/core/ioc/index.js';
import { AgentError, ErrorCodes, type ErrorCode } from './errors.js';
import { isLevel, type Level } from './logger.js';

type Kind = 'string' | 'boolean' | 'seconds' | 'int' | 'list' | 'fraction';

export interface OptionSpec {
  name: string;
  kind: Kind;
  /** The --help line. */
  help: string;
  default?: string | number | boolean | readonly string[];
  /** The README table's meaning where it says more than `help` (markdown; links to its sections). */
  doc?: string;
  /** The README table's default where the value does not say it (a computed or long default). */
  defaultDoc?: string;
}

const SPECS = [
  { name: 'config', kind: 'string', help: 'JSON config file; keys are the camelCase option names' },
  { name: 'misp-url', kind: 'string', help: 'base URL of the main MISP instance (required unless --feed or --sources give the sources)', doc: 'base URL of the main MISP instance; required unless `--feed` or `--sources` give the sources (see "Without a MISP server")' },
  { name: 'api-key-file', kind: 'string', help: 'file holding the MISP API key (else env MISP_API_KEY)', doc: 'file holding the MISP API key (else env `MISP_API_KEY`)' },
  { name: 'memcached', kind: 'list', help: 'HOST:PORT[,HOST:PORT]: every server gets every key', default: ['127.0.0.1:11211'] },
  { name: 'interval', kind: 'seconds', help: 'seconds between incremental syncs', default: 60 },
  { name: 'full-resync', kind: 'seconds', help: 'seconds between full resyncs (removes hard deletes)', default: 3600 },
  { name: 'snapshot', kind: 'string', help: 'snapshot file: warm start and reload while MISP is down' },
  { name: 'snapshot-interval', kind: 'seconds', help: 'at most this often, rewrite the snapshot after incremental changes', default: 300 },
  { name: 'ca-file', kind: 'string', help: 'PEM file of CA certificates trusted for MISP' },
  { name: 'insecure', kind: 'boolean', help: 'do not verify the MISP TLS certificate (logs a warning)', default: false },
  { name: 'proxy', kind: 'string', help: 'HTTP(S) proxy URL for MISP requests', doc: 'HTTP(S) proxy URL for MISP requests (undici ProxyAgent): an `https://` MISP is tunnelled with CONNECT, an `http://` one is sent as absolute-form requests' },
  { name: 'metrics-listen', kind: 'string', help: 'HOST:PORT for /healthz and /metrics (off when unset)' },
  { name: 'once', kind: 'boolean', help: 'one full sync, JSON summary on stdout, then exit', default: false },
  { name: 'types', kind: 'list', help: 'MISP attribute types to sync', default: [...SUPPORTED_MISP_TYPES], defaultDoc: 'every supported type' },
  { name: 'to-ids-only', kind: 'boolean', help: 'only attributes with to_ids set', default: true },
  { name: 'published-only', kind: 'boolean', help: 'only attributes of published events', default: true },
  { name: 'tags', kind: 'list', help: 'only attributes carrying one of these tags (attribute or event; % is a wildcard)', default: [], doc: 'only attributes carrying one of these tags (attribute or event; `%` is a wildcard)' },
  { name: 'exclude-tags', kind: 'list', help: 'drop attributes carrying one of these tags (% is a wildcard)', default: [], doc: 'drop attributes carrying one of these tags (`%` is a wildcard)' },
  { name: 'warninglists', kind: 'boolean', help: "drop values on MISP's enabled warninglists (applied by the agent)", default: false },
  { name: 'max-age', kind: 'seconds', help: 'drop an attribute this many seconds after its last_seen, else its last change (0: no window)', default: 0, doc: 'drop an attribute this many seconds after its `last_seen`, else its last change, at that moment (0: no window)' },
  { name: 'decay', kind: 'boolean', help: "honour MISP's decaying models: store each attribute's decay score and drop it when the score falls under the threshold", default: false },
  { name: 'decay-model', kind: 'list', help: "ids of the decaying models to score with (default: MISP's enabled models for each type)", default: [], doc: 'ids of the decaying models to score with (needs `--decay`)', defaultDoc: "MISP's enabled models for each type" },
  { name: 'sources', kind: 'string', help: 'JSON file listing more MISP instances whose indicators join the set: [{"name", "mispUrl", "apiKeyFile", and optionally caFile, insecure, proxy, zmq, types, toIdsOnly, publishedOnly, tags, excludeTags}]', doc: `JSON file listing more MISP instances whose indicators join the set: \`[{"name", "mispUrl", "apiKeyFile"\` and optionally \`caFile\`, \`insecure\`, \`proxy\`, \`zmq\`, \`types\`, \`toIdsOnly\`, \`publishedOnly\`, \`tags\`, \`excludeTags\`}]\` (unset fields as the agent's). See "Several MISP instances"` },
  { name: 'feed', kind: 'list', help: 'NAME=LOCATION[,...]: MISP feeds (an http(s) URL or a directory in MISP\'s feed format) whose indicators join the set, named NAME in each enrichment', default: [], doc: `\`NAME=LOCATION[,...]\`: MISP feeds whose indicators join the set (an \`http(s)://\` URL or a directory in MISP's feed format); \`NAME\` is the enrichments' \`feed.name\`. See "MISP feeds"`, defaultDoc: '—' },
  { name: 'feed-interval', kind: 'seconds', help: 'seconds between reads of each feed\'s manifest', default: 3600 },
  { name: 'zmq', kind: 'string', help: "MISP's ZeroMQ publisher, tcp://HOST:PORT: apply changes as MISP publishes them", doc: "MISP's ZeroMQ publisher, `tcp://HOST:PORT`: apply changes as MISP publishes them" },
  { name: 'zmq-heartbeat', kind: 'seconds', help: 'longest silence on the ZeroMQ feed, in seconds, before the agent reconnects and syncs (MISP is silent 10 s at most)', default: 30 },
  { name: 'retro-url', kind: 'list', help: 'URL[,URL] of Elasticsearch or OpenSearch: hunt the events that came before each new indicator (retro-hunt; off when unset)', default: [], doc: 'URL[,URL] of Elasticsearch 8/9 or OpenSearch 2.4+/3: hunt the events that came before each new indicator ([Retro-hunt](#retro-hunt---retro-url)); off when unset', defaultDoc: '—' },
  { name: 'retro-indices', kind: 'list', help: 'index patterns the retro-hunt searches (its alerts index is always left out)', doc: 'index names or patterns searched; the alerts index is always left out', default: ['misp-enrich-*', 'logs-*'] },
  { name: 'retro-window', kind: 'int', help: 'days back the retro-hunt searches (never before an indicator\'s first_seen)', default: 30, doc: "days back searched (never before an indicator's `first_seen`)" },
  { name: 'retro-alerts-index', kind: 'string', help: 'index the retro-hunt writes its alerts to', doc: 'index the alerts are written to', default: 'misp-enrich-retro' },
  { name: 'retro-max-hits', kind: 'int', help: 'most alerts one indicator raises in one hunt; past it its hunt stops, counted and logged', default: 10000 },
  { name: 'retro-backfill', kind: 'boolean', help: 'hunt every stored indicator once (after installing, or after widening --retro-window); with --once, exit when done', default: false, doc: 'hunt every stored indicator once (after installing, or after widening `--retro-window`); with `--once`, exit when done' },
  { name: 'retro-fields', kind: 'list', help: 'FIELD=DATATYPE[,...] the retro-hunt reads, as the filter\'s fields option (default: the filter\'s default fields)', default: [], doc: "FIELD=DATATYPE[,...] read from the events, as the filter's `fields` (`source.ip=ip` or `[source][ip]=ip`): give the same as the filter's", defaultDoc: "the filter's default fields" },
  { name: 'retro-match', kind: 'string', help: 'how events are found: keys (the filter\'s retro_keys), fields (the events\' own fields) or both', default: 'both', doc: "`keys` (the filter's `retro_keys`), `fields` (the events' own fields) or `both` (keys, and fields where events have none)" },
  { name: 'retro-api-key-file', kind: 'string', help: 'file holding an Elasticsearch API key (the encoded form) for the retro-hunt', doc: 'file holding an Elasticsearch API key (its `encoded` form)' },
  { name: 'retro-user', kind: 'string', help: 'user name for the retro-hunt (basic auth; the password from --retro-password-file)', doc: 'user for basic authentication (with `--retro-password-file`)' },
  { name: 'retro-password-file', kind: 'string', help: 'file holding the password of --retro-user', doc: 'file holding the password of `--retro-user`' },
  { name: 'retro-ca-file', kind: 'string', help: 'PEM file of CA certificates trusted for the search engine' },
  { name: 'retro-batch-size', kind: 'int', help: 'indicators searched for in one query', default: 200 },
  { name: 'retro-concurrency', kind: 'int', help: 'hunts in flight at once (1 to 16)', default: 1 },
  { name: 'retro-rate', kind: 'int', help: 'most search requests per second', default: 10 },
  { name: 'retro-timeout', kind: 'seconds', help: 'timeout of one search engine request, in seconds (twice it for the whole exchange)', default: 30 },
  { name: 'page-size', kind: 'int', help: 'attributes per restSearch page', default: 2000 },
  { name: 'timeout', kind: 'seconds', help: 'MISP request timeout in seconds', default: 60 },
  { name: 'retries', kind: 'int', help: 'retries of a failed MISP request (exponential backoff with jitter)', default: 3 },
  { name: 'max-response-mb', kind: 'int', help: 'largest MISP response body in MiB; a larger one is aborted', default: 256, doc: `largest MISP response body in MiB; a larger one is aborted as it arrives (\`${ErrorCodes.MISP_TOO_LARGE}\`)` },
  { name: 'max-pages', kind: 'int', help: 'most pages one MISP listing may take', default: 10000, doc: `most pages one MISP listing may take (\`${ErrorCodes.MISP_PAGING}\`)` },
  { name: 'cycle-timeout', kind: 'seconds', help: 'longest sync cycle with MISP; a longer one fails and keeps the last set', default: 3600, doc: `longest sync cycle with MISP in seconds; a longer one fails and keeps the last set (\`${ErrorCodes.SYNC_TIMEOUT}\`)` },
  { name: 'max-removal-share', kind: 'fraction', help: 'a full resync that would remove more than this share of the stored attributes keeps them and fails (1: never refuse)', default: 0.5, doc: `a full resync that would remove more than this share of the stored attributes keeps them and fails (\`${ErrorCodes.MASS_REMOVAL}\`); 1 never refuses` },
  { name: 'retry-delay', kind: 'seconds', help: 'first backoff delay in seconds', default: 1 },
  { name: 'key-ttl', kind: 'seconds', help: 'memcached TTL of every key, refreshed by the agent (at least 3 × interval)', default: 86400 },
  { name: 'overlap', kind: 'seconds', help: 'incremental window overlap, covers clock skew with MISP', default: 30 },
  { name: 'memcached-timeout', kind: 'seconds', help: 'memcached operation timeout in seconds', default: 5 },
  { name: 'ha-lease', kind: 'seconds', help: 'high availability: several agents load the same memcached servers, each written only by the agent holding its lease of this many seconds (0: off, one agent)', default: 0, doc: 'high availability: several agents load the same memcached servers, each server written only by the agent holding its lease of this many seconds (3 to 3600, at least 3 × `--memcached-timeout`; 0: off). See "Several agents on the same servers"' },
  { name: 'ha-id', kind: 'string', help: "this agent's name in the HA lease (default: host name and process id)", doc: "this agent's name in the lease key `me1:lease` (needs `--ha-lease`)", defaultDoc: 'host:pid' },
  { name: 'pipeline', kind: 'int', help: 'memcached writes per batch: quiet binary-protocol commands sent as one write, the same batch to every server, one batch in flight per server (a batch is also cut at 4 MiB)', default: 2048 },
  { name: 'log-level', kind: 'string', help: 'debug, info, warn or error', default: 'info' },
] as const satisfies readonly OptionSpec[];

/**
 * Every option: its flag, kind, help and default. The parser, --help and the README's options
 * table (written by `npm run contract`, scripts/gen-contract.ts) are all made from this one list.
 */
export const OPTION_SPECS: readonly OptionSpec[] = SPECS;

type CamelName<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<CamelName<T>>}` : S;
type KindValue<K extends Kind> = K extends 'boolean' ? boolean : K extends 'list' ? string[] : K extends 'string' ? string : number;
/**
 * Each option's value as read (flag, environment, file or default) under its camelCase name,
 * typed by its kind, and possibly undefined when it has no default: derived from the list above,
 * so an option is declared once.
 */
type OptionValues = {
  -readonly [S in (typeof SPECS)[number] as CamelName<S['name']>]: S extends { default: unknown } ? KindValue<S['kind']> : KindValue<S['kind']> | undefined;
};

/** The options the agent takes as they were read (OptionValues), with their names and types. */
const AS_READ = [
  'memcached', 'interval', 'fullResync', 'snapshotInterval', 'insecure', 'once', 'types', 'toIdsOnly', 'publishedOnly', 'tags', 'excludeTags',
  'warninglists', 'maxAge', 'decay', 'zmqHeartbeat', 'feedInterval', 'pageSize', 'timeout', 'retries', 'maxResponseMb', 'maxPages', 'cycleTimeout',
  'maxRemovalShare', 'retryDelay', 'keyTtl', 'overlap', 'memcachedTimeout', 'pipeline', 'haLease',
] as const satisfies readonly (keyof OptionValues)[];

/** The agent's options: those taken as read, and those the parser turns into something else. */
export interface AgentOptions extends Pick<OptionValues, (typeof AS_READ)[number]> {
  /** The main MISP instance; null when --feed and --sources alone make the set (no MISP server of one's own). */
  mispUrl: string | null;
  apiKeyFile?: string;
  snapshot?: string;
  caFile?: string;
  proxy?: string;
  metricsListen?: { host: string; port: number };
  /** --decay-model: the decaying models' ids. */
  decayModels: string[];
  zmq?: string;
  /** --sources: more MISP instances beside --misp-url. */
  sources: MispSourceOption[];
  /** --feed: MISP feeds beside the MISP instance. */
  feeds: FeedOption[];
  haId?: string;
  logLevel: Level;
  /** The retro-hunt's options; null when --retro-url is unset. */
  retro: RetroOptions | null;
}

export interface FeedOption {
  name: string;
  /** An http(s) URL without a trailing slash, or a directory path. */
  location: string;
  kind: 'url' | 'dir';
}

/** One more MISP instance (--sources): its own URL, key, TLS and filters; the rest as the agent's. */
export interface MispSourceOption {
  name: string;
  mispUrl: string;
  apiKeyFile: string;
  caFile?: string;
  insecure: boolean;
  proxy?: string;
  /** The instance's ZeroMQ publisher, tcp://HOST:PORT: its changes applied as it publishes them. */
  zmq?: string;
  filter: { types: string[]; toIdsOnly: boolean; publishedOnly: boolean; tags: string[]; excludeTags: string[] };
}

/** What MISP's ZeroMQ_host and ZeroMQ_port give, as tcp://HOST:PORT (mispzmq.py binds TCP only). */
export const ZMQ_ENDPOINT = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/;

function mispSources(path: string | undefined, defaults: MispSourceOption['filter'] & { insecure: boolean; caFile?: string; proxy?: string }): MispSourceOption[] {
  if (path === undefined) return [];
  let entries: MispSourceEntry[];
  try {
    if (statSync(path).size > MAX_SOURCES_FILE_BYTES) throw configError(`--sources ${path}: larger than ${MAX_SOURCES_FILE_BYTES} bytes`);
    entries = parseMispSources(readFileSync(path, 'utf8'), `--sources ${path}`);
  } catch (err) {
    if (err instanceof SourcesFileError) throw err.secret ? new AgentError(ErrorCodes.API_KEY, err.message) : configError(err.message);
    if (err instanceof AgentError) throw err;
    throw configError(`cannot read --sources ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // The shape is the core's (the filter reads the same file); what only the agent uses is checked here.
  return entries.map((e, i) => {
    const where = `--sources ${path}, entry ${i + 1}`;
    httpUrl(e.mispUrl, `${where}: mispUrl`);
    const types = e.types ?? defaults.types;
    const unsupported = types.filter((t) => !SUPPORTED_MISP_TYPES.includes(t));
    if (unsupported.length > 0) throw configError(`${where}: types not matchable by the filter: ${unsupported.join(', ')}`);
    const src: MispSourceOption = {
      name: e.name,
      mispUrl: e.mispUrl,
      apiKeyFile: e.apiKeyFile,
      insecure: e.insecure ?? defaults.insecure,
      filter: {
        types, toIdsOnly: e.toIdsOnly ?? defaults.toIdsOnly, publishedOnly: e.publishedOnly ?? defaults.publishedOnly,
        tags: e.tags ?? defaults.tags, excludeTags: e.excludeTags ?? defaults.excludeTags,
      },
    };
    const caFile = e.caFile ?? defaults.caFile;
    if (caFile !== undefined) src.caFile = caFile;
    const proxy = e.proxy ?? defaults.proxy;
    if (proxy !== undefined) src.proxy = proxy;
    if (e.zmq !== undefined) {
      if (!ZMQ_ENDPOINT.test(e.zmq)) throw configError(`${where}: "zmq" must be tcp://HOST:PORT`);
      src.zmq = e.zmq;
    }
    return src;
  });
}

function feedOptions(pairs: readonly string[]): FeedOption[] {
  const out: FeedOption[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq).trim() : '';
    const location = eq > 0 ? pair.slice(eq + 1).trim() : '';
    if (!SOURCE_NAME.test(name) || !location) throw configError(`--feed: expected NAME=URL or NAME=DIRECTORY (NAME of letters, digits, . _ -), got "${pair}"`);
    if (name === MAIN_SOURCE_NAME || out.some((f) => f.name === name)) throw configError(`--feed: the name "${name}" is taken (MISP names the MISP instance; each feed needs its own name)`);
    if (/^[a-z]+:\/\//i.test(location)) {
      httpUrl(location, `--feed ${name}`);
      out.push({ name, location: location.replace(/\/+$/, ''), kind: 'url' });
    } else out.push({ name, location, kind: 'dir' });
  }
  return out;
}

export type RetroMatch = 'keys' | 'fields' | 'both';

export interface RetroOptions {
  urls: string[];
  indices: string[];
  windowDays: number;
  alertsIndex: string;
  maxHits: number;
  backfill: boolean;
  /** FIELD ref → datatype, as the filter's fields option; null: the filter's defaults. */
  fields: Record<string, string> | null;
  match: RetroMatch;
  apiKeyFile?: string;
  user?: string;
  passwordFile?: string;
  caFile?: string;
  batchSize: number;
  concurrency: number;
  rate: number;
  timeout: number;
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const envName = (name: string) => `MISP_ENRICH_${name.toUpperCase().replace(/-/g, '_')}`;

function configError(message: string): AgentError {
  return new AgentError(ErrorCodes.CONFIG, message);
}

/** An http(s) URL without credentials (MISP, a feed, the search engine); `label` names the option. */
function httpUrl(value: string, label: string, credentialsHint = ''): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${label} is not a URL: "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw configError(`${label} must be http:// or https://`);
  if (url.username || url.password) throw configError(`${label} must not carry credentials${credentialsHint}`);
}

type Raw = string | boolean | number | string[];

// Node's parseArgs does the tokenizing (`--name value`, `--name=value`, `--`, short flags); the
// rules are ours: `--no-<boolean>`, booleans given `--name=false`, the API key refused before its
// value is looked at. Non-strict, so a string option takes the next argument even when it starts
// with a dash (as `--tags -x`), and so the messages and error codes below are the agent's own.
const ARGV_OPTIONS: ParseArgsConfig['options'] = Object.fromEntries([
  ...OPTION_SPECS.map((s) => [s.name, { type: s.kind === 'boolean' ? 'boolean' : 'string' }] as const),
  ['help', { type: 'boolean' }],
  ['version', { type: 'boolean' }],
]);

function parseArgv(argv: readonly string[]): Map<string, Raw> {
  const { tokens } = parseArgs({ args: [...argv], options: ARGV_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  // Refused first, whatever else is wrong, and without echoing the value: argv is visible to
  // every local user through ps.
  if (tokens.some((t) => t.kind === 'option' && (t.name === 'api-key' || t.name === 'apikey'))) {
    throw new AgentError(ErrorCodes.API_KEY, 'the API key is never taken from the command line; set MISP_API_KEY or use --api-key-file FILE');
  }
  const out = new Map<string, Raw>();
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') throw configError(`unexpected argument "${t.value}" (options start with --)`);
    if (!t.rawName.startsWith('--')) throw configError(`unknown option ${t.rawName} (options start with --; see --help)`);
    const { name, value } = t;
    if (name === 'help' || name === 'version') {
      out.set(name, true);
      continue;
    }
    const spec = OPTION_SPECS.find((s) => s.name === name);
    if (!spec) {
      const negated = name.startsWith('no-') ? OPTION_SPECS.find((s) => s.name === name.slice(3) && s.kind === 'boolean') : undefined;
      if (negated && value === undefined) {
        out.set(negated.name, false);
        continue;
      }
      throw configError(`unknown option --${name} (see --help)`);
    }
    if (spec.kind === 'boolean') {
      out.set(spec.name, value === undefined ? true : value);
      continue;
    }
    if (value === undefined) throw configError(`option --${name} needs a value`);
    out.set(spec.name, value);
  }
  return out;
}

function readConfigFile(path: string): Map<string, Raw> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw configError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw configError(`config file ${path} must hold a JSON object`);
  const out = new Map<string, Raw>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (/^api.?key$/i.test(key)) {
      throw new AgentError(ErrorCodes.API_KEY, `config file ${path}: the API key is never read from the config file; use apiKeyFile or MISP_API_KEY`);
    }
    const spec = OPTION_SPECS.find((s) => camel(s.name) === key);
    if (!spec || spec.name === 'config') throw configError(`config file ${path}: unknown key "${key}"`);
    if (Array.isArray(value) ? !value.every((v) => typeof v === 'string') : !['string', 'number', 'boolean'].includes(typeof value)) {
      throw configError(`config file ${path}: key "${key}" must be a string, number, boolean or list of strings`);
    }
    out.set(spec.name, value as Raw);
  }
  return out;
}

function coerce(spec: OptionSpec, raw: Raw, where: string): string | number | boolean | string[] {
  switch (spec.kind) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      throw configError(`${where}: expected true or false, got "${String(raw)}"`);
    }
    case 'seconds':
    case 'int': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      const ok = spec.kind === 'int' ? Number.isInteger(n) && n >= 0 : Number.isFinite(n) && n >= 0;
      if (!ok || String(raw).trim() === '') throw configError(`${where}: expected a non-negative ${spec.kind === 'int' ? 'integer' : 'number of seconds'}, got "${String(raw)}"`);
      return n;
    }
    case 'fraction': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isFinite(n) || n < 0 || n > 1 || String(raw).trim() === '') throw configError(`${where}: expected a number from 0 to 1, got "${String(raw)}"`);
      return n;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw : String(raw).split(',');
      return items.map((s) => s.trim()).filter((s) => s.length > 0);
    }
    default:
      if (typeof raw !== 'string') throw configError(`${where}: expected a string`);
      return raw;
  }
}

export interface ParsedCommandLine {
  options: AgentOptions;
  help: boolean;
  version: boolean;
  /** What the agent should say at start about how it read its options. */
  notes: string[];
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedCommandLine {
  const flags = parseArgv(argv);
  if (flags.get('help') === true || flags.get('version') === true) {
    return { options: undefined as unknown as AgentOptions, help: flags.get('help') === true, version: flags.get('version') === true, notes: [] };
  }
  const configPath = (flags.get('config') as string | undefined) ?? env[envName('config')];
  const file = configPath ? readConfigFile(configPath) : new Map<string, Raw>();
  const values: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    let v: string | number | boolean | readonly string[] | undefined;
    if (flags.has(spec.name)) v = coerce(spec, flags.get(spec.name)!, `--${spec.name}`);
    else if (env[envName(spec.name)] !== undefined) v = coerce(spec, env[envName(spec.name)]!, `${envName(spec.name)} (--${spec.name})`);
    else if (file.has(spec.name)) v = coerce(spec, file.get(spec.name)!, `config file key "${camel(spec.name)}" (--${spec.name})`);
    else v = spec.default;
    values[camel(spec.name)] = v;
  }
  // --once syncs once and exits: a feed configured for the long-running agent (in the config file
  // or the environment) is not followed then, and said so; --zmq given with --once on the same
  // command line is a contradiction the agent refuses (Agent).
  const notes: string[] = [];
  if (values.once === true && values.zmq && !flags.has('zmq')) {
    notes.push(`--once: the ZeroMQ feed of the configuration (${String(values.zmq)}) is not followed by a one-shot sync`);
    values.zmq = undefined;
  }
  // Built from OPTION_SPECS by kind (coerce), so it has OptionValues' shape.
  return { options: validate(values as OptionValues), help: false, version: false, notes };
}

function validate(v: OptionValues): AgentOptions {
  const mispUrl = v.mispUrl;
  const otherSources = v.feed.length > 0 || v.sources !== undefined;
  if (!mispUrl && !otherSources) throw configError('--misp-url is required (or MISP_ENRICH_MISP_URL, or "mispUrl" in the config file), unless --feed or --sources give the sources');
  if (mispUrl) httpUrl(mispUrl, '--misp-url');
  else withoutMainMisp(v);
  const memcached = v.memcached;
  if (memcached.length === 0) throw configError('--memcached needs at least one HOST:PORT');
  for (const server of memcached) parseHostPort(server, '--memcached');
  if (v.proxy !== undefined) {
    try {
      new URL(v.proxy);
    } catch {
      throw configError(`--proxy is not a URL`);
    }
  }
  const types = v.types;
  const unknown = types.filter((t) => !SUPPORTED_MISP_TYPES.includes(t));
  if (unknown.length > 0) throw configError(`--types: not matchable by the filter: ${unknown.join(', ')} (supported: ${SUPPORTED_MISP_TYPES.join(', ')})`);
  if (v.interval <= 0) throw configError('--interval must be greater than 0');
  if (v.pageSize < 1) throw configError('--page-size must be at least 1');
  if (v.pipeline < 1) throw configError('--pipeline must be at least 1');
  if (v.timeout <= 0) throw configError('--timeout must be greater than 0');
  if (v.maxResponseMb < 1) throw configError('--max-response-mb must be at least 1');
  if (v.maxPages < 1) throw configError('--max-pages must be at least 1');
  if (v.cycleTimeout <= 0) throw configError('--cycle-timeout must be greater than 0');
  const keyTtl = v.keyTtl;
  // memcached reads an expiry above 30 days as an absolute Unix time.
  if (keyTtl < 1 || keyTtl > 30 * 86400) throw configError('--key-ttl must be between 1 and 2592000 seconds');
  if (keyTtl < 3 * v.interval) throw configError('--key-ttl must be at least three times --interval, so keys outlive a few missed cycles');
  const zmq = v.zmq;
  if (v.zmqHeartbeat <= 0) throw configError('--zmq-heartbeat must be greater than 0');
  const decayModels = v.decayModel;
  if (v.feedInterval <= 0) throw configError('--feed-interval must be greater than 0');
  const haLease = v.haLease;
  // Renewed every third of it, so it must outlast a few renewals and a slow memcached answer.
  if (haLease !== 0 && (haLease < 3 || haLease > 3600)) throw configError('--ha-lease must be 0 (off) or from 3 to 3600 seconds');
  if (haLease !== 0 && haLease < 3 * v.memcachedTimeout) throw configError('--ha-lease must be at least three times --memcached-timeout, so a renewal can time out and be retried in time');
  if (v.haId !== undefined && haLease === 0) throw configError('--ha-id needs --ha-lease');
  const logLevel = v.logLevel;
  if (!isLevel(logLevel)) throw configError('--log-level must be debug, info, warn or error');
  const asRead = Object.fromEntries(AS_READ.map((k) => [k, v[k]])) as Pick<OptionValues, (typeof AS_READ)[number]>;
  const out: AgentOptions = {
    ...asRead,
    mispUrl: mispUrl ? mispUrl.replace(/\/+$/, '') : null,
    decayModels,
    sources: mispSources(v.sources, {
      types, toIdsOnly: v.toIdsOnly, publishedOnly: v.publishedOnly, tags: v.tags, excludeTags: v.excludeTags,
      insecure: v.insecure, ...(v.caFile ? { caFile: v.caFile } : {}), ...(v.proxy ? { proxy: v.proxy } : {}),
    }),
    feeds: feedOptions(v.feed),
    logLevel,
    retro: retroOptions(v),
  };
  const clash = out.feeds.find((f) => out.sources.some((src) => src.name === f.name));
  if (clash) throw configError(`--feed ${clash.name}: a MISP instance of --sources has that name; each source needs its own`);
  if (v.apiKeyFile) out.apiKeyFile = v.apiKeyFile;
  if (v.snapshot) out.snapshot = v.snapshot;
  if (v.caFile) out.caFile = v.caFile;
  if (v.proxy) out.proxy = v.proxy;
  if (zmq) out.zmq = zmq;
  if (v.haId) out.haId = v.haId;
  if (v.metricsListen) out.metricsListen = parseHostPort(v.metricsListen, '--metrics-listen');
  return out;
}

/** A legal index name or pattern (Elasticsearch's rules, lower case; * allowed in patterns). */
const INDEX_NAME = /^[a-z0-9][a-z0-9_.+-]*$/;
const INDEX_PATTERN = /^-?[a-z0-9*][a-z0-9_.+*-]*$/;

/**
 * Without --misp-url the feeds and further instances make the set alone: the main instance's key
 * and ZeroMQ feed have nothing to work on, and MISP's warninglists and decaying models (which each
 * MISP instance's engine asks its own instance for) nothing either when feeds alone make the set.
 * Asking for them then is a mistake to say at start.
 */
function withoutMainMisp(v: OptionValues): void {
  const feedsAlone = v.sources === undefined;
  const needs: [string, boolean, string][] = [
    ['--api-key-file', v.apiKeyFile !== undefined, 'works on the main MISP instance, and no --misp-url is given'],
    ['--zmq', typeof v.zmq === 'string' && v.zmq !== '', 'follows the main MISP instance, and no --misp-url is given (a --sources instance takes its own "zmq")'],
    ['--warninglists', v.warninglists && feedsAlone, 'works on MISP instances, and feeds alone make the set (no --misp-url, no --sources)'],
    ['--decay', v.decay && feedsAlone, 'works on MISP instances, and feeds alone make the set (no --misp-url, no --sources)'],
  ];
  const given = needs.find(([, on]) => on);
  if (given) {
    const [flag, , why] = given;
    throw configError(`${flag} ${why}: give --misp-url or drop ${flag} (from the command line, ${envName(flag.slice(2))} or the config file's "${camel(flag.slice(2))}")`);
  }
}

function retroOptions(v: OptionValues): RetroOptions | null {
  const urls = v.retroUrl;
  const given = (['retroApiKeyFile', 'retroUser', 'retroPasswordFile', 'retroCaFile'] as const).filter((k) => v[k] !== undefined);
  if (urls.length === 0) {
    if (given.length > 0 || v.retroBackfill === true) throw configError(`--${given.length > 0 ? given[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : 'retro-backfill'} needs --retro-url`);
    return null;
  }
  for (const u of urls) httpUrl(u, '--retro-url', ' (use --retro-user and --retro-password-file, or --retro-api-key-file)');
  const indices = v.retroIndices;
  if (indices.length === 0 || indices.some((p) => !INDEX_PATTERN.test(p))) throw configError(`--retro-indices: expected index names or patterns, got "${indices.join(',')}"`);
  const alertsIndex = v.retroAlertsIndex;
  if (!INDEX_NAME.test(alertsIndex) || alertsIndex.length > 200) throw configError(`--retro-alerts-index: not an index name: "${alertsIndex}"`);
  const match = v.retroMatch;
  if (match !== 'keys' && match !== 'fields' && match !== 'both') throw configError('--retro-match must be keys, fields or both');
  if (v.retroUser !== undefined && v.retroPasswordFile === undefined) throw configError('--retro-user needs --retro-password-file');
  if (v.retroPasswordFile !== undefined && v.retroUser === undefined) throw configError('--retro-password-file needs --retro-user');
  if (v.retroApiKeyFile !== undefined && v.retroUser !== undefined) throw configError('--retro-api-key-file and --retro-user exclude each other');
  const windowDays = v.retroWindow;
  if (windowDays < 1 || windowDays > 3650) throw configError('--retro-window must be from 1 to 3650 days');
  for (const [name, min, max] of [['retroMaxHits', 1, 10_000_000], ['retroBatchSize', 1, 1000], ['retroConcurrency', 1, 16], ['retroRate', 1, 1000]] as const) {
    const n = v[name] as number;
    if (n < min || n > max) throw configError(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be from ${min} to ${max}`);
  }
  if (v.retroTimeout <= 0) throw configError('--retro-timeout must be greater than 0');
  let fields: Record<string, string> | null = null;
  const pairs = v.retroFields;
  if (pairs.length > 0) {
    fields = {};
    for (const pair of pairs) {
      const eq = pair.lastIndexOf('=');
      if (eq <= 0) throw configError(`--retro-fields: expected FIELD=DATATYPE, got "${pair}"`);
      const field = pair.slice(0, eq).trim();
      // "source.ip" or "[source][ip]": the filter's own references are bracketed.
      fields[field.startsWith('[') ? field : field.split('.').map((s) => `[${s}]`).join('')] = pair.slice(eq + 1).trim();
    }
  }
  const out: RetroOptions = {
    urls: urls.map((u) => u.replace(/\/+$/, '')),
    indices,
    windowDays,
    alertsIndex,
    maxHits: v.retroMaxHits,
    backfill: v.retroBackfill,
    fields,
    match,
    batchSize: v.retroBatchSize,
    concurrency: v.retroConcurrency,
    rate: v.retroRate,
    timeout: v.retroTimeout,
  };
  if (v.retroApiKeyFile !== undefined) out.apiKeyFile = v.retroApiKeyFile;
  if (v.retroUser !== undefined) out.user = v.retroUser;
  if (v.retroPasswordFile !== undefined) out.passwordFile = v.retroPasswordFile;
  if (v.retroCaFile !== undefined) out.caFile = v.retroCaFile;
  return out;
}

/**
 * Checks of the options that only a running agent uses (its ZeroMQ feed, its decaying models);
 * the agent runs them at start, so a bad value fails there with MISP_ENRICH_AGENT_CONFIG.
 */
export function checkRunOptions(o: AgentOptions): void {
  if (o.zmq !== undefined && !ZMQ_ENDPOINT.test(o.zmq)) throw configError(`--zmq: expected tcp://HOST:PORT, got "${o.zmq}"`);
  if (o.decayModels.some((m) => !/^\d+$/.test(m))) throw configError('--decay-model: expected decaying model ids (numbers)');
  if (o.decayModels.length > 0 && !o.decay) throw configError('--decay-model needs --decay');
}

export function parseHostPort(s: string, option: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw configError(`${option}: expected HOST:PORT, got "${s}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** The API key from MISP_API_KEY or --api-key-file; the error never contains file content. */
export function readApiKey(opts: AgentOptions, env: NodeJS.ProcessEnv): string {
  // Feeds need no key, and each further instance has its own key file.
  if (opts.mispUrl === null) return '';
  if (opts.apiKeyFile) return readKeyFile(opts.apiKeyFile, '--api-key-file');
  const key = env.MISP_API_KEY?.trim();
  if (!key) throw new AgentError(ErrorCodes.API_KEY, 'no MISP API key: set MISP_API_KEY or use --api-key-file FILE');
  return singleLine(key);
}

/**
 * A MISP API key from a file (`--api-key-file`, a --sources entry's apiKeyFile, named by
 * `label`); the error never contains the file's content.
 */
export function readKeyFile(path: string, label: string): string {
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new AgentError(ErrorCodes.API_KEY, `cannot read ${label} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (!key) throw new AgentError(ErrorCodes.API_KEY, `${label} ${path} is empty`);
  return singleLine(key);
}

function singleLine(key: string): string {
  if (/[\r\n]/.test(key)) throw new AgentError(ErrorCodes.API_KEY, 'the MISP API key must be a single line');
  return key;
}

/** A host name or address that never leaves the machine. */
function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * What is allowed but exposes the API key, said once at start: an http:// MISP off this machine
 * (the key crosses the network in clear) and a key file that other users can read.
 */
export function securityWarnings(opts: AgentOptions): { code: ErrorCode; message: string }[] {
  const out: { code: ErrorCode; message: string }[] = [];
  // The main instance and each --sources instance: its URL and its key file.
  const instances = [
    ...(opts.mispUrl === null ? [] : [{ label: '--misp-url', url: opts.mispUrl, keyLabel: '--api-key-file', keyFile: opts.apiKeyFile }]),
    ...opts.sources.map((src) => ({ label: `--sources instance ${src.name}: mispUrl`, url: src.mispUrl, keyLabel: `--sources instance ${src.name}: apiKeyFile`, keyFile: src.apiKeyFile })),
  ];
  for (const i of instances) {
    const url = new URL(i.url);
    if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
      out.push({ code: ErrorCodes.PLAIN_HTTP, message: `${i.label} ${url.protocol}//${url.host} is plain HTTP: the API key and every indicator cross the network in clear; use https://` });
    }
    if (!i.keyFile) continue;
    try {
      const mode = statSync(i.keyFile).mode;
      if ((mode & 0o007) !== 0) {
        out.push({ code: ErrorCodes.KEY_FILE_MODE, message: `${i.keyLabel} ${i.keyFile} is readable by every user (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod o-rwx it (e.g. 0640, group of the agent's user)` });
      }
    } catch {
      // Reading the key says why an unreadable file cannot be used.
    }
  }
  return out;
}

export function helpText(): string {
  const lines = ['Usage: misp-enrich-agent --misp-url URL --memcached HOST:PORT[,HOST:PORT] [options]',
    '       misp-enrich-agent --feed NAME=URL|DIR[,...] | --sources FILE --memcached HOST:PORT[,HOST:PORT] [options]   (no MISP server of your own)', '',
    'The main MISP instance\'s API key comes from the environment variable MISP_API_KEY or --api-key-file FILE; a --sources instance\'s from its apiKeyFile; feeds need none.',
    'Every option is also an environment variable MISP_ENRICH_<NAME> and a camelCase key in --config FILE.', ''];
  for (const s of OPTION_SPECS) {
    const def = s.default === undefined ? '' : ` (default: ${Array.isArray(s.default) ? (s.default.length ? s.default.join(',') : 'none') : String(s.default)})`;
    lines.push(`  --${s.name}${s.kind === 'boolean' ? '' : ' VALUE'}`.padEnd(28) + `${s.help}${def}`);
  }
  return lines.join('\n') + '\n';
}
