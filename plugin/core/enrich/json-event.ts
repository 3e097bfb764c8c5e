// Logstash field references ("[a][b]", or a bare top-level name) on plain JSON events, and an
// EventEdit applied to one: what Logstash's Event.getField / setField do, for hosts that hold
// events as JSON (the Node host of specs and tools, the agent's retro-hunt writing its alerts).
// The Java shell does the same through Logstash's own Event (EventIo.apply).
import { parseFieldRef } from '../config/field-ref.js';
import type { EventEdit } from '../protocol.js';

function segmentsOf(ref: string): string[] {
  // The core validated every configured reference; anything else is taken as one name.
  return parseFieldRef(ref) ?? [ref];
}

type Json = Record<string, unknown>;

export function getField(event: Json, ref: string): unknown {
  let cur: unknown = event;
  for (const seg of segmentsOf(ref)) {
    if (!cur || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Json)[seg];
  }
  return cur;
}

export function setField(event: Json, ref: string, value: unknown): void {
  const segs = segmentsOf(ref);
  let cur: Json = event;
  for (const seg of segs.slice(0, -1)) {
    const next = cur[seg];
    if (!next || typeof next !== 'object' || Array.isArray(next)) cur[seg] = {};
    cur = cur[seg] as Json;
  }
  cur[segs[segs.length - 1]!] = value;
}

/** Appends values to an array field; a scalar already there becomes the first element. */
export function appendField(event: Json, ref: string, values: unknown[]): void {
  const existing = getField(event, ref);
  const list = existing === undefined || existing === null ? [] : Array.isArray(existing) ? existing : [existing];
  setField(event, ref, [...list, ...values]);
}

export function addTags(event: Json, tags: string[]): void {
  if (tags.length === 0) return;
  const existing = event.tags;
  const list: unknown[] = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  for (const t of tags) if (!list.includes(t)) list.push(t);
  event.tags = list;
}

/** Applies one edit from the core (a change of its finish response, or an EnricherInfo edit). */
export function applyEdit(event: Json, change: EventEdit): void {
  for (const [ref, values] of change.append) appendField(event, ref, values);
  for (const [ref, value] of change.set) setField(event, ref, value);
  addTags(event, change.tags);
}
