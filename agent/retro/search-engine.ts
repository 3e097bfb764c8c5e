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

export interface SearchEngine {
  /** "opensearch 3.8.0", "elasticsearch 9.1.2": known after connect(). */
  readonly description: string;
  /** Reaches the engine and learns which one it is (its point-in-time API differs). */
  connect(): Promise<void>;
  /**
   * A point in time over these index names and patterns (a leading "-" excludes); null when no
   * index matches, so there is nothing to search.
   */
  openPointInTime(indices: readonly string[], keepAlive: string): Promise<string | null>;
  closePointInTime(id: string): Promise<void>;
  /** One page of a search in a point in time; the engine may hand back a newer id to use next. */
  searchPage(pit: string, keepAlive: string, body: Record<string, unknown>): Promise<{ hits: SearchHit[]; pit: string }>;
  /** Creates documents under their ids; an id that exists is left as it is (counted as existing). */
  createDocuments(index: string, docs: readonly { id: string; doc: unknown }[]): Promise<BulkResult>;
  /** Creates a component or index template unless one of that name exists (never replaces one). */
  createTemplate(kind: 'component' | 'index', name: string, body: unknown): Promise<'created' | 'exists'>;
  /** Makes what was written searchable now (specs, --once). */
  refresh(index: string): Promise<void>;
  /** Aborts what is in flight; every later call fails at once. */
  close(): Promise<void>;
}
