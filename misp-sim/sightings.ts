// Sightings, as MISP's SightingsController::bulkSaveSightings → Sighting::bulkSaveSightings
// store them: the event in the URL must exist (else MISP answers 405 "Event not found or not
// accessible by this user."), each sighting names its attribute by uuid (looked up among every
// attribute, not only the event's), a sighting whose uuid is already stored is skipped (so a
// client may send the same sightings again after a failure), and the answer counts what was
// added. Sightings of type 0 also reset an attribute's decay (decaying-models.ts). Specs read
// back what was stored through GET /_sim/sightings.
import { randomUUID } from 'node:crypto';
import { isRecord, toInt, toStr } from './coerce.js';
import type { SimAttribute } from './model.js';

export interface StoredSighting {
  id: string;
  uuid: string;
  attribute_id: string;
  attribute_uuid: string;
  event_id: string;
  org_id: string;
  date_sighting: string;
  type: string;
  source: string;
}

/** A simulator for tests: bounded all the same, so a runaway client cannot exhaust it. */
const MAX_STORED = 1_000_000;

export type BulkResult = { status: 'no-event' } | { status: 'ok'; added: { sighting: StoredSighting; attribute: SimAttribute }[] };

export class SightingStore {
  private readonly list: StoredSighting[] = [];
  private readonly uuids = new Set<string>();
  private readonly lastByAttribute = new Map<string, number>();
  private nextId = 1;

  get count(): number {
    return this.list.length;
  }

  all(): readonly StoredSighting[] {
    return this.list;
  }

  reset(): void {
    this.list.length = 0;
    this.uuids.clear();
    this.lastByAttribute.clear();
  }

  /** Unix second of the attribute's newest sighting of type 0 (Sighting::getLastSightingForAttribute). */
  lastSighting(attributeUuid: string): number | null {
    return this.lastByAttribute.get(attributeUuid) ?? null;
  }

  /**
   * Sighting::bulkSaveSightings. `sightings` is the request body (a list, or {"Sighting": [...]});
   * `findAttribute` looks an attribute up by uuid; `eventExists` checks the event of the URL.
   */
  bulkSave(body: unknown, eventExists: boolean, findAttribute: (uuid: string) => SimAttribute | undefined, now: number): BulkResult {
    if (!eventExists) return { status: 'no-event' };
    const items = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.Sighting) ? body.Sighting : [];
    const added: { sighting: StoredSighting; attribute: SimAttribute }[] = [];
    for (const raw of items) {
      if (!isRecord(raw)) continue;
      const uuid = toStr(raw.uuid);
      if (uuid !== '' && this.uuids.has(uuid)) continue;
      const attribute = findAttribute(toStr(raw.attribute_uuid));
      if (!attribute) continue;
      if (this.list.length >= MAX_STORED) break;
      const type = toStr(raw.type, '0') || '0';
      const date = toInt(raw.date_sighting, now);
      const stored: StoredSighting = {
        id: String(this.nextId++),
        uuid: uuid || randomUUID(),
        attribute_id: String(attribute.id),
        attribute_uuid: attribute.uuid,
        event_id: String(attribute.eventId),
        org_id: '1',
        date_sighting: String(date),
        type,
        source: toStr(raw.source),
      };
      this.list.push(stored);
      this.uuids.add(stored.uuid);
      if (type === '0' && date > (this.lastByAttribute.get(attribute.uuid) ?? -Infinity)) this.lastByAttribute.set(attribute.uuid, date);
      added.push({ sighting: stored, attribute });
    }
    return { status: 'ok', added };
  }
}
