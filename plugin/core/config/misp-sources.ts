// The file that lists further MISP instances beside the main one: the agent's --sources reads
// it to load their indicators, the filter's misp_sources reads the same file to fetch their
// events' context. One parser for both, so an entry the agent takes is one the filter takes,
// with the same names. Pure: the hosts read the file (and each instance's key file) themselves.

/** A source's name (a MISP instance or a feed): enrichments' feed.name, metrics' and logs' label, a file name, a context reference's prefix. */
export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** The name enrichments give the main MISP (--misp-url / misp_url): no source may take it. */
export const MAIN_SOURCE_NAME = 'MISP';
/** A sources file larger than this is refused unread: it lists instances, not data. */
export const MAX_SOURCES_FILE_BYTES = 1024 * 1024;
/**
 * Most instances one file may list: each costs the agent a sync per cycle and the filter a
 * context cache (context_cache_size entries) and its threads, so the count is bounded.
 */
export const MAX_SOURCES = 32;

/** One entry as written; what an entry leaves out is left to the reader's own defaults. */
export interface MispSourceEntry {
  name: string;
  mispUrl: string;
  apiKeyFile: string;
  caFile?: string;
  insecure?: boolean;
  proxy?: string;
  /** Agent only: the instance's ZeroMQ publisher and which of its attributes join the set. */
  zmq?: string;
  types?: string[];
  toIdsOnly?: boolean;
  publishedOnly?: boolean;
  tags?: string[];
  excludeTags?: string[];
}

export const SOURCE_ENTRY_KEYS: readonly string[] = [
  'name', 'mispUrl', 'apiKeyFile', 'caFile', 'insecure', 'proxy', 'zmq', 'types', 'toIdsOnly', 'publishedOnly', 'tags', 'excludeTags',
];
const KNOWN = new Set(SOURCE_ENTRY_KEYS);

/** Why a sources file was refused; `secret` when it holds an API key (never taken from such a file). */
export class SourcesFileError extends Error {
  constructor(message: string, readonly secret = false) {
    super(message);
    this.name = 'SourcesFileError';
  }
}

/**
 * The entries of a sources file's text, checked for shape: a JSON array of objects with known
 * keys, each named (SOURCE_NAME, unique, not "MISP"), with an http(s) mispUrl and an apiKeyFile.
 * `where` prefixes every message (e.g. "--sources /etc/misp-enrich/sources.json").
 */
export function parseMispSources(text: string, where: string): MispSourceEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SourcesFileError(`${where}: not valid JSON`);
  }
  if (!Array.isArray(parsed)) throw new SourcesFileError(`${where}: expected a JSON array of MISP instances`);
  // An empty list is a mistake to say: a reader would otherwise run with no source at all.
  if (parsed.length === 0) throw new SourcesFileError(`${where}: lists no MISP instance`);
  if (parsed.length > MAX_SOURCES) throw new SourcesFileError(`${where}: lists ${parsed.length} MISP instances, more than ${MAX_SOURCES}`);
  const out: MispSourceEntry[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const at = `${where}, entry ${i + 1}`;
    const raw: unknown = parsed[i];
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new SourcesFileError(`${at}: expected an object`);
    const e = raw as Record<string, unknown>;
    // The key of an instance lives in its own file, never in this one.
    if ('apiKey' in e || 'key' in e) throw new SourcesFileError(`${at}: an API key is never taken from the sources file; give apiKeyFile`, true);
    const unknown = Object.keys(e).find((k) => !KNOWN.has(k));
    if (unknown !== undefined) throw new SourcesFileError(`${at}: unknown key ${unknown} (known: ${SOURCE_ENTRY_KEYS.join(', ')})`);
    const name = typeof e.name === 'string' ? e.name : '';
    if (!SOURCE_NAME.test(name)) throw new SourcesFileError(`${at}: "name" must be letters, digits, . _ - (at most 64)`);
    if (name === MAIN_SOURCE_NAME || out.some((s) => s.name === name)) throw new SourcesFileError(`${at}: the name "${name}" is taken`);
    if (typeof e.mispUrl !== 'string' || e.mispUrl === '') throw new SourcesFileError(`${at}: "mispUrl" is required`);
    if (!/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i.test(e.mispUrl)) {
      throw new SourcesFileError(`${at}: mispUrl must be an http(s) URL with a host and no user info, query or fragment`);
    }
    if (typeof e.apiKeyFile !== 'string' || e.apiKeyFile === '') throw new SourcesFileError(`${at}: "apiKeyFile" is required`);
    const entry: MispSourceEntry = { name, mispUrl: e.mispUrl.replace(/\/+$/, ''), apiKeyFile: e.apiKeyFile };
    for (const k of ['caFile', 'proxy', 'zmq'] as const) {
      if (e[k] === undefined) continue;
      if (typeof e[k] !== 'string' || e[k] === '') throw new SourcesFileError(`${at}: "${k}" must be a non-empty string`);
      entry[k] = e[k] as string;
    }
    for (const k of ['insecure', 'toIdsOnly', 'publishedOnly'] as const) {
      if (e[k] === undefined) continue;
      if (typeof e[k] !== 'boolean') throw new SourcesFileError(`${at}: "${k}" must be true or false`);
      entry[k] = e[k] as boolean;
    }
    for (const k of ['types', 'tags', 'excludeTags'] as const) {
      if (e[k] === undefined) continue;
      const list = e[k];
      if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) throw new SourcesFileError(`${at}: "${k}" must be a list of strings`);
      entry[k] = list as string[];
    }
    out.push(entry);
  }
  return out;
}
