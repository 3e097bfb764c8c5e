// One retro-hunt alert: an (event, attribute) pair found after the fact, written as a document of
// its own (the event itself is never touched: data streams are append-only). It holds what the
// filter would have written into the event — the threat.enrichments entries and the misp_enrich.*
// summary, from the filter's own code (the core's EventEdit) — beside the event's main ECS fields,
// where the event is, and how late the indicator came.
//
// Its _id is a hash of the event's index and _id and the attribute's uuid, and alerts are created,
// never overwritten: a hunt run again (a restart, a re-published attribute, a backfill) finds the
// same ids and writes nothing twice.
import { createHash } from 'node:crypto';
import { parseFieldRef } from '../../plugin/core/config/field-ref.js';
import { applyEdit, setField } from '../../plugin/core/enrich/json-event.js';
import type { EventEdit } from '../../plugin/core/protocol.js';
import type { SearchHit } from './search-engine.js';

/** The event's fields an alert carries besides the hunted ones: who, where, what (ECS names). */
export const COPIED_FIELDS = [
  'host.name', 'host.hostname', 'host.ip', 'user.name', 'user.domain', 'source.port', 'destination.port', 'network.protocol',
  'http.request.method', 'process.name', 'process.executable', 'observer.name', 'event.dataset', 'event.module', 'event.category',
  'event.action', 'event.outcome',
];

export function alertId(index: string, id: string, attributeUuid: string): string {
  return createHash('sha256').update(`${index}\u0000${id}\u0000${attributeUuid}`).digest('hex');
}

/**
 * A field of an indexed event by its dotted name, wherever the shipper put it: nested objects
 * ({"source": {"ip": ...}}), dotted keys ({"source.ip": ...}), or a mix of both.
 */
export function readSource(source: unknown, segments: readonly string[]): unknown {
  if (segments.length === 0) return source;
  if (!source || typeof source !== 'object' || Array.isArray(source)) return undefined;
  const obj = source as Record<string, unknown>;
  for (let n = 1; n <= segments.length; n++) {
    const key = n === 1 ? segments[0]! : segments.slice(0, n).join('.');
    if (Object.hasOwn(obj, key)) {
      const found = readSource(obj[key], segments.slice(n));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Unix ms of an event's @timestamp (ISO text or epoch ms), or NaN. */
export function eventTime(source: Record<string, unknown>): number {
  const ts = readSource(source, ['@timestamp']);
  return typeof ts === 'number' ? ts : typeof ts === 'string' ? Date.parse(ts) : NaN;
}

/** When MISP made the indicator known: the later of the attribute's timestamp and its event's publication. */
export function publishedAt(attributeTimestamp: number | undefined, context: unknown): number | null {
  const ev = (context as { Event?: { publish_timestamp?: unknown } } | null)?.Event;
  const published = Number(ev?.publish_timestamp);
  const candidates = [attributeTimestamp, Number.isFinite(published) && published > 0 ? published : undefined].filter((t): t is number => typeof t === 'number' && t > 0);
  return candidates.length > 0 ? Math.max(...candidates) * 1000 : null;
}

export interface AlertInput {
  hit: SearchHit;
  /** What the filter's core would have done to the event for this one attribute. */
  edit: EventEdit;
  attributeUuid: string;
  /** Unix ms when MISP made the indicator known, or null. */
  publishedMs: number | null;
  huntedAt: string;
  /** Dotted names of the fields the hunt read, copied as well. */
  huntFields: readonly string[];
}

export function alertDocument(a: AlertInput): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const name of new Set([...a.huntFields, ...COPIED_FIELDS])) {
    const segments = name.split('.');
    const value = readSource(a.hit.source, segments);
    if (value !== undefined) setField(doc, segments.map((s) => `[${s}]`).join(''), value);
  }
  applyEdit(doc, a.edit);
  const eventMs = eventTime(a.hit.source);
  doc['@timestamp'] = a.huntedAt;
  doc.event = { ...((doc.event as Record<string, unknown> | undefined) ?? {}), kind: 'alert', created: a.huntedAt };
  const retro: Record<string, unknown> = {
    source: { index: a.hit.index, id: a.hit.id, ...(Number.isFinite(eventMs) ? { timestamp: new Date(eventMs).toISOString() } : {}) },
    attribute: { uuid: a.attributeUuid },
  };
  if (a.publishedMs !== null) {
    retro.published = new Date(a.publishedMs).toISOString();
    if (Number.isFinite(eventMs)) retro.lateness_seconds = Math.round((a.publishedMs - eventMs) / 1000);
  }
  setField(doc, '[misp_enrich][retro]', retro);
  return doc;
}

/** The dotted name of a field reference ("[source][ip]" → "source.ip"). */
export function dottedOf(ref: string): string {
  return (parseFieldRef(ref) ?? [ref]).join('.');
}
