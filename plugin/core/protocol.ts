// The messages between a host (Java inside Logstash, or Node in tests and tools) and the core.
// Every call crosses the boundary with one string and returns one string, so the GraalJS
// sandbox needs no host access at all, and the Java side needs no polyglot types beyond a String.
// Each message is declared here and written as JSON; on the filter's path the hosts send the
// per-batch requests, and the keys answer comes back, in wire.ts's flat text instead (the same
// messages, cheaper to write and read on both sides).
//
// Log values repeat, and turning a value into its lookup keys is the core's costliest work, so
// the protocol works per value, not per event: the host keeps a memory of (datatype, value) →
// keys, and only values it has never seen cross. A batch takes at most three calls, and fewer
// when nothing is new or nothing hits:
//
//   once:    info   = enricher.describe()                        -> EnricherInfo
//   per batch, the host reads the configured fields of every event and looks each value up in
//   its memory of keys, then:
//   [1]      keys   = enricher.keys(KeysRequest)                 only if some value is new
//   host:    values = kv.getMulti(union of the batch's keys + info.meta_key)   (one round trip)
//   [2]      match  = enricher.match(MatchRequest)               only if some key held a value,
//                                                                with only the events that hit
//   host:    contexts = misp.fetch(match.event_ids)              (cached, one request per id)
//   [3]      result = enricher.finish(FinishRequest)             only if match.event_ids is not
//                                                                empty (else match.result is it)
//
// Between match and finish the enricher holds that one batch's state; a host calls them in this
// order on one enricher, one batch at a time (the Java shell gives each worker its own Context).
// Caches that outlive a batch (the value memory, MISP contexts, the meta value) are the host's,
// shared by its workers.

import type { Datatype } from './ioc/index.js';

/** What the host must know once, from `describe()`. */
export interface EnricherInfo {
  /** The configured fields, in order: the host reads `ref` from each event. */
  fields: { ref: string; datatype: Datatype }[];
  /** The key the agent keeps its status and CIDR prefix lengths under: fetched with every lookup. */
  meta_key: string;
  /** Applied to every event that did not match (null: such events leave unchanged). */
  unmatched: EventEdit | null;
  /** Applied to every event that needed a lookup when no key-value server could answer. */
  lookup_failed: EventEdit;
  /**
   * With retro_keys: the field to set on every event (`field`), to `marker` followed by the union
   * of its values' hunt keys (KeysResponse.hunt), in field order, each once. Null when off.
   */
  retro_keys: { field: string; marker: string } | null;
  /**
   * The further MISP instances of misp_sources, as the file gives them: the host fetches
   * "<name>:<id>" event references (MatchResponse.event_ids) from the instance of that name, with
   * the key read from api_key_file, its own CA file, verification and proxy where it gives them
   * and the host's own settings where it does not.
   */
  misp_instances: { name: string; url: string; api_key_file: string; ca_file: string | null; insecure: boolean | null; proxy: string | null }[];
}

export interface KeysRequest {
  /**
   * The meta value the keys are for: the last value the host read under `meta_key`, "" if the
   * server had no such key, null if the host has not looked yet (then every CIDR prefix length
   * is probed, so the first batch after start-up misses nothing).
   */
  meta: string | null;
  /** New values per datatype, as read from events (strings only). */
  values: Partial<Record<Datatype, string[]>>;
}

export interface KeysResponse {
  /**
   * Names what the keys depend on besides the value (key scheme, CIDR prefix lengths in use).
   * While it stays the same for a new meta value, the host's memory stays valid; when it
   * changes, the host forgets every remembered value.
   */
  plan: string;
  /**
   * keys[datatype][i] for values[datatype][i]: the keys to look up; [] for a value with nothing to
   * look up (blank), which is not counted; null for a value that does not parse as its datatype,
   * which is counted as invalid.
   */
  keys: Partial<Record<Datatype, (string[] | null)[]>>;
  /**
   * With retro_keys only: hunt[datatype][i], the keys a retro-hunt finds values[datatype][i] by
   * (ioc/hunt.ts), null or [] as in `keys`. They do not depend on the meta value or the plan.
   */
  hunt?: Partial<Record<Datatype, (string[] | null)[]>>;
}

/** One event with at least one value whose keys held something. */
export interface MatchEvent {
  /** The event's index in the batch. */
  index: number;
  /**
   * [field index in EnricherInfo.fields, value], for each of the event's values with a key that
   * held something, in field order, then in the order of the field's array.
   */
  values: [field: number, raw: string][];
}

export interface MatchRequest {
  /** The meta value the keys of these values were computed for (KeysRequest.meta). */
  meta: string | null;
  /** The events that hit, in batch order. */
  events: MatchEvent[];
  /** Every key of the batch (meta_key aside) that held a value, with that value. */
  found: Record<string, string>;
  /** The time of the enrichment, ISO 8601 (matched.occurred). */
  now: string;
}

export interface MatchResponse {
  /**
   * The MISP events whose context the host should fetch, then pass to finish(), by reference:
   * an event id of the main MISP (misp_url), or "<instance>:<event id>" for an instance of
   * EnricherInfo.misp_instances (enrich/misp-instance.ts).
   */
  event_ids: string[];
  /** Present when there is nothing to fetch: the batch's result, and finish() is not called. */
  result?: FinishResponse;
}

export interface FinishRequest {
  /**
   * contexts[ref], for each reference of MatchResponse.event_ids: the MISP event as returned inside `{"Event": ...}` by events/restSearch with
   * metadata only, or that JSON text as MISP sent it (the core reads a text once and remembers
   * what it read while the same text comes again), or null if it could not be fetched (the hit
   * is still written, and tagged).
   */
  contexts: Record<string, unknown | null>;
}

/** What to do to one event. */
export interface EventEdit {
  /** Values to append to array fields: existing values are kept, a non-array value becomes its first element. */
  append: [fieldRef: string, values: unknown[]][];
  /** Fields to set, replacing what was there. */
  set: [fieldRef: string, value: unknown][];
  /** Tags to add to the event's `tags` field (no duplicates). */
  tags: string[];
  /** True if the event had a hit: the host reports it with filterMatched. */
  matched: boolean;
}

/** The edit of one event of the batch; events of MatchRequest.events that are not listed did not match. */
export interface EventChange extends EventEdit {
  /** Index of the event in the batch. */
  index: number;
}

export interface MatchStats {
  /** Enrichments written (one per matched MISP attribute per value). */
  hits: number;
  matched_events: number;
  /** Matched events tagged because a MISP context could not be fetched. */
  fetch_failures: number;
  /** Stored values that were not summaries of this format (corrupt or foreign). */
  bad_values: number;
  /**
   * Stored attributes left out because they had expired at `now` (their decay score under the
   * model's threshold, or out of the agent's --max-age window) while still in the store. Always
   * set by the core; optional so that hosts' own counters extending this type need not carry it.
   */
  expired?: number;
}

/**
 * One MISP attribute that matched in a batch: [attribute uuid, MISP event id, the number of the
 * batch's events it matched]. What a host reports to MISP as sightings (filter option sightings).
 */
export type AttributeHit = [uuid: string, eventId: string, events: number];

export interface FinishResponse {
  changes: EventChange[];
  stats: MatchStats;
  /** Every attribute that matched in this batch, once, in order of first match. */
  attributes: AttributeHit[];
}
