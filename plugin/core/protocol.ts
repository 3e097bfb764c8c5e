// The JSON messages a host (Java inside Logstash, or Node in tests and tools) exchanges with
// the core. Every call crosses the boundary with one string and returns one string, so the
// GraalJS sandbox needs no host access at all, and the Java side needs no polyglot types beyond
// a String. A batch takes exactly three calls, whatever its size:
//
//   plan   = core.begin(BeginRequest)      -> BeginResponse   (keys to multi-get)
//   host:    values = kv.getMulti(keys)                        (one round trip)
//   match  = plan.lookup(LookupRequest)    -> LookupResponse  (MISP events needing context)
//   host:    contexts = misp.fetch(ids)                        (cached, one request per id)
//   result = plan.finish(FinishRequest)    -> FinishResponse  (per-event changes)
//
// `begin` returns a JS object holding the batch's state between the calls; it lives only as long
// as the batch. Caches that outlive a batch (MISP contexts, the meta key) are the host's.

/** One field value as read from the event: a string, an array of them, or anything else. */
export type FieldValue = unknown;

export interface BeginRequest {
  /** events[i][j]: the value of fieldRefs()[j] in event i (null or absent if the field is not set). */
  events: FieldValue[][];
  /**
   * The last value the host saw under META_KEY: null if it has never looked (every CIDR prefix
   * length is probed), "" if memcached had no such key, else the stored JSON.
   */
  meta: string | null;
}

export interface BeginResponse {
  /** Distinct memcached keys to fetch for the whole batch, META_KEY included when non-empty. */
  keys: string[];
}

export interface LookupRequest {
  /** values[k]: the value stored under keys[k], or null on a miss. Absent if `error` is set. */
  values?: (string | null)[];
  /** Set when the key-value store could not answer: every event that needed a lookup is tagged. */
  error?: string;
}

export interface LookupResponse {
  /** MISP event ids whose context the host should fetch (empty when fetch_context is off). */
  event_ids: string[];
  /**
   * The meta value this lookup read, for the host to remember for the next batch (see
   * BeginRequest.meta). Absent when no lookup ran or it failed: the host then keeps what it has,
   * so a worker never overwrites a newer value with its batch's older one.
   */
  meta?: string;
}

export interface FinishRequest {
  /**
   * contexts[id]: the MISP event as returned inside `{"Event": ...}` by events/restSearch with
   * metadata only, or null if it could not be fetched (the hit is still written, and tagged).
   */
  contexts: Record<string, unknown | null>;
  /** The time the enrichment happened, ISO 8601 (matched.occurred). */
  now: string;
}

/** A change for one event; events not listed leave the filter exactly as they came in. */
export interface EventChange {
  /** Index of the event in BeginRequest.events. */
  index: number;
  /** Values to append to array fields: existing values are kept, a non-array value becomes its first element. */
  append: [fieldRef: string, values: unknown[]][];
  /** Fields to set, replacing what was there. */
  set: [fieldRef: string, value: unknown][];
  /** Tags to add to the event's `tags` field (no duplicates). */
  tags: string[];
  /** True if the event had a hit: the host reports it with filterMatched. */
  matched: boolean;
}

export interface BatchStats {
  events: number;
  values: number;
  invalid_values: number;
  keys: number;
  hits: number;
  matched_events: number;
  lookup_failures: number;
  fetch_failures: number;
  bad_values: number;
}

export interface FinishResponse {
  changes: EventChange[];
  stats: BatchStats;
}
