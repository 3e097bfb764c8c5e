// One ECS threat.enrichments entry per matched MISP attribute (ECS 8.17 through 9.x), and the
// root-level misp_enrich.* summary of an event's entries.
//
// Per entry: `matched` and `indicator` are ECS's; `feed.name` is the provenance field Kibana's
// own indicator match rules write into each enrichment (ECS defines `feed` only for
// threat.feed, one per event, which cannot tell several sources apart); `misp` holds what only
// MISP has (the attribute, the event, its tags, galaxy clusters and ATT&CK ids).
//
// The summary exists because Kibana aggregates, colours and maps severities only on fields
// outside nested objects: Lens cannot aggregate threat.enrichments.*, and a detection rule's
// severity_mapping reads one path of _source, which an array of enrichments does not have.
import { MAIN_SOURCE_NAME } from '../config/misp-sources.js';
import type { EnricherConfig } from '../config/options.js';
import { confidenceOfThreatLevel, highestConfidence, type EcsConfidence } from './confidence.js';
import { decayOutput, isoFromEpochSeconds, type EcsDecay } from './decay-output.js';
import { galaxiesOf } from './galaxy.js';
import { uniqueStrings, type Hit } from './hit.js';
import type { EventContext } from './misp-context.js';
import { eventPage } from './misp-instance.js';
import { mostRestrictiveTlp, tlpOf } from './tlp.js';

/** threat.enrichments.feed.name of an entry whose attribute names no source (the agent's main MISP). */
export const FEED_NAME = MAIN_SOURCE_NAME;
/** Where the event-level summary goes (the misp_enrich.* fields of docs/elasticsearch/). */
export const SUMMARY_FIELD = 'misp_enrich';
/** Bound on each summary list: an event matching hundreds of attributes stays small. */
export const MAX_SUMMARY_VALUES = 100;

export interface EcsIndicator {
  type: string;
  name: string;
  ip?: string;
  url?: { domain?: string; full?: string };
  email?: { address: string };
  file?: { hash: Record<string, string> };
  provider?: string;
  description?: string;
  reference?: string;
  confidence?: EcsConfidence;
  marking?: { tlp: string };
  first_seen?: string;
  last_seen?: string;
  modified_at?: string;
}

export interface EcsEnrichment {
  matched: { atomic: string; field: string; id: string; type: 'indicator_match_rule'; occurred: string };
  indicator: EcsIndicator;
  feed: { name: string };
  misp: {
    attribute: { uuid: string; type: string; category: string; value: string; to_ids: boolean };
    event: { id: string; uuid: string; info: string };
    tags: string[];
    galaxies?: string[];
    attack?: { technique?: { id: string[] }; group?: { id: string[] }; software?: { id: string[] } };
    /** The decay score at `occurred` and the expiry (agent options --decay and --max-age). */
    decay?: EcsDecay;
  };
}

/** indicator.type and the value in its ECS place; indicator.name is the indicator as MISP has it. */
function indicatorValue(hit: Hit): EcsIndicator {
  const { candidate, indicator, attr } = hit;
  switch (candidate.datatype) {
    case 'ip':
      // ip holds the event's address (also for a network hit); name is the matched network or address.
      return { type: candidate.canonical.includes(':') ? 'ipv6-addr' : 'ipv4-addr', name: indicator.canonical, ip: candidate.canonical };
    case 'domain':
    case 'hostname':
      return { type: 'domain-name', name: indicator.canonical, url: { domain: indicator.canonical } };
    case 'url': {
      const full = attr.value.trim();
      return { type: 'url', name: full, url: { full } };
    }
    case 'email':
      return { type: 'email-addr', name: indicator.canonical, email: { address: indicator.canonical } };
    default:
      return { type: 'file', name: indicator.canonical, file: { hash: { [candidate.datatype]: indicator.canonical } } };
  }
}

/** `now` is matched.occurred; `nowSeconds` the same moment in Unix seconds (the decay score's time). */
export function ecsEnrichment(hit: Hit, ctx: EventContext | null, config: EnricherConfig, now: string, nowSeconds: number): EcsEnrichment {
  const { attr } = hit;
  const tags = uniqueStrings([...attr.tags, ...(ctx?.tags ?? [])]);
  const indicator = indicatorValue(hit);
  const provider = ctx?.org ?? attr.org;
  if (provider) indicator.provider = provider;
  const description = ctx?.info ?? attr.event_info;
  if (description) indicator.description = description;
  const reference = eventPage(attr, config);
  if (reference) indicator.reference = reference;
  const confidence = confidenceOfThreatLevel(ctx?.threatLevel);
  if (confidence) indicator.confidence = confidence;
  const tlp = tlpOf(tags);
  if (tlp) indicator.marking = { tlp };
  if (attr.first_seen) indicator.first_seen = attr.first_seen;
  if (attr.last_seen) indicator.last_seen = attr.last_seen;
  const modified = isoFromEpochSeconds(attr.timestamp);
  if (modified) indicator.modified_at = modified;

  const misp: EcsEnrichment['misp'] = {
    attribute: { uuid: attr.uuid, type: attr.type, category: attr.category, value: attr.value, to_ids: attr.to_ids },
    event: { id: attr.event_id, uuid: attr.event_uuid, info: ctx?.info ?? attr.event_info },
    tags,
  };
  const galaxies = galaxiesOf(tags);
  if (galaxies.clusters.length > 0) misp.galaxies = galaxies.clusters;
  const attack: NonNullable<EcsEnrichment['misp']['attack']> = {};
  if (galaxies.techniques.length > 0) attack.technique = { id: galaxies.techniques };
  if (galaxies.groups.length > 0) attack.group = { id: galaxies.groups };
  if (galaxies.software.length > 0) attack.software = { id: galaxies.software };
  if (Object.keys(attack).length > 0) misp.attack = attack;
  const decay = decayOutput(attr, nowSeconds);
  if (decay) misp.decay = decay;

  return {
    matched: { atomic: hit.raw, field: hit.field.name, id: attr.uuid, type: 'indicator_match_rule', occurred: now },
    indicator,
    feed: { name: attr.source ?? FEED_NAME },
    misp,
  };
}

function distinct(values: Iterable<string | undefined>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const v of values) {
    if (v === undefined || v === '' || seen.has(v)) continue;
    seen.add(v);
    out.push(v);
    if (out.length >= MAX_SUMMARY_VALUES) break;
  }
  return out;
}

/**
 * The misp_enrich.* fields of one event with these entries, as appends: a second misp_enrich
 * block in the same pipeline adds its values to the same lists instead of replacing them.
 * Only non-empty lists are written.
 */
export function ecsEventSummary(entries: readonly EcsEnrichment[]): [fieldRef: string, values: unknown[]][] {
  const confidence = highestConfidence(entries.map((e) => e.indicator.confidence));
  const tlp = mostRestrictiveTlp(entries.map((e) => e.indicator.marking?.tlp));
  const lists: [string, string[]][] = [
    ['indicator', distinct(entries.map((e) => e.indicator.name))],
    ['indicator_type', distinct(entries.map((e) => e.indicator.type))],
    ['ip', distinct(entries.map((e) => e.indicator.ip))],
    ['atomic', distinct(entries.map((e) => e.matched.atomic))],
    ['field', distinct(entries.map((e) => e.matched.field))],
    ['provider', distinct(entries.map((e) => e.indicator.provider))],
    ['confidence', confidence ? [confidence] : []],
    ['tlp', tlp ? [tlp] : []],
    ['misp_type', distinct(entries.map((e) => e.misp.attribute.type))],
    ['event_id', distinct(entries.map((e) => e.misp.event.id))],
    ['event', distinct(entries.map((e) => e.misp.event.info))],
    ['tags', distinct(entries.flatMap((e) => e.misp.tags))],
    ['galaxy', distinct(entries.flatMap((e) => e.misp.galaxies ?? []))],
    ['technique_id', distinct(entries.flatMap((e) => e.misp.attack?.technique?.id ?? []))],
  ];
  return lists.filter(([, values]) => values.length > 0).map(([name, values]) => [`[${SUMMARY_FIELD}][${name}]`, values]);
}
