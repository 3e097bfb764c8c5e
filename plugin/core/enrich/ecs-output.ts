// One ECS 8.17 threat.enrichments entry per matched MISP attribute.
import type { EnricherConfig } from '../config/options.js';
import { uniqueStrings, type Hit } from './hit.js';
import type { EventContext } from './misp-context.js';
import { tlpOf } from './tlp.js';

function indicatorValue(hit: Hit): Record<string, unknown> {
  const { candidate, indicator, attr } = hit;
  switch (candidate.datatype) {
    case 'ip':
      return { type: candidate.canonical.includes(':') ? 'ipv6-addr' : 'ipv4-addr', ip: candidate.canonical };
    case 'domain':
    case 'hostname':
      return { type: 'domain-name', url: { domain: indicator.canonical } };
    case 'url':
      return { type: 'url', url: { full: attr.value.trim() } };
    case 'email':
      return { type: 'email-addr', email: { address: indicator.canonical } };
    default:
      return { type: 'file', file: { hash: { [candidate.datatype]: indicator.canonical } } };
  }
}

function isoFromEpochSeconds(ts: number | undefined): string | undefined {
  if (ts === undefined || !Number.isFinite(ts) || ts <= 0) return undefined;
  const date = new Date(ts * 1000);
  // A stored value the agent did not write may hold any number; an invalid date is left out.
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The event's page in MISP; left out for an id that cannot be put in a URL (a lone surrogate). */
function eventReference(mispUrl: string, eventId: string): string | undefined {
  try {
    return `${mispUrl}/events/view/${encodeURIComponent(eventId)}`;
  } catch {
    return undefined;
  }
}

export function ecsEnrichment(
  hit: Hit,
  ctx: EventContext | null,
  config: EnricherConfig,
  now: string,
): Record<string, unknown> {
  const { attr } = hit;
  const tags = uniqueStrings([...attr.tags, ...(ctx?.tags ?? [])]);
  const indicator: Record<string, unknown> = indicatorValue(hit);
  const provider = ctx?.org ?? attr.org;
  if (provider) indicator.provider = provider;
  const description = ctx?.info ?? attr.event_info;
  if (description) indicator.description = description;
  const reference = config.mispUrl ? eventReference(config.mispUrl, attr.event_id) : undefined;
  if (reference) indicator.reference = reference;
  const tlp = tlpOf(tags);
  if (tlp) indicator.marking = { tlp };
  if (attr.first_seen) indicator.first_seen = attr.first_seen;
  if (attr.last_seen) indicator.last_seen = attr.last_seen;
  const modified = isoFromEpochSeconds(attr.timestamp);
  if (modified) indicator.modified_at = modified;
  return {
    matched: {
      atomic: hit.raw,
      field: hit.field.name,
      id: attr.uuid,
      type: 'indicator_match_rule',
      occurred: now,
    },
    indicator,
    misp: {
      attribute: {
        uuid: attr.uuid,
        type: attr.type,
        category: attr.category,
        value: attr.value,
        to_ids: attr.to_ids,
      },
      event: { id: attr.event_id, uuid: attr.event_uuid, info: ctx?.info ?? attr.event_info },
      tags,
    },
  };
}
