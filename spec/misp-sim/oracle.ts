// An independent reading of MISP event files for the specs: what MISP would hold after
// importing them, flattened the way attributes/restSearch returns attributes. Kept deliberately
// naive (no shared code with the simulator) so the specs compare two readings, not one twice.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OracleAttribute {
  uuid: string;
  type: string;
  value: string;
  toIds: boolean;
  timestamp: number;
  deleted: boolean;
  category: string;
  objectRelation: string | null;
  inObject: boolean;
  tags: string[];
  event: { id: string; uuid: string; timestamp: number; published: boolean; tags: string[]; info: string };
}

const flag = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'true';

export function readOracle(dir: string): OracleAttribute[] {
  const out: OracleAttribute[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const raw = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, any>;
    const ev = raw.Event ?? raw;
    const tagNames = (list: any): string[] => (Array.isArray(list) ? list.map((t: any) => String((t.Tag ?? t).name)) : []);
    const attrs: [any, boolean, boolean][] = (ev.Attribute ?? []).map((a: any) => [a, false, false]);
    for (const o of ev.Object ?? []) for (const a of o.Attribute ?? []) attrs.push([a, true, flag(o.deleted)]);
    const all = attrs.map(([a]) => Number(a.timestamp ?? 0));
    const objects = (ev.Object ?? []).map((o: any) => Number(o.timestamp ?? 0));
    // An event is never older than what it holds (MISP bumps it on every edit).
    const evTs = Math.max(Number(ev.timestamp ?? 0), ...all, ...objects);
    const event = { id: String(ev.id ?? ''), uuid: String(ev.uuid), timestamp: evTs, published: flag(ev.published), tags: tagNames(ev.Tag), info: String(ev.info) };
    for (const [a, inObject, objectDeleted] of attrs) {
      out.push({
        uuid: String(a.uuid),
        type: String(a.type),
        value: String(a.value),
        toIds: flag(a.to_ids),
        timestamp: Number(a.timestamp ?? 0) || evTs,
        deleted: flag(a.deleted) || objectDeleted,
        category: String(a.category ?? 'Other'),
        objectRelation: inObject ? (a.object_relation ?? null) : null,
        inObject,
        tags: tagNames(a.Tag),
        event,
      });
    }
  }
  return out;
}

export const uuids = (list: { uuid: string }[]): string[] => list.map((a) => a.uuid).sort();

/** The events of the folder (one per file), as the same naive reading sees them. */
export function readOracleEvents(dir: string): OracleAttribute['event'][] {
  const byUuid = new Map<string, OracleAttribute['event']>();
  for (const a of readOracle(dir)) byUuid.set(a.event.uuid, a.event);
  return [...byUuid.values()].sort((a, b) => Number(a.id) - Number(b.id));
}
