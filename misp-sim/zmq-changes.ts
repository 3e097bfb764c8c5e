// What MISP publishes on ZeroMQ when its data change, computed from two states of the data
// folder. The topics and bodies follow MISP's code:
//   misp_json_attribute  MispAttribute::afterSave → PubSubTool::attribute_save: fetchAttribute()'s
//                        {"Attribute": {... , "Tag", "Sighting"}, "Event": {...}, "Object"?},
//                        "action": "add" | "edit" | "soft-delete" (deleted set, created or not);
//                        MispAttribute::beforeDelete: {"Attribute": {...}, "action": "delete"}
//   misp_json_event      Event::afterSave → event_save(quickFetchEvent, "add" | "edit");
//                        Event::beforeDelete → event_save({"Event": ...}, "delete")
//   misp_json            Event::publishEventToZmq → PubSubTool::publishEvent: the whole event
//                        (JSONConverterTool::convert), when an event is published
// A change the simulator cannot tell apart from the files (an attribute edited without a new
// timestamp, a tag renamed) is still published: every field of the attribute is compared.
import type { StoreSnapshot } from './event-store.js';
import type { SimAttribute, SimEvent } from './model.js';
import { attributeFields, attributeTag, eventColumns, LIVE_ONLY, org, renderFullEvent, type Json } from './render.js';
import { splitValue } from './rows.js';

export type ZmqMessage = [topic: string, body: Json];

/** The Attribute columns of a find('first') (value1 and value2 beside the virtual value). */
function attributeColumns(a: SimAttribute): Json {
  // The columns as the store splits them (malware-sample is composite too).
  const [value1, value2] = splitValue(a.type, a.value);
  return { ...attributeFields(a), value1, value2 };
}

/** MispAttribute::fetchAttribute: the attribute with its tags, its event's head and its object. */
function attributeMessage(a: SimAttribute, action: string): Json {
  const e = a.event;
  const attribute: Json = { ...attributeColumns(a), Sighting: [] };
  if (a.tags.length > 0) attribute.Tag = a.tags.map((t) => ({ id: t.id, name: t.name, colour: t.colour, exportable: t.exportable, local: t.local }));
  const out: Json = {
    Attribute: attribute,
    Event: {
      id: String(e.id),
      date: e.date,
      info: e.info,
      uuid: e.uuid,
      published: e.published,
      analysis: e.analysis,
      threat_level_id: e.threatLevelId,
      org_id: e.orgId,
      orgc_id: e.orgcId,
      distribution: e.distribution,
      sharing_group_id: e.sharingGroupId,
      Orgc: { id: e.orgc.id, uuid: e.orgc.uuid, name: e.orgc.name },
    },
  };
  if (a.object) out.Object = { id: a.object.id, uuid: a.object.uuid, name: a.object.name, 'meta-category': a.object.metaCategory, distribution: a.object.distribution, sharing_group_id: a.object.sharingGroupId, deleted: a.object.deleted };
  out.action = action;
  return out;
}

function attributeSignature(a: SimAttribute): string {
  return JSON.stringify([attributeFields(a), a.tags.map(attributeTag), a.eventId]);
}

function eventSignature(e: SimEvent): string {
  // The timestamp is left out: MISP bumps it with every attribute edit, which is not an event edit.
  return JSON.stringify([e.info, e.published, e.date, e.threatLevelId, e.analysis, e.distribution, org(e.orgc), e.tags.map(attributeTag)]);
}

function published(e: SimEvent, before: SimEvent | undefined): boolean {
  return e.published && (!before || !before.published || before.publishTimestamp !== e.publishTimestamp);
}

/** The messages MISP would have published for the change from `before` to `after`, in order. */
export function changeMessages(before: StoreSnapshot, after: StoreSnapshot): ZmqMessage[] {
  const out: ZmqMessage[] = [];
  const oldEvents = new Map(before.events.map((e) => [e.uuid, e]));
  const newEvents = new Map(after.events.map((e) => [e.uuid, e]));
  for (const e of after.events) {
    const old = oldEvents.get(e.uuid);
    if (!old) out.push(['misp_json_event', { Event: eventColumns(e), action: 'add' }]);
    else if (eventSignature(old) !== eventSignature(e)) out.push(['misp_json_event', { Event: eventColumns(e), action: 'edit' }]);
  }
  const oldAttributes = new Map(before.attributes.map((a) => [a.uuid, a]));
  const newUuids = new Set<string>();
  for (const a of after.attributes) {
    newUuids.add(a.uuid);
    const old = oldAttributes.get(a.uuid);
    if (old && attributeSignature(old) === attributeSignature(a)) continue;
    // MispAttribute::afterSave: "soft-delete" whenever deleted is set, else add or edit.
    out.push(['misp_json_attribute', attributeMessage(a, a.deleted ? 'soft-delete' : old ? 'edit' : 'add')]);
  }
  for (const a of before.attributes) {
    if (!newUuids.has(a.uuid)) out.push(['misp_json_attribute', { Attribute: attributeColumns(a), action: 'delete' }]);
  }
  for (const e of after.events) {
    if (published(e, oldEvents.get(e.uuid))) out.push(['misp_json', { Event: renderFullEvent(e, LIVE_ONLY) }]);
  }
  for (const e of before.events) {
    if (!newEvents.has(e.uuid)) out.push(['misp_json_event', { Event: eventColumns(e), action: 'delete' }]);
  }
  return out;
}
