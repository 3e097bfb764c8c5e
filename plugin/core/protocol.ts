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

// The answers the host reads as JSON (describe, match, finish) are declared once in
// contract/core-answers.ts, from which both the types here and the Java shell's records are
// generated (npm run contract).
export type {
  AttributeHit, EnricherInfo, EventChange, EventEdit, FieldSpec, FieldValue, FieldValues, FinishResponse, MatchResponse, MatchStats, MispInstance, RetroKeys,
} from './contract/core-answers.generated.js';

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

export interface FinishRequest {
  /**
   * contexts[ref], for each reference of MatchResponse.event_ids: the MISP event as returned inside `{"Event": ...}` by events/restSearch with
   * metadata only, or that JSON text as MISP sent it (the core reads a text once and remembers
   * what it read while the same text comes again), or null if it could not be fetched (the hit
   * is still written, and tagged).
   */
  contexts: Record<string, unknown | null>;
}

