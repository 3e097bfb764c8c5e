// Which request parameters MISP reads, and from where (AppController::_harvestParameters with
// RestSearchComponent::$paramArray): the JSON body (or its "request" member), then the URL's
// ordered segments (/attributes/restSearch/json/<value>/<type>/…, in paramArray order) and
// CakePHP named parameters (/attributes/restSearch/returnFormat:csv), which override the body.
// Parameters not in the scope's list are ignored, strings are trimmed, and "a||b" becomes a list.
import { isPhpArray, type Php } from './php.js';

export type Params = Record<string, Php>;

/** RestSearchComponent::$paramArray['Attribute'] (order matters for ordered URL segments). */
export const ATTRIBUTE_PARAMS = [
  'returnFormat', 'value', 'value1', 'value2', 'type', 'category', 'org', 'tags', 'from', 'to', 'last', 'eventid',
  'withAttachments', 'uuid', 'publish_timestamp', 'published', 'timestamp', 'enforceWarninglist', 'to_ids', 'deleted',
  'includeEventUuid', 'event_timestamp', 'threat_level_id', 'includeEventTags', 'includeProposals', 'limit', 'page',
  'requested_attributes', 'includeContext', 'headerless', 'includeWarninglistHits', 'attackGalaxy', 'object_relation',
  'includeSightings', 'includeCorrelations', 'includeDecayScore', 'decayingModel', 'excludeDecayed', 'modelOverrides',
  'includeFullModel', 'score', 'attribute_timestamp', 'first_seen', 'last_seen', 'eventinfo', 'sharinggroup',
  'allow_proposal_blocking', 'flatten', 'list', 'event_ids', 'includeAllTags', 'includeAttributeUuid', 'includeGalaxy',
  'order', 'policy', 'walled_garden', 'ns', 'email', 'serial', 'refresh', 'retry', 'expiry', 'minimum_ttl', 'ttl',
] as const;

/** RestSearchComponent::$paramArray['Event']. */
export const EVENT_PARAMS = [
  'returnFormat', 'value', 'type', 'category', 'org', 'tags', 'searchall', 'from', 'to', 'last', 'eventid',
  'withAttachments', 'metadata', 'uuid', 'publish_timestamp', 'timestamp', 'event_timestamp', 'event_tags', 'published',
  'enforceWarninglist', 'sgReferenceOnly', 'limit', 'page', 'requested_attributes', 'includeContext', 'headerless',
  'includeWarninglistHits', 'attackGalaxy', 'to_ids', 'deleted', 'excludeLocalTags', 'date', 'includeSightingdb', 'tag',
  'object_relation', 'threat_level_id', 'eventinfo', 'sharinggroup', 'idList', 'includeAllTags', 'includeAttachments',
  'event_uuid', 'distribution', 'sharing_group_id', 'disableSiteAdmin', 'flatten', 'blockedAttributeTags',
  'eventsExtendingUuid', 'extended', 'extensionList', 'excludeGalaxy', 'includeAnalystData', 'includeRelatedTags',
  'includeDecayScore', 'includeScoresOnEvent', 'includeFeedCorrelations', 'includeServerCorrelations', 'noEventReports',
  'noShadowAttributes', 'order', 'protected', 'includeGranularCorrelations', 'policy', 'walled_garden', 'ns', 'email',
  'serial', 'refresh', 'retry', 'expiry', 'minimum_ttl', 'ttl',
] as const;

/** The request's filters: `body` as decoded JSON, `segments` the URL path after the action. */
export function harvestParameters(paramArray: readonly string[], body: unknown, segments: readonly string[]): Params {
  const params = [...paramArray];
  if (!params.includes('page')) params.push('page');
  if (!params.includes('limit')) params.push('limit');
  const out: Params = {};
  const record = isPhpArray(body) && !Array.isArray(body) ? (body as Record<string, Php>) : null;
  const data = record && isPhpArray(record.request) && !Array.isArray(record.request) ? (record.request as Record<string, Php>) : record;
  if (data) {
    // isset(): a null member is not a parameter.
    for (const p of params) if (data[p] !== undefined && data[p] !== null) out[p] = data[p]!;
  }
  const ordered: Record<string, string> = {};
  const named: Record<string, string> = {};
  let k = 0;
  for (const seg of segments) {
    const colon = seg.indexOf(':');
    if (colon > 0) named[seg.slice(0, colon)] = seg.slice(colon + 1);
    else ordered[params[k++] ?? ''] = seg;
  }
  for (const p of params) {
    const o = ordered[p];
    if (o !== undefined && !['null', '0', '', 'false'].includes(o.toLowerCase())) out[p] = o.replace(/;/g, ':');
    const n = named[p];
    if (n !== undefined) out[p] = n.replace(/;/g, ':');
  }
  for (const [key, v] of Object.entries(out)) {
    if (typeof v !== 'string') continue;
    const t = v.trim();
    // strpos($v, '||') is falsy at position 0: only a "||" after the first character splits.
    out[key] = t.indexOf('||') > 0 ? t.split('||') : t;
  }
  return out;
}
