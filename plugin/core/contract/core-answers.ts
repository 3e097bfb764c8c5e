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
  /** May be absent (TypeScript `?:`): a record, tuple or string (Java null) or a long count (Java 0); other shapes are made nullable instead. */
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
const OPTIONAL = true;
const field = (name: string, shape: Shape, doc: string, optional = false): Field => (optional ? { name, shape, doc, optional } : { name, shape, doc });

/** In dependency order: a message names only messages declared before it. */
export const CORE_ANSWERS: readonly Message[] = [
  {
    name: 'FieldValues', kind: 'tuple', doc: 'Values to append to one array field.',
    fields: [
      field('fieldRef', str, 'The field, as a Logstash field reference.'),
      field('values', list(json), 'What to append, in order.'),
    ],
  },
  {
    name: 'FieldValue', kind: 'tuple', doc: 'A value to set one field to.',
    fields: [
      field('fieldRef', str, 'The field, as a Logstash field reference.'),
      field('value', json, 'What to set it to, replacing what was there.'),
    ],
  },
  {
    name: 'EventEdit', kind: 'record', doc: 'What to do to one event.',
    fields: [
      field('append', list(tuple('FieldValues')), 'Values to append to array fields: existing values are kept, a non-array value becomes its first element.'),
      field('set', list(tuple('FieldValue')), 'Fields to set, replacing what was there.'),
      field('tags', list(str), "Tags to add to the event's `tags` field (no duplicates)."),
      field('matched', bool, 'True if the event had a hit: the host reports it with filterMatched.'),
    ],
  },
  {
    name: 'EventChange', kind: 'record', extends: 'EventEdit',
    doc: 'The edit of one event of the batch; events of MatchRequest.events that are not listed did not match.',
    fields: [field('index', int, 'Index of the event in the batch.')],
  },
  {
    name: 'MatchStats', kind: 'record', doc: "A batch's counts, for the host's metrics.",
    fields: [
      field('hits', long, 'Enrichments written (one per matched MISP attribute per value).'),
      field('matched_events', long, 'Events with at least one enrichment.'),
      field('fetch_failures', long, 'Matched events tagged because a MISP context could not be fetched.'),
      field('bad_values', long, 'Stored values that were not summaries of this format (corrupt or foreign).'),
      field('expired', long, "Stored attributes left out because they had expired at `now` (their decay score under the model's threshold, or out of the agent's --max-age window) while still in the store. Always set by the core; optional so that hosts' own counters extending this type need not carry it.", OPTIONAL),
    ],
  },
  {
    name: 'AttributeHit', kind: 'tuple',
    doc: 'One MISP attribute that matched in a batch: what a host reports to MISP as sightings (filter option sightings).',
    fields: [
      field('uuid', str, "The attribute's uuid."),
      field('eventId', str, 'Its MISP event id.'),
      field('events', long, "The number of the batch's events it matched."),
    ],
  },
  {
    name: 'FinishResponse', kind: 'record', doc: "A batch's result: the edits, the counts and the attributes that matched.",
    fields: [
      field('changes', list(rec('EventChange')), 'The edit of each event that matched, in batch order.'),
      field('stats', rec('MatchStats'), "The batch's counts."),
      field('attributes', list(tuple('AttributeHit')), 'Every attribute that matched in this batch, once, in order of first match.'),
    ],
  },
  {
    name: 'MatchResponse', kind: 'record', doc: "The answer to match(): the MISP events to fetch, or the batch's result at once.",
    fields: [
      field('event_ids', list(str), 'The MISP events whose context the host should fetch, then pass to finish(), by reference: an event id of the main MISP (misp_url), or "<instance>:<event id>" for an instance of EnricherInfo.misp_instances (enrich/misp-instance.ts).'),
      field('result', rec('FinishResponse'), "Present when there is nothing to fetch: the batch's result, and finish() is not called.", OPTIONAL),
    ],
  },
  {
    name: 'FieldSpec', kind: 'record', doc: 'One configured field.',
    fields: [
      field('ref', str, 'The field reference the host reads from each event.'),
      field('datatype', { t: 'string', ts: 'Datatype' }, 'What its values are (the host only groups values by it).'),
    ],
  },
  {
    name: 'RetroKeys', kind: 'record',
    doc: "retro_keys: the field set on every event to `marker` followed by the union of its values' hunt keys (KeysResponse.hunt), in field order, each once.",
    fields: [
      field('field', str, 'The field reference written.'),
      field('marker', str, "The first element, before the event's hunt keys."),
    ],
  },
  {
    name: 'MispInstance', kind: 'record',
    doc: "A further MISP instance of misp_sources, as the file gives it: the host fetches \"<name>:<id>\" references from it, with the key read from api_key_file, its own CA file, verification and proxy where it gives them and the host's own settings where it does not.",
    fields: [
      field('name', str, "The instance's name in references."),
      field('url', str, 'Its base URL.'),
      field('api_key_file', str, 'The file holding its API key.'),
      field('ca_file', nullable(str), 'Its CA file, or null for the host\'s ssl_certificate_authorities.'),
      field('insecure', nullable(bool), 'True to skip verification; null for the host\'s ssl_verification_mode.'),
      field('proxy', nullable(str), 'Its proxy, or null for the host\'s proxy.'),
    ],
  },
  {
    name: 'EnricherInfo', kind: 'record', doc: 'What the host must know once, from `describe()`.',
    fields: [
      field('fields', list(rec('FieldSpec')), 'The configured fields, in order: the host reads `ref` from each event.'),
      field('meta_key', str, 'The key the agent keeps its status and CIDR prefix lengths under: fetched with every lookup.'),
      field('unmatched', nullable(rec('EventEdit')), 'Applied to every event that did not match (null: such events leave unchanged).'),
      field('lookup_failed', rec('EventEdit'), 'Applied to every event that needed a lookup when no key-value server could answer.'),
      field('retro_keys', nullable(rec('RetroKeys')), 'Where retro_keys writes each event\'s hunt keys; null when off.'),
      field('misp_instances', list(rec('MispInstance')), 'The further MISP instances of misp_sources (empty when not configured).'),
    ],
  },
];
