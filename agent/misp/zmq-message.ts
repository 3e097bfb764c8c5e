// Reading what MISP publishes on ZeroMQ (app/files/scripts/mispzmq/mispzmq.py: one frame,
// "<topic> <json>"; the bodies come from app/Lib/Tools/PubSubTool.php). The agent takes from a
// message only which attribute or event changed: the change itself is read back from MISP's
// REST API with the same filters as a polling sync, so a message that arrives late, out of order
// or in an older MISP's shape can never store anything the polling sync would not.
//   misp_json_attribute  {"Attribute": {...}, "Event"?, "action": add|edit|soft-delete|delete}
//                        (MispAttribute::afterSave, ::beforeDelete → attribute_save)
//   misp_json_event      {"Event": {...}, "action": add|edit|delete}   (Event::afterSave, ::beforeDelete)
//   misp_json            {"Event": {... the whole event}}               (Event::publishEventToZmq)
//   misp_json_object     {"Object": {...}, "action"}                    (MispObject::afterSave, object_save)
//   misp_json_sighting   {"Sighting": {..., "Attribute": {"uuid"}}}     (Sighting::afterSave; resets a decay)
//   misp_json_self       {"status", "uptime"}                           (mispzmq.py, after 10 s of silence)

export type LiveChange =
  /** Read the attribute back from MISP and apply what it says now. */
  | { kind: 'attribute'; uuid: string }
  /** MISP hard-deleted the attribute: nothing to read back. */
  | { kind: 'attribute-deleted'; uuid: string }
  /** The event's head changed (tags, info, published), or it was deleted. */
  | { kind: 'event'; id: string; deleted: boolean }
  /** The event was published, or one of its objects changed: list its attributes again. */
  | { kind: 'event-attributes'; id: string };

export type FeedMessage = LiveChange | { kind: 'heartbeat' } | { kind: 'ignored' };

function record(x: unknown): Record<string, unknown> | null {
  return x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null;
}

function id(x: unknown): string {
  return typeof x === 'string' ? x : typeof x === 'number' && Number.isFinite(x) ? String(x) : '';
}

/** One frame as MispZmq::_pub_message sends it; null when it is not "<topic> <json>". */
export function splitFrame(frame: Buffer): { topic: string; body: unknown } | null {
  const space = frame.indexOf(0x20);
  if (space <= 0) return null;
  const topic = frame.subarray(0, space).toString('latin1');
  try {
    return { topic, body: JSON.parse(frame.subarray(space + 1).toString('utf8')) as unknown };
  } catch {
    return null;
  }
}

/**
 * What a message means for the agent. `decay`: sightings matter only with --decay (a sighting
 * starts an attribute's decay afresh, DecayingModelBase::computeCurrentScore).
 */
export function readFeedMessage(topic: string, body: unknown, decay: boolean): FeedMessage | null {
  const b = record(body);
  if (topic === 'misp_json_self') return { kind: 'heartbeat' };
  if (!b) return null;
  switch (topic) {
    case 'misp_json_attribute': {
      const a = record(b.Attribute);
      const uuid = typeof a?.uuid === 'string' ? a.uuid : '';
      if (!uuid) return null;
      return b.action === 'delete' ? { kind: 'attribute-deleted', uuid } : { kind: 'attribute', uuid };
    }
    case 'misp_json_event': {
      const e = id(record(b.Event)?.id);
      return e ? { kind: 'event', id: e, deleted: b.action === 'delete' } : null;
    }
    case 'misp_json': {
      const e = id(record(b.Event)?.id);
      return e ? { kind: 'event-attributes', id: e } : null;
    }
    case 'misp_json_object': {
      const e = id(record(b.Object)?.event_id);
      return e ? { kind: 'event-attributes', id: e } : null;
    }
    case 'misp_json_sighting': {
      if (!decay) return { kind: 'ignored' };
      const s = record(b.Sighting);
      const uuid = record(s?.Attribute)?.uuid;
      return typeof uuid === 'string' && uuid ? { kind: 'attribute', uuid } : null;
    }
    default:
      // Users, organisations, audit logs, conversations, tags, warninglists, workflows.
      return { kind: 'ignored' };
  }
}
