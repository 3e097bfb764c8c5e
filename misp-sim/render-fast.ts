// The restSearch attribute JSON written directly as text: a million-attribute listing spends
// most of the simulator's time here, and building an object per attribute only to stringify it
// doubled that. render.ts's renderRestSearchAttribute is the reference this must equal (a spec
// checks it on real and synthetic data); the event part is cached per event object.
import type { SimAttribute, SimEventSummary } from './model.js';
import { renderRestSearchAttribute, type AttributeRenderOptions } from './render.js';

const eventJson = new WeakMap<SimEventSummary, string>();
const q = JSON.stringify;

function eventPart(e: SimEventSummary): string {
  let s = eventJson.get(e);
  if (s === undefined) {
    s =
      `{"org_id":${q(e.orgId)},"distribution":${q(e.distribution)},"id":"${e.id}","info":${q(e.info)},` +
      `"orgc_id":${q(e.orgcId)},"uuid":${q(e.uuid)},"publish_timestamp":"${e.publishTimestamp}"}`;
    eventJson.set(e, s);
  }
  return s;
}

export function restSearchAttributeJson(a: SimAttribute, opts: AttributeRenderOptions): string {
  // Tags and context are rare in bulk listings; their (nested, varied) shapes stay with the
  // reference code.
  if (opts.includeContext || a.tags.length > 0 || (opts.includeEventTags && a.event.tags.length > 0)) {
    return q(renderRestSearchAttribute(a, opts));
  }
  const includeEventUuid = opts.includeEventUuid;
  let s =
    `{"id":"${a.id}","event_id":"${a.eventId}","object_id":"${a.objectId}","object_relation":${a.objectRelation === null ? 'null' : q(a.objectRelation)},` +
    `"category":${q(a.category)},"type":${q(a.type)},"to_ids":${a.toIds},"uuid":${q(a.uuid)},"timestamp":"${a.timestamp}",` +
    `"distribution":${q(a.distribution)},"sharing_group_id":${q(a.sharingGroupId)},"comment":${q(a.comment)},"deleted":${a.deleted},` +
    `"disable_correlation":${a.disableCorrelation},"first_seen":${a.firstSeen === null ? 'null' : q(a.firstSeen)},` +
    `"last_seen":${a.lastSeen === null ? 'null' : q(a.lastSeen)},"value":${q(a.value)}`;
  if (includeEventUuid) s += `,"event_uuid":${q(a.event.uuid)}`;
  s += `,"Event":${eventPart(a.event)}`;
  if (a.object) {
    s += `,"Object":{"id":${q(a.object.id)},"distribution":${q(a.object.distribution)},"sharing_group_id":${q(a.object.sharingGroupId)}}`;
  }
  return s + '}';
}
