// Generated from plugin/core/contract/core-answers.ts by scripts/gen-contract.ts (npm run contract): do not edit.

import type { Datatype } from '../ioc/index.js';

/** Values to append to one array field. */
export type FieldValues = [fieldRef: string, values: unknown[]];

/** A value to set one field to. */
export type FieldValue = [fieldRef: string, value: unknown];

/** What to do to one event. */
export interface EventEdit {
  /**
   * Values to append to array fields: existing values are kept, a non-array value becomes its
   * first element.
   */
  append: FieldValues[];
  /** Fields to set, replacing what was there. */
  set: FieldValue[];
  /** Tags to add to the event's `tags` field (no duplicates). */
  tags: string[];
  /** True if the event had a hit: the host reports it with filterMatched. */
  matched: boolean;
}

/**
 * The edit of one event of the batch; events of MatchRequest.events that are not listed did not
 * match.
 */
export interface EventChange extends EventEdit {
  /** Index of the event in the batch. */
  index: number;
}

/** A batch's counts, for the host's metrics. */
export interface MatchStats {
  /** Enrichments written (one per matched MISP attribute per value). */
  hits: number;
  /** Events with at least one enrichment. */
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
 * One MISP attribute that matched in a batch: what a host reports to MISP as sightings (filter
 * option sightings).
 */
export type AttributeHit = [uuid: string, eventId: string, events: number];

/** A batch's result: the edits, the counts and the attributes that matched. */
export interface FinishResponse {
  /** The edit of each event that matched, in batch order. */
  changes: EventChange[];
  /** The batch's counts. */
  stats: MatchStats;
  /** Every attribute that matched in this batch, once, in order of first match. */
  attributes: AttributeHit[];
}

/** The answer to match(): the MISP events to fetch, or the batch's result at once. */
export interface MatchResponse {
  /**
   * The MISP events whose context the host should fetch, then pass to finish(), by reference: an
   * event id of the main MISP (misp_url), or "<instance>:<event id>" for an instance of
   * EnricherInfo.misp_instances (enrich/misp-instance.ts).
   */
  event_ids: string[];
  /** Present when there is nothing to fetch: the batch's result, and finish() is not called. */
  result?: FinishResponse;
}

/** One configured field. */
export interface FieldSpec {
  /** The field reference the host reads from each event. */
  ref: string;
  /** What its values are (the host only groups values by it). */
  datatype: Datatype;
}

/**
 * retro_keys: the field set on every event to `marker` followed by the union of its values' hunt
 * keys (KeysResponse.hunt), in field order, each once.
 */
export interface RetroKeys {
  /** The field reference written. */
  field: string;
  /** The first element, before the event's hunt keys. */
  marker: string;
}

/**
 * A further MISP instance of misp_sources, as the file gives it: the host fetches "<name>:<id>"
 * references from it, with the key read from api_key_file, its own CA file, verification and proxy
 * where it gives them and the host's own settings where it does not.
 */
export interface MispInstance {
  /** The instance's name in references. */
  name: string;
  /** Its base URL. */
  url: string;
  /** The file holding its API key. */
  api_key_file: string;
  /** Its CA file, or null for the host's ssl_certificate_authorities. */
  ca_file: string | null;
  /** True to skip verification; null for the host's ssl_verification_mode. */
  insecure: boolean | null;
  /** Its proxy, or null for the host's proxy. */
  proxy: string | null;
}

/** What the host must know once, from `describe()`. */
export interface EnricherInfo {
  /** The configured fields, in order: the host reads `ref` from each event. */
  fields: FieldSpec[];
  /** The key the agent keeps its status and CIDR prefix lengths under: fetched with every lookup. */
  meta_key: string;
  /** Applied to every event that did not match (null: such events leave unchanged). */
  unmatched: EventEdit | null;
  /** Applied to every event that needed a lookup when no key-value server could answer. */
  lookup_failed: EventEdit;
  /** Where retro_keys writes each event's hunt keys; null when off. */
  retro_keys: RetroKeys | null;
  /** The further MISP instances of misp_sources (empty when not configured). */
  misp_instances: MispInstance[];
}
