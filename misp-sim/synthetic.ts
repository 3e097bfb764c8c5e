// --synthetic N: N extra attributes computed from their index alone, so a million of them cost
// no memory. Every property a filter looks at (type, to_ids, deleted, timestamp, event) is cheap
// integer arithmetic on the index; values, hashes and uuids are only built for attributes that
// end up in a response. /_sim/touch records the few attributes it changes in a sparse map.
import { createHash } from 'node:crypto';
import type { SimAttribute, SimEvent, SimOrg, SimTag } from './model.js';

export const SYNTHETIC_ID_BASE = 1_000_000_000;
export const ATTRIBUTES_PER_EVENT = 1000;
/** Base timestamps spread over 30 days from here, increasing with the index. */
export const SYNTHETIC_T0 = 1_700_000_000;
export const SYNTHETIC_SPAN = 30 * 86400;

interface Slot {
  type: string;
  category: string;
  matched: boolean;
}

const NET = 'Network activity';
const PAYLOAD = 'Payload delivery';
// 100 slots: 91 of types the product matches, 9 of types it does not.
const SLOT_COUNTS: [string, string, number, boolean][] = [
  ['ip-src', NET, 8, true],
  ['ip-dst', NET, 10, true],
  ['ip-src|port', NET, 3, true],
  ['ip-dst|port', NET, 5, true],
  ['domain', NET, 10, true],
  ['domain|ip', NET, 4, true],
  ['hostname', NET, 8, true],
  ['hostname|port', NET, 3, true],
  ['url', NET, 9, true],
  ['md5', PAYLOAD, 6, true],
  ['sha1', PAYLOAD, 4, true],
  ['sha256', PAYLOAD, 6, true],
  ['sha512', PAYLOAD, 2, true],
  ['filename|md5', PAYLOAD, 1, true],
  ['filename|sha1', PAYLOAD, 1, true],
  ['filename|sha256', PAYLOAD, 3, true],
  ['filename|sha512', PAYLOAD, 1, true],
  ['malware-sample', PAYLOAD, 1, true],
  ['email-src', PAYLOAD, 3, true],
  ['email-dst', PAYLOAD, 1, true],
  ['email-reply-to', PAYLOAD, 1, true],
  ['email', PAYLOAD, 1, true],
  ['text', 'Other', 3, false],
  ['comment', 'Other', 1, false],
  ['filename', PAYLOAD, 2, false],
  ['regkey', 'Persistence mechanism', 1, false],
  ['port', NET, 1, false],
  ['AS', NET, 1, false],
];
const SLOTS: Slot[] = SLOT_COUNTS.flatMap(([type, category, n, matched]) =>
  Array.from({ length: n }, () => ({ type, category, matched })),
);
// slot(i) relies on exactly 100 slots (37 is coprime with 100, so each run of 100 covers all).
if (SLOTS.length !== 100) throw new Error(`synthetic slot table has ${SLOTS.length} slots, not 100`);
export const SYNTHETIC_TYPES: readonly string[] = [...new Set(SLOTS.map((s) => s.type))];

const SYN_ORGC: SimOrg = { id: '1000', name: 'SYNTHETIC', uuid: '5eed0003-0000-4000-8000-000000000001' };
const SYN_ORG: SimOrg = { id: '1', name: 'ORGNAME', uuid: '5ce29ac4-3b54-459e-a6ee-00acac110002' };

function tag(id: string, name: string, colour: string): SimTag {
  return { id, name, colour, exportable: true, hideTag: false, numericalValue: null, isGalaxy: false, local: false };
}
const TAG_TLP = tag('900001', 'tlp:green', '#339900');
const TAG_FEED = tag('900002', 'Feed-synthetic', '#0088cc');
const TAG_BLOCKLIST = tag('900003', 'osint:source-type="block-or-filter-list"', '#004577');
/** Every tag synthetic events carry (the tag table MISP's tag filters look names up in). */
export const SYNTHETIC_TAGS: readonly SimTag[] = [TAG_TLP, TAG_FEED, TAG_BLOCKLIST];

/** Knuth's multiplicative hash: decorrelates neighbouring indexes without any state. */
function mix(i: number): number {
  return Math.imul(i ^ 0x5bd1e995, 2654435761) >>> 0;
}

function hex12(n: number): string {
  return n.toString(16).padStart(12, '0');
}

interface Override {
  timestamp: number;
  deleted?: boolean;
  toIds?: boolean;
}

export class SyntheticSource {
  private readonly overrides = new Map<number, Override>();
  private readonly eventOverrides = new Map<number, number>();
  private sortedOverrideKeys: number[] | null = null;
  private touchCursor = 0;
  private blockCursor = 0;
  /** Bumped by every touch, so cached page positions are not reused across changes. */
  generation = 0;
  // Attributes are emitted in index order, so the event of the previous one is nearly always
  // the event of the next one.
  private lastEvent: { j: number; generation: number; ev: SimEvent } | null = null;

  constructor(readonly count: number) {}

  get eventCount(): number {
    return Math.ceil(this.count / ATTRIBUTES_PER_EVENT);
  }

  slot(i: number): Slot {
    return SLOTS[(i * 37) % 100]!;
  }

  type(i: number): string {
    return this.slot(i).type;
  }

  baseTimestamp(i: number): number {
    return SYNTHETIC_T0 + Math.floor((i * SYNTHETIC_SPAN) / Math.max(this.count, 1));
  }

  timestamp(i: number): number {
    return this.overrides.get(i)?.timestamp ?? this.baseTimestamp(i);
  }

  /** The smallest index whose base timestamp is >= t (count when there is none). */
  firstIndexAtOrAfter(t: number): number {
    if (t <= SYNTHETIC_T0) return 0;
    let i = Math.max(0, Math.floor(((t - SYNTHETIC_T0) * this.count) / SYNTHETIC_SPAN) - 1);
    while (i < this.count && this.baseTimestamp(i) < t) i++;
    while (i > 0 && this.baseTimestamp(i - 1) >= t) i--;
    return Math.min(i, this.count);
  }

  toIds(i: number): boolean {
    const o = this.overrides.get(i);
    if (o?.toIds !== undefined) return o.toIds;
    // A tenth of the matched types are to_ids=false decoys; unmatched types are context only.
    return this.slot(i).matched ? mix(i) % 10 !== 0 : false;
  }

  deleted(i: number): boolean {
    const o = this.overrides.get(i);
    if (o?.deleted !== undefined) return o.deleted;
    return (mix(i) >>> 8) % 500 === 0;
  }

  attributeId(i: number): number {
    return SYNTHETIC_ID_BASE + i;
  }

  eventIndex(i: number): number {
    return Math.floor(i / ATTRIBUTES_PER_EVENT);
  }

  eventId(j: number): number {
    return SYNTHETIC_ID_BASE + j;
  }

  /** The synthetic event index of an event id, or -1. */
  eventIndexOfId(id: number): number {
    const j = id - SYNTHETIC_ID_BASE;
    return j >= 0 && j < this.eventCount ? j : -1;
  }

  eventPublished(j: number): boolean {
    // One event in 25 is unpublished (the fourth one, so small sets have one too).
    return j % 25 !== 3;
  }

  eventTags(j: number): SimTag[] {
    const tags = [TAG_TLP];
    if (j % 5 === 0) tags.push(TAG_FEED);
    if (j % 7 === 0) tags.push(TAG_BLOCKLIST);
    return tags;
  }

  eventTimestamp(j: number): number {
    const last = Math.min(this.count - 1, (j + 1) * ATTRIBUTES_PER_EVENT - 1);
    return Math.max(this.baseTimestamp(last), this.eventOverrides.get(j) ?? 0);
  }

  attributeUuid(i: number): string {
    return `5eed0001-0000-4000-8000-${hex12(i)}`;
  }

  /** The index of a synthetic attribute uuid, or -1. */
  indexOfUuid(uuid: string): number {
    const m = /^5eed0001-0000-4000-8000-([0-9a-f]{12})$/i.exec(uuid);
    if (!m) return -1;
    const i = Number.parseInt(m[1]!, 16);
    return i < this.count ? i : -1;
  }

  eventUuid(j: number): string {
    return `5eed0002-0000-4000-8000-${hex12(j)}`;
  }

  value(i: number): string {
    const t = this.type(i);
    const ipv4 = (base: [number, number], bits: number): string =>
      `${base[0]}.${base[1] + ((i >>> 16) & ((1 << bits) - 1))}.${(i >>> 8) & 255}.${i & 255}`;
    const privateIp = (): string => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
    const port = (): number => 1024 + (i % 60000);
    const hash = (algo: string): string => createHash(algo).update(`misp-sim:${i}`).digest('hex');
    const name = i.toString(36);
    switch (t) {
      case 'ip-src':
        return i % 7 === 0 ? `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::1` : privateIp();
      case 'ip-dst':
        // Some destinations are networks: MISP allows CIDR blocks in ip-src/ip-dst.
        if (i % 11 === 0) return `172.${16 + ((i >>> 16) & 15)}.${(i >>> 8) & 255}.0/24`;
        if (i % 13 === 0) return `172.${16 + ((i >>> 16) & 15)}.${(i >>> 8) & 255}.${(i & 15) * 16}/28`;
        return ipv4([100, 64], 6);
      case 'ip-src|port':
        return `${privateIp()}|${port()}`;
      case 'ip-dst|port':
        return `${ipv4([100, 64], 6)}|${port()}`;
      case 'domain':
        return `dom-${name}.example`;
      case 'domain|ip':
        return `dom-${name}.example|${privateIp()}`;
      case 'hostname':
        return `host-${name}.srv.test`;
      case 'hostname|port':
        return `host-${name}.srv.test|${8000 + (i % 1000)}`;
      case 'url':
        return `${i % 2 === 0 ? 'https' : 'http'}://web-${name}.example.org/path/${i}/index.php?id=${i}`;
      case 'md5':
      case 'sha1':
      case 'sha256':
      case 'sha512':
        return hash(t);
      case 'filename|md5':
      case 'filename|sha1':
      case 'filename|sha256':
      case 'filename|sha512':
        return `sample-${i}.exe|${hash(t.slice('filename|'.length))}`;
      case 'malware-sample':
        // MISP stores a sample's value as "filename|md5" (the file itself is not served).
        return `sample-${i}.zip|${hash('md5')}`;
      case 'email-src':
      case 'email-dst':
      case 'email-reply-to':
      case 'email':
        return `user${i}@mail-${i % 1000}.example`;
      case 'text':
        return `synthetic note ${i}`;
      case 'comment':
        return `synthetic comment ${i}`;
      case 'filename':
        return `document-${i}.pdf`;
      case 'regkey':
        return `HKLM\\Software\\Synthetic\\Key${i}`;
      case 'port':
        return String(port());
      case 'AS':
        return `AS${64512 + (i % 1023)}`;
      default:
        return `value-${i}`;
    }
  }

  event(j: number, withAttributes: boolean): SimEvent {
    const ts = this.eventTimestamp(j);
    const published = this.eventPublished(j);
    const ev: SimEvent = {
      id: this.eventId(j),
      uuid: this.eventUuid(j),
      info: `Synthetic event ${j}`,
      orgId: SYN_ORG.id,
      orgcId: SYN_ORGC.id,
      distribution: '1',
      published,
      timestamp: ts,
      publishTimestamp: published ? ts : 0,
      tags: this.eventTags(j),
      date: new Date(SYNTHETIC_T0 * 1000).toISOString().slice(0, 10),
      threatLevelId: '2',
      analysis: '2',
      sharingGroupId: '0',
      locked: false,
      proposalEmailLock: false,
      disableCorrelation: false,
      extendsUuid: '',
      org: SYN_ORG,
      orgc: SYN_ORGC,
      attributeCount: this.liveCount(j),
      attributes: [],
      objects: [],
      galaxies: [],
      file: '(synthetic)',
    };
    if (withAttributes) {
      const end = Math.min(this.count, (j + 1) * ATTRIBUTES_PER_EVENT);
      for (let i = j * ATTRIBUTES_PER_EVENT; i < end; i++) ev.attributes.push(this.attribute(i, ev));
    }
    return ev;
  }

  private liveCount(j: number): number {
    const end = Math.min(this.count, (j + 1) * ATTRIBUTES_PER_EVENT);
    let n = 0;
    for (let i = j * ATTRIBUTES_PER_EVENT; i < end; i++) if (!this.deleted(i)) n++;
    return n;
  }

  attribute(i: number, ev?: SimEvent): SimAttribute {
    const j = this.eventIndex(i);
    const slot = this.slot(i);
    return {
      id: SYNTHETIC_ID_BASE + i,
      eventId: this.eventId(j),
      objectId: 0,
      objectRelation: null,
      category: slot.category,
      type: slot.type,
      value: this.value(i),
      toIds: this.toIds(i),
      uuid: this.attributeUuid(i),
      timestamp: this.timestamp(i),
      distribution: '5',
      sharingGroupId: '0',
      comment: '',
      deleted: this.deleted(i),
      disableCorrelation: false,
      firstSeen: null,
      lastSeen: null,
      tags: [],
      object: null,
      event: ev ?? this.eventSummary(j),
    };
  }

  private eventSummary(j: number): SimEvent {
    const c = this.lastEvent;
    if (c && c.j === j && c.generation === this.generation) return c.ev;
    const ev = this.event(j, false);
    this.lastEvent = { j, generation: this.generation, ev };
    return ev;
  }

  /** Indexes that /_sim/touch changed, ascending (timestamp filters must find them anywhere). */
  overriddenIndexes(): readonly number[] {
    if (!this.sortedOverrideKeys) this.sortedOverrideKeys = [...this.overrides.keys()].sort((a, b) => a - b);
    return this.sortedOverrideKeys;
  }

  /**
   * Bumps the timestamp of `count` attributes (and of their events) to `now`, optionally
   * soft-deleting them or changing to_ids, as an edit in MISP would. "spread" picks them evenly
   * over the whole set, so nearly every event changes; "block" picks consecutive attributes, so
   * the changes sit in as few events as possible (edits to a few recent events).
   */
  touch(count: number, now: number, change: { deleted?: boolean; toIds?: boolean }, layout: 'spread' | 'block' = 'spread'): number[] {
    const k = Math.min(Math.max(0, Math.trunc(count)), this.count);
    if (k === 0) return [];
    const step = layout === 'block' ? 1 : Math.max(1, Math.floor(this.count / k));
    const first = layout === 'block' ? this.blockCursor : this.touchCursor;
    const touched: number[] = [];
    for (let n = 0; n < k; n++) {
      const i = (first + n * step) % this.count;
      const prev = this.overrides.get(i);
      const o: Override = { ...prev, timestamp: now };
      if (change.deleted !== undefined) o.deleted = change.deleted;
      if (change.toIds !== undefined) o.toIds = change.toIds;
      this.overrides.set(i, o);
      this.eventOverrides.set(this.eventIndex(i), now);
      touched.push(i);
    }
    if (layout === 'block') this.blockCursor = (first + k) % this.count;
    this.touchCursor = (this.touchCursor + 1) % this.count;
    this.sortedOverrideKeys = null;
    this.generation++;
    return touched;
  }
}
