// The retro-hunt's port to a search engine: what it asks of Elasticsearch or OpenSearch, whatever
// the engine. rest-engine.ts implements it over both engines' REST APIs; a spec can put anything
// else behind it.

/** One event found: where it is, its _source (filtered to the fields asked for) and its sort values. */
export interface SearchHit {
  index: string;
  id: string;
  source: Record<string, unknown>;
  sort: unknown[];
}

export interface BulkResult {
  /** Documents written now. */
  created: number;
  /** Documents whose id was there already (written by an earlier hunt): left as they were. */
  existing: number;
  /** Documents the engine refused, with the first reason. */
  failed: number;
  firstError?: string;
}

/** A search paged through in a consistent view of the indices, from its first page to its last. */
export interface Scan {
  /** The next page; empty when there is no more. */
  next(): Promise<SearchHit[]>;
  /** Frees the engine's context (also when the scan was not read to its end). */
  close(): Promise<void>;
}

export interface SearchEngine {
  /** "opensearch 3.8.0", "elasticsearch 9.1.2": known after connect(). */
  readonly description: string;
  /** Reaches the engine and learns which one it is (they page differently). */
  connect(): Promise<void>;
  /**
   * Every event of these index names and patterns (a leading "-" excludes) that `query` finds,
   * page by page, each page at most `size` events with the `_source` fields asked for.
   */
  scan(indices: readonly string[], request: { query: unknown; source: readonly string[]; size: number }): Promise<Scan>;
  /** The indices among these names and patterns holding events that `query` finds. */
  indicesWith(indices: readonly string[], query: unknown): Promise<string[]>;
  /** Creates documents under their ids; an id that exists is left as it is (counted as existing). */
  createDocuments(index: string, docs: readonly { id: string; doc: unknown }[]): Promise<BulkResult>;
  /** Creates a component or index template unless one of that name exists (never replaces one). */
  createTemplate(kind: 'component' | 'index', name: string, body: unknown): Promise<'created' | 'exists'>;
  /** Creates the index where missing (its templates apply then) and answers its mapping's properties. */
  ensureIndex(index: string): Promise<Record<string, unknown>>;
  /** Makes what was written searchable now (specs, --once). */
  refresh(index: string): Promise<void>;
  /** Aborts what is in flight; every later call fails at once. */
  close(): Promise<void>;
}
