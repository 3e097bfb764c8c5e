// Reads the data folder of MISP event files and keeps it current. Files are re-parsed only when
// their size or mtime changes, so checking on every request is cheap; that per-request check is
// what makes "a spec writes a file, the next request sees it" deterministic, and fs.watch only
// makes changes visible a little earlier.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { asArray, isRecord, toBool, toInt, toNullableStr, toNumStr, toStr } from './coerce.js';
import { IdRegistry } from './id-registry.js';
import type { SimAttribute, SimEvent, SimObject, SimOrg, SimTag } from './model.js';

export interface StoreSnapshot {
  /** Every real attribute (top-level and inside objects), sorted by id. */
  attributes: readonly SimAttribute[];
  /** Every event, sorted by id. */
  events: readonly SimEvent[];
  eventsById: ReadonlyMap<number, SimEvent>;
  generation: number;
}

interface FileEntry {
  signature: string;
  raw: unknown;
}

const DEFAULT_ORG: SimOrg = { id: '1', name: 'ORGNAME', uuid: '5ce29ac4-3b54-459e-a6ee-00acac110002' };

export class EventStore {
  private readonly files = new Map<string, FileEntry>();
  private readonly eventIds = new IdRegistry();
  private readonly attributeIds = new IdRegistry();
  private readonly objectIds = new IdRegistry();
  private readonly tagIds = new IdRegistry();
  private readonly orgIds = new IdRegistry();
  private snapshot: StoreSnapshot = { attributes: [], events: [], eventsById: new Map(), generation: 0 };
  private dirSignature = '';
  private watcher: FSWatcher | null = null;
  private dirty = true;

  constructor(
    private readonly dir: string,
    private readonly log: (msg: string) => void,
  ) {
    this.orgIds.idFor(DEFAULT_ORG.uuid, 1);
  }

  startWatching(): void {
    try {
      this.watcher = watch(this.dir, () => {
        this.dirty = true;
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // Some file systems cannot be watched; the per-request check still sees every change.
    }
  }

  close(): void {
    this.watcher?.close();
  }

  /** The current data, re-read first if any file changed, appeared or disappeared. */
  current(): StoreSnapshot {
    const sig = this.computeDirSignature();
    if (this.dirty || sig.joined !== this.dirSignature) this.reload(sig.perFile, sig.joined);
    return this.snapshot;
  }

  forceReload(): StoreSnapshot {
    this.files.clear();
    this.dirty = true;
    return this.current();
  }

  private computeDirSignature(): { perFile: Map<string, string>; joined: string } {
    const perFile = new Map<string, string>();
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json')).sort();
    } catch {
      names = [];
    }
    for (const name of names) {
      try {
        const st = statSync(join(this.dir, name), { bigint: true });
        if (st.isFile()) perFile.set(name, `${st.size}:${st.mtimeNs}:${st.ino}`);
      } catch {
        // Removed between readdir and stat: treat as gone.
      }
    }
    return { perFile, joined: [...perFile].map(([n, s]) => `${n}=${s}`).join('\n') };
  }

  private reload(perFile: Map<string, string>, joined: string): void {
    let complete = true;
    for (const name of [...this.files.keys()]) if (!perFile.has(name)) this.files.delete(name);
    for (const [name, signature] of perFile) {
      const known = this.files.get(name);
      if (known && known.signature === signature) continue;
      try {
        const raw: unknown = JSON.parse(readFileSync(join(this.dir, name), 'utf8'));
        this.files.set(name, { signature, raw });
      } catch (err) {
        // Most likely caught mid-write: keep the previous content and retry on the next request.
        complete = false;
        this.log(`cannot parse ${name} (${(err as Error).message}); keeping its previous content`);
      }
    }
    this.dirSignature = complete ? joined : '';
    this.dirty = !complete;
    this.rebuild();
  }

  private rebuild(): void {
    const events: SimEvent[] = [];
    const seenEventUuids = new Set<string>();
    // Explicit ids first, so ids allocated for id-less objects never take one a file claims.
    for (const [, entry] of this.files) for (const ev of eventsIn(entry.raw)) this.reserveExplicit(ev);
    for (const [name, entry] of this.files) {
      for (const raw of eventsIn(entry.raw)) {
        const ev = this.normalizeEvent(raw, name);
        if (seenEventUuids.has(ev.uuid)) {
          this.log(`${name}: event ${ev.uuid} already loaded from another file; ignored`);
          continue;
        }
        seenEventUuids.add(ev.uuid);
        events.push(ev);
      }
    }
    events.sort((a, b) => a.id - b.id);
    const attributes: SimAttribute[] = [];
    for (const ev of events) {
      attributes.push(...ev.attributes);
      for (const obj of ev.objects) attributes.push(...obj.attributes);
    }
    attributes.sort((a, b) => a.id - b.id);
    this.snapshot = {
      attributes,
      events,
      eventsById: new Map(events.map((e) => [e.id, e])),
      generation: this.snapshot.generation + 1,
    };
  }

  private reserveExplicit(ev: Record<string, unknown>): void {
    this.eventIds.reserveAbove(toInt(ev.id, 0));
    const attrs = [...asArray(ev.Attribute)];
    for (const o of asArray(ev.Object)) {
      if (!isRecord(o)) continue;
      this.objectIds.reserveAbove(toInt(o.id, 0));
      attrs.push(...asArray(o.Attribute));
    }
    for (const a of attrs) if (isRecord(a)) this.attributeIds.reserveAbove(toInt(a.id, 0));
  }

  private normalizeEvent(raw: Record<string, unknown>, file: string): SimEvent {
    const uuid = toStr(raw.uuid) || derivedUuid(`event:${file}:${toStr(raw.info)}`);
    const id = this.eventIds.idFor(uuid, explicitId(raw.id));
    const org = this.normalizeOrg(raw.Org, raw.org_id);
    const orgc = isRecord(raw.Orgc) ? this.normalizeOrg(raw.Orgc, raw.orgc_id) : org;
    const tags = this.normalizeTags(raw.Tag);
    const published = toBool(raw.published);
    const ev: SimEvent = {
      id,
      uuid,
      info: toStr(raw.info),
      orgId: org.id,
      orgcId: orgc.id,
      distribution: toNumStr(raw.distribution, '1'),
      published,
      timestamp: toInt(raw.timestamp, 0),
      publishTimestamp: toInt(raw.publish_timestamp, 0),
      tags,
      date: toStr(raw.date),
      threatLevelId: toNumStr(raw.threat_level_id, '4'),
      analysis: toNumStr(raw.analysis, '0'),
      sharingGroupId: toNumStr(raw.sharing_group_id, '0'),
      locked: toBool(raw.locked),
      proposalEmailLock: toBool(raw.proposal_email_lock),
      disableCorrelation: toBool(raw.disable_correlation),
      extendsUuid: toStr(raw.extends_uuid),
      org,
      orgc,
      attributeCount: 0,
      attributes: [],
      objects: [],
      galaxies: asArray(raw.Galaxy),
      file,
    };
    for (const a of asArray(raw.Attribute)) {
      if (isRecord(a)) ev.attributes.push(this.normalizeAttribute(a, ev, null, false));
    }
    for (const o of asArray(raw.Object)) {
      if (isRecord(o)) ev.objects.push(this.normalizeObject(o, ev));
    }
    const all = [...ev.attributes, ...ev.objects.flatMap((o) => o.attributes)];
    for (const a of all) if (a.timestamp === 0) a.timestamp = ev.timestamp;
    ev.attributeCount = all.filter((a) => !a.deleted).length;
    // MISP bumps an event's timestamp with every edit inside it, so it is never older than any
    // attribute or object; a spec that only bumps an attribute in a file gets the same.
    let newest = 0;
    for (const a of all) newest = Math.max(newest, a.timestamp);
    for (const o of ev.objects) newest = Math.max(newest, o.timestamp);
    if (newest > ev.timestamp) ev.timestamp = newest;
    if (!ev.date) ev.date = new Date(ev.timestamp * 1000).toISOString().slice(0, 10);
    return ev;
  }

  private normalizeObject(raw: Record<string, unknown>, ev: SimEvent): SimObject {
    const uuid = toStr(raw.uuid) || derivedUuid(`object:${ev.uuid}:${ev.objects.length}`);
    const obj: SimObject = {
      id: this.objectIds.idFor(uuid, explicitId(raw.id)),
      name: toStr(raw.name),
      metaCategory: toStr(raw['meta-category']),
      description: toStr(raw.description),
      templateUuid: toStr(raw.template_uuid),
      templateVersion: toNumStr(raw.template_version, '1'),
      uuid,
      timestamp: toInt(raw.timestamp, ev.timestamp),
      distribution: toNumStr(raw.distribution, '5'),
      sharingGroupId: toNumStr(raw.sharing_group_id, '0'),
      comment: toStr(raw.comment),
      deleted: toBool(raw.deleted),
      firstSeen: toNullableStr(raw.first_seen),
      lastSeen: toNullableStr(raw.last_seen),
      attributes: [],
      references: asArray(raw.ObjectReference),
    };
    for (const a of asArray(raw.Attribute)) {
      if (isRecord(a)) obj.attributes.push(this.normalizeAttribute(a, ev, obj, obj.deleted));
    }
    return obj;
  }

  private normalizeAttribute(
    raw: Record<string, unknown>,
    ev: SimEvent,
    obj: SimObject | null,
    objectDeleted: boolean,
  ): SimAttribute {
    const uuid = toStr(raw.uuid) || derivedUuid(`attribute:${ev.uuid}:${toStr(raw.type)}:${toStr(raw.value)}`);
    return {
      id: this.attributeIds.idFor(uuid, explicitId(raw.id)),
      eventId: ev.id,
      objectId: obj ? obj.id : 0,
      objectRelation: obj ? toNullableStr(raw.object_relation) : null,
      category: toStr(raw.category, 'Other') || 'Other',
      type: toStr(raw.type),
      value: toStr(raw.value),
      toIds: toBool(raw.to_ids),
      uuid,
      timestamp: toInt(raw.timestamp, 0),
      distribution: toNumStr(raw.distribution, '5'),
      sharingGroupId: toNumStr(raw.sharing_group_id, '0'),
      comment: toStr(raw.comment),
      deleted: toBool(raw.deleted) || objectDeleted,
      disableCorrelation: toBool(raw.disable_correlation),
      firstSeen: toNullableStr(raw.first_seen),
      lastSeen: toNullableStr(raw.last_seen),
      tags: this.normalizeTags(raw.Tag),
      object: obj
        ? { id: String(obj.id), distribution: obj.distribution, sharingGroupId: obj.sharingGroupId, deleted: obj.deleted, uuid: obj.uuid, name: obj.name, metaCategory: obj.metaCategory }
        : null,
      event: ev,
    };
  }

  private normalizeTags(raw: unknown): SimTag[] {
    const out: SimTag[] = [];
    for (const t of asArray(raw)) {
      // Tags appear as {name,...} in exports and as {Tag:{...}} in some older dumps.
      const tag = isRecord(t) && isRecord(t.Tag) ? t.Tag : t;
      if (!isRecord(tag) || !toStr(tag.name)) continue;
      const name = toStr(tag.name);
      out.push({
        id: String(this.tagIds.idFor(`tag:${name}`, explicitId(tag.id))),
        name,
        colour: toStr(tag.colour, '#ffffff') || '#ffffff',
        exportable: toBool(tag.exportable, true),
        hideTag: toBool(tag.hide_tag),
        numericalValue: typeof tag.numerical_value === 'number' || typeof tag.numerical_value === 'string'
          ? toNumStr(tag.numerical_value, '') || null
          : null,
        isGalaxy: toBool(tag.is_galaxy) || name.startsWith('misp-galaxy:'),
        local: toBool(tag.local),
      });
    }
    return out;
  }

  private normalizeOrg(raw: unknown, fallbackId: unknown): SimOrg {
    if (!isRecord(raw)) return DEFAULT_ORG;
    const name = toStr(raw.name) || DEFAULT_ORG.name;
    const uuid = toStr(raw.uuid) || derivedUuid(`org:${name}`);
    const id = this.orgIds.idFor(uuid, explicitId(raw.id) ?? explicitId(fallbackId));
    return { id: String(id), name, uuid };
  }
}

function explicitId(v: unknown): number | null {
  const n = toInt(v, 0);
  return n > 0 ? n : null;
}

/** Accepts {"Event":{...}}, a bare event, a list of either, or a restSearch {"response":[...]}. */
function eventsIn(raw: unknown): Record<string, unknown>[] {
  if (Array.isArray(raw)) return raw.flatMap(eventsIn);
  if (!isRecord(raw)) return [];
  if (isRecord(raw.Event)) return [raw.Event];
  if (Array.isArray(raw.response)) return raw.response.flatMap(eventsIn);
  if ('info' in raw || 'Attribute' in raw || 'Object' in raw) return [raw];
  return [];
}

/** A stable RFC 4122-shaped uuid for data that has none (never random: ids must survive reloads). */
export function derivedUuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
