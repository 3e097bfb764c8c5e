// The JSON MISP 2.5 sends for each kind of record, built from the normalized model. Field
// order follows MISP's own output (see the misp-book restSearch sample), which makes diffs
// against a real MISP readable.
import type { SimAttribute, SimEvent, SimEventSummary, SimObject, SimOrg, SimTag } from './model.js';

export type Json = Record<string, unknown>;

export interface AttributeRenderOptions {
  includeEventTags: boolean;
  includeEventUuid: boolean;
  includeContext: boolean;
  includeAllTags: boolean;
}

export function renderRestSearchAttribute(a: SimAttribute, opts: AttributeRenderOptions): Json {
  const out: Json = attributeFields(a);
  if (opts.includeEventUuid) out.event_uuid = a.event.uuid;
  out.Event = opts.includeContext ? contextEvent(a.event, opts.includeAllTags) : restSearchEvent(a.event);
  if (a.object) {
    out.Object = { id: a.object.id, distribution: a.object.distribution, sharing_group_id: a.object.sharingGroupId };
  }
  // MispAttribute::attachTagsToAttributes and __attachEventTagsToAttributes: exportable tags
  // only, unless includeAllTags.
  const shown = (t: SimTag): boolean => opts.includeAllTags || t.exportable;
  const tags = a.tags.filter(shown).map(attributeTag);
  if (opts.includeEventTags) for (const t of a.event.tags) if (shown(t)) tags.push(inheritedTag(t));
  if (tags.length > 0) out.Tag = tags;
  return out;
}

/** MispAttribute::__fetchEventsForAttributeContext: the Event of includeContext. */
export function contextEvent(e: SimEvent, includeAllTags: boolean): Json {
  return {
    ...eventIdentity(e),
    analysis: e.analysis,
    timestamp: String(e.timestamp),
    distribution: e.distribution,
    publish_timestamp: String(e.publishTimestamp),
    sharing_group_id: e.sharingGroupId,
    extends_uuid: e.extendsUuid,
    Tag: e.tags
      .filter((t) => includeAllTags || t.exportable)
      .map((t) => ({ local: t.local, id: t.id, name: t.name, colour: t.colour, numerical_value: t.numericalValue })),
    Orgc: org(e.orgc),
  };
}

/** The attribute's own columns, as MISP serializes them (value is the virtual value1|value2). */
export function attributeFields(a: SimAttribute): Json {
  return {
    id: String(a.id),
    event_id: String(a.eventId),
    object_id: String(a.objectId),
    object_relation: a.objectRelation,
    category: a.category,
    type: a.type,
    to_ids: a.toIds,
    uuid: a.uuid,
    timestamp: String(a.timestamp),
    distribution: a.distribution,
    sharing_group_id: a.sharingGroupId,
    comment: a.comment,
    deleted: a.deleted,
    disable_correlation: a.disableCorrelation,
    first_seen: a.firstSeen,
    last_seen: a.lastSeen,
    value: a.value,
  };
}

function restSearchEvent(e: SimEventSummary): Json {
  return {
    org_id: e.orgId,
    distribution: e.distribution,
    id: String(e.id),
    info: e.info,
    orgc_id: e.orgcId,
    uuid: e.uuid,
    publish_timestamp: String(e.publishTimestamp),
  };
}

export function attributeTag(t: SimTag): Json {
  return { id: t.id, name: t.name, colour: t.colour, numerical_value: t.numericalValue, is_galaxy: t.isGalaxy, local: t.local };
}

/**
 * A tag's row of MISP's Tag table as an event's tags carry it; org_id only where MISP's query
 * selects it (the event tags an attribute inherits). The callers add what their list adds.
 */
function tagRow(t: SimTag, withOrgId: boolean): Json {
  return {
    id: t.id,
    name: t.name,
    colour: t.colour,
    exportable: t.exportable,
    ...(withOrgId ? { org_id: '0' } : {}),
    user_id: '0',
    hide_tag: t.hideTag,
    numerical_value: t.numericalValue,
    is_galaxy: t.isGalaxy,
    is_custom_galaxy: false,
  };
}

function inheritedTag(t: SimTag): Json {
  return { ...tagRow(t, true), inherited: 1 };
}

function fullTag(t: SimTag): Json {
  return { ...tagRow(t, false), local_only: false, local: t.local ? 1 : 0 };
}

export function org(o: SimOrg): Json {
  return { id: o.id, name: o.name, uuid: o.uuid, local: true };
}

/**
 * The columns MISP puts first in every full rendering of an event (its own row and the Event of
 * an attribute's includeContext), in MISP's order; the callers spread it before the rest.
 */
function eventIdentity(e: SimEvent): Json {
  return {
    id: String(e.id),
    orgc_id: e.orgcId,
    org_id: e.orgId,
    date: e.date,
    threat_level_id: e.threatLevelId,
    info: e.info,
    published: e.published,
    uuid: e.uuid,
  };
}

/** The event's own columns, as in /events/view, /events/index and events restSearch. */
export function eventColumns(e: SimEvent): Json {
  return {
    ...eventIdentity(e),
    attribute_count: String(e.attributeCount),
    analysis: e.analysis,
    timestamp: String(e.timestamp),
    distribution: e.distribution,
    proposal_email_lock: e.proposalEmailLock,
    locked: e.locked,
    publish_timestamp: String(e.publishTimestamp),
    sharing_group_id: e.sharingGroupId,
    disable_correlation: e.disableCorrelation,
    extends_uuid: e.extendsUuid,
    protected: null,
    // The simulator records no sightings.
    sighting_timestamp: '0',
  };
}

export interface EventRenderOptions {
  metadata: boolean;
  /** Which attributes and objects Event::fetchEvent keeps (to_ids, deleted, blocked tags). */
  keepsAttribute: (a: SimAttribute, topLevel: boolean) => boolean;
  keepsObject: (deleted: boolean) => boolean;
}

/** /events/view: live attributes and objects only. */
export const LIVE_ONLY: EventRenderOptions = {
  metadata: false,
  keepsAttribute: (a) => !a.deleted,
  keepsObject: (deleted) => !deleted,
};

/** A full event as /events/view/{id} and events restSearch return it. */
export function renderFullEvent(e: SimEvent, opts: EventRenderOptions): Json {
  const out: Json = {
    ...eventColumns(e),
    event_creator_email: 'admin@admin.test',
    Org: org(e.org),
    Orgc: org(e.orgc),
  };
  if (!opts.metadata) {
    out.Attribute = e.attributes.filter((a) => opts.keepsAttribute(a, true)).map(eventAttribute);
    out.ShadowAttribute = [];
    out.RelatedEvent = [];
    out.Galaxy = e.galaxies;
    out.Object = e.objects.filter((o) => opts.keepsObject(o.deleted)).map((o) => renderObject(o, opts));
    out.EventReport = [];
    out.CryptographicKey = [];
  }
  out.Tag = e.tags.map(fullTag);
  return out;
}

function eventAttribute(a: SimAttribute): Json {
  const out: Json = { ...attributeFields(a), Galaxy: [], ShadowAttribute: [] };
  if (a.tags.length > 0) out.Tag = a.tags.map(fullTag);
  return out;
}

function renderObject(o: SimObject, opts: EventRenderOptions): Json {
  return {
    id: String(o.id),
    name: o.name,
    'meta-category': o.metaCategory,
    description: o.description,
    template_uuid: o.templateUuid,
    template_version: o.templateVersion,
    event_id: String(o.attributes[0]?.eventId ?? ''),
    uuid: o.uuid,
    timestamp: String(o.timestamp),
    distribution: o.distribution,
    sharing_group_id: o.sharingGroupId,
    comment: o.comment,
    deleted: o.deleted,
    first_seen: o.firstSeen,
    last_seen: o.lastSeen,
    ObjectReference: o.references,
    Attribute: o.attributes.filter((a) => opts.keepsAttribute(a, false)).map(eventAttribute),
  };
}

/** One entry of /events/index: the event's columns with Org, Orgc and EventTag. */
export function renderIndexEvent(e: SimEvent): Json {
  return {
    ...eventColumns(e),
    Org: { id: e.org.id, name: e.org.name, uuid: e.org.uuid },
    Orgc: { id: e.orgc.id, name: e.orgc.name, uuid: e.orgc.uuid },
    // EventsController::__indexRestResponse keeps exportable tags only.
    EventTag: e.tags.filter((t) => t.exportable).map((t, i) => ({
      // Unique per (event, tag) and within MISP's 10-digit ids, synthetic events included.
      id: String((e.id % 10_000_000) * 100 + i + 1),
      event_id: String(e.id),
      tag_id: t.id,
      local: t.local,
      Tag: { id: t.id, name: t.name, colour: t.colour, is_galaxy: t.isGalaxy },
    })),
  };
}

/** /events/index with minimal=1: the SlimEvent shape. */
export function renderMinimalEvent(e: SimEvent): Json {
  return {
    id: String(e.id),
    timestamp: String(e.timestamp),
    sighting_timestamp: '0',
    published: e.published,
    uuid: e.uuid,
    orgc_uuid: e.orgc.uuid,
  };
}
