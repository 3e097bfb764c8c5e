// The answers the core gives its host as JSON (describe, match, finish), declared once. `npm run
// contract` (scripts/gen-contract.ts) writes from these declarations the TypeScript types of
// protocol.ts's answers (contract/core-answers.generated.ts) and the Java shell's records with
// their decoders (plugin/java/filter/.../contract/CoreAnswers.java), so the shell reads typed
// records, never a Map by string keys; spec/project/contract.spec.ts fails when a generated file
// is stale or was edited by hand. The requests, and the keys answer, travel in wire.ts's flat
// text instead (protocol.ts declares them). Pure data: no I/O.

/** A JSON value's shape, as both languages are to read it. */
export type Shape =
  /** Text; `ts` names a narrower TypeScript type from ioc/ (the Java side keeps a String). */
  | { readonly t: 'string'; readonly ts?: 'Datatype' }
  | { readonly t: 'boolean' }
  /** A number: `int` or `long` in Java (counts are long, indexes int). */
  | { readonly t: 'number'; readonly java: 'int' | 'long' }
  /** Any JSON value, handed through untouched (an event's enrichment): `unknown` / `Object`. */
  | { readonly t: 'json' }
  | { readonly t: 'nullable'; readonly of: Shape }
  | { readonly t: 'list'; readonly of: Shape }
  /** A JSON object with named fields, or (tuple) a JSON array read by position; a named type in both languages. */
  | { readonly t: 'record' | 'tuple'; readonly name: string };

export interface Field {
  readonly name: string;
  readonly shape: Shape;
  /** May be absent (TypeScript `?:`); Java gets null, or 0 for a number. */
  readonly optional?: boolean;
  readonly doc: string;
}

export interface Message {
  readonly name: string;
  /** A JSON object (record) or a JSON array read by position (tuple). */
  readonly kind: 'record' | 'tuple';
  readonly doc: string;
  /** A record that has all of another's fields first (TypeScript `extends`; Java gets a view of it). */
  readonly extends?: string;
  readonly fields: readonly Field[];
}

const str: Shape = { t: 'string' };
const bool: Shape = { t: 'boolean' };
const int: Shape = { t: 'number', java: 'int' };
const long: Shape = { t: 'number', java: 'long' };
const json: Shape = { t: 'json' };
const nullable = (of: Shape): Shape => ({ t: 'nullable', of });
const list = (of: Shape): Shape => ({ t: 'list', of });
const rec = (name: string): Shape => ({ t: 'record', name });
const tuple = (name: string): Shape => ({ t: 'tuple', name });

/** In dependency order: a message names only messages declared before it. */
export const CORE_ANSWERS: readonly Message[] = [
  {
    name: 'FieldValues', kind: 'tuple', doc: 'Values to append to one array field.',
    fields: [
      { name: 'fieldRef', shape: str, doc: 'The field, as a Logstash field reference.' },
      { name: 'values', shape: list(json), doc: 'What to append, in order.' },
    ],
  },
  {
    name: 'FieldValue', kind: 'tuple', doc: 'A value to set one field to.',
    fields: [
      { name: 'fieldRef', shape: str, doc: 'The field, as a Logstash field reference.' },
      { name: 'value', shape: json, doc: 'What to set it to, replacing what was there.' },
    ],
  },
  {
    name: 'EventEdit', kind: 'record', doc: 'What to do to one event.',
    fields: [
      { name: 'append', shape: list(tuple('FieldValues')), doc: 'Values to append to array fields: existing values are kept, a non-array value becomes its first element.' },
      { name: 'set', shape: list(tuple('FieldValue')), doc: 'Fields to set, replacing what was there.' },
      { name: 'tags', shape: list(str), doc: "Tags to add to the event's `tags` field (no duplicates)." },
      { name: 'matched', shape: bool, doc: 'True if the event had a hit: the host reports it with filterMatched.' },
    ],
  },
  {
    name: 'EventChange', kind: 'record', extends: 'EventEdit',
    doc: 'The edit of one event of the batch; events of MatchRequest.events that are not listed did not match.',
    fields: [{ name: 'index', shape: int, doc: 'Index of the event in the batch.' }],
  },
  {
    name: 'MatchStats', kind: 'record', doc: "A batch's counts, for the host's metrics.",
    fields: [
      { name: 'hits', shape: long, doc: 'Enrichments written (one per matched MISP attribute per value).' },
      { name: 'matched_events', shape: long, doc: 'Events with at least one enrichment.' },
      { name: 'fetch_failures', shape: long, doc: 'Matched events tagged because a MISP context could not be fetched.' },
      { name: 'bad_values', shape: long, doc: 'Stored values that were not summaries of this format (corrupt or foreign).' },
      {
        name: 'expired', shape: long, optional: true,
        doc: "Stored attributes left out because they had expired at `now` (their decay score under the model's threshold, or out of the agent's --max-age window) while still in the store. Always set by the core; optional so that hosts' own counters extending this type need not carry it.",
      },
    ],
  },
  {
    name: 'AttributeHit', kind: 'tuple',
    doc: 'One MISP attribute that matched in a batch: what a host reports to MISP as sightings (filter option sightings).',
    fields: [
      { name: 'uuid', shape: str, doc: "The attribute's uuid." },
      { name: 'eventId', shape: str, doc: 'Its MISP event id.' },
      { name: 'events', shape: long, doc: "The number of the batch's events it matched." },
    ],
  },
  {
    name: 'FinishResponse', kind: 'record', doc: "A batch's result: the edits, the counts and the attributes that matched.",
    fields: [
      { name: 'changes', shape: list(rec('EventChange')), doc: 'The edit of each event that matched, in batch order.' },
      { name: 'stats', shape: rec('MatchStats'), doc: "The batch's counts." },
      { name: 'attributes', shape: list(tuple('AttributeHit')), doc: 'Every attribute that matched in this batch, once, in order of first match.' },
    ],
  },
  {
    name: 'MatchResponse', kind: 'record', doc: "The answer to match(): the MISP events to fetch, or the batch's result at once.",
    fields: [
      {
        name: 'event_ids', shape: list(str),
        doc: 'The MISP events whose context the host should fetch, then pass to finish(), by reference: an event id of the main MISP (misp_url), or "<instance>:<event id>" for an instance of EnricherInfo.misp_instances (enrich/misp-instance.ts).',
      },
      { name: 'result', shape: rec('FinishResponse'), optional: true, doc: "Present when there is nothing to fetch: the batch's result, and finish() is not called." },
    ],
  },
  {
    name: 'FieldSpec', kind: 'record', doc: 'One configured field.',
    fields: [
      { name: 'ref', shape: str, doc: 'The field reference the host reads from each event.' },
      { name: 'datatype', shape: { t: 'string', ts: 'Datatype' }, doc: 'What its values are (the host only groups values by it).' },
    ],
  },
  {
    name: 'RetroKeys', kind: 'record',
    doc: "retro_keys: the field set on every event to `marker` followed by the union of its values' hunt keys (KeysResponse.hunt), in field order, each once.",
    fields: [
      { name: 'field', shape: str, doc: 'The field reference written.' },
      { name: 'marker', shape: str, doc: "The first element, before the event's hunt keys." },
    ],
  },
  {
    name: 'MispInstance', kind: 'record',
    doc: "A further MISP instance of misp_sources, as the file gives it: the host fetches \"<name>:<id>\" references from it, with the key read from api_key_file, its own CA file, verification and proxy where it gives them and the host's own settings where it does not.",
    fields: [
      { name: 'name', shape: str, doc: "The instance's name in references." },
      { name: 'url', shape: str, doc: 'Its base URL.' },
      { name: 'api_key_file', shape: str, doc: 'The file holding its API key.' },
      { name: 'ca_file', shape: nullable(str), doc: 'Its CA file, or null for the host\'s ssl_certificate_authorities.' },
      { name: 'insecure', shape: nullable(bool), doc: 'True to skip verification; null for the host\'s ssl_verification_mode.' },
      { name: 'proxy', shape: nullable(str), doc: 'Its proxy, or null for the host\'s proxy.' },
    ],
  },
  {
    name: 'EnricherInfo', kind: 'record', doc: 'What the host must know once, from `describe()`.',
    fields: [
      { name: 'fields', shape: list(rec('FieldSpec')), doc: 'The configured fields, in order: the host reads `ref` from each event.' },
      { name: 'meta_key', shape: str, doc: 'The key the agent keeps its status and CIDR prefix lengths under: fetched with every lookup.' },
      { name: 'unmatched', shape: nullable(rec('EventEdit')), doc: 'Applied to every event that did not match (null: such events leave unchanged).' },
      { name: 'lookup_failed', shape: rec('EventEdit'), doc: 'Applied to every event that needed a lookup when no key-value server could answer.' },
      { name: 'retro_keys', shape: nullable(rec('RetroKeys')), doc: 'Where retro_keys writes each event\'s hunt keys; null when off.' },
      { name: 'misp_instances', shape: list(rec('MispInstance')), doc: 'The further MISP instances of misp_sources (empty when not configured).' },
    ],
  },
];
