// The agent's own index of what it stored: every kept MISP attribute, the events they belong to,
// and which attributes feed each indicator key. From it the agent recomputes a key's merged value
// when one of its attributes changes, knows what to delete, and can rewrite memcached without
// MISP. At a million attributes memory matters, so attributes live in parallel typed arrays
// (one slot each) with interned types, categories and tag sets, not one object per attribute.
import {
  encodeSummary,
  mispIndicators,
  KEY_PREFIX,
  type AttributeSummary,
  type DecaySummary,
} from '../../plugin/core/ioc/index.js';
import type { MispAttribute, MispEventHead } from '../misp/attribute.js';
import { ByteArena } from './byte-arena.js';
import { hashA, hashB, hashString, packUuid, ProbeTable, unpackUuid } from './hash-index.js';

export interface EventRecord {
  id: string;
  uuid: string;
  info: string;
  org?: string;
  tags: string[];
  published?: boolean;
}

/**
 * Numbers each distinct value once, in order of arrival, so that a slot stores a small number
 * instead of the value; values with the same key are the same value.
 */
class Interner<T> {
  readonly list: T[] = [];
  private readonly ids = new Map<string, number>();
  /** `first`: values numbered 0, 1, ... before any other. */
  constructor(
    private readonly keyOf: (value: T) => string,
    first: readonly T[] = [],
  ) {
    for (const value of first) this.id(value);
  }
  id(value: T): number {
    const key = this.keyOf(value);
    let i = this.ids.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(value);
      this.ids.set(key, i);
    }
    return i;
  }
}

/** Upper bound of the index (address space is reserved for it, memory is used as it fills). */
const MAX_SLOTS = 1 << 25;

interface ResizableBuffer extends ArrayBuffer {
  resize(byteLength: number): void;
}

type Column = Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array;
const PER_SLOT = new WeakMap<Column, number>();

/** A typed array over a resizable ArrayBuffer that tracks the buffer's length. */
function column<T extends Column>(make: new (buffer: ArrayBuffer) => T, perSlotElements: number): T {
  const bytes = perSlotElements * (make as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  const Resizable = ArrayBuffer as unknown as new (length: number, opts: { maxByteLength: number }) => ArrayBuffer;
  const c = new make(new Resizable(0, { maxByteLength: MAX_SLOTS * bytes }));
  PER_SLOT.set(c, bytes);
  return c;
}

function perSlot(c: Column): number {
  return PER_SLOT.get(c)!;
}

const TOIDS = 1;
const LIVE = 2;
const HAS_B = 4;
const ODD_UUID = 8;
/** The retro-hunt has yet to search for this attribute's events (agent/retro/). */
const HUNT = 16;
/** A hunt of this attribute is under way: written to the snapshot as waiting, until it ends. */
const HUNTING = 32;

export type UpsertResult = 'added' | 'changed' | 'unchanged' | 'invalid';

/** A decaying model as stored per attribute (interned: a handful of models serve every attribute). */
interface DecayModelRecord {
  model: string;
  threshold: number;
  lifetime?: number;
  decaySpeed?: number;
}

/**
 * Two expiries (Unix seconds, 0: none) close enough that rewriting the key is not worth it: the
 * same decay seen again a sync later differs by the time MISP took to answer, not by a change.
 */
function sameExpiry(a: number, b: number, lifetime: number | undefined): boolean {
  if (a === 0 || b === 0) return a === b;
  return Math.abs(a - b) <= Math.min(60, (lifetime ?? 0) / 100);
}

/** The kind part of a key: "me1:net:192.0.2.0/24" → "net", "me1:url#<sha256>" → "url". */
export function kindOfKey(key: string): string {
  const rest = key.slice(KEY_PREFIX.length);
  const end = rest.search(/[:#]/);
  return end < 0 ? rest : rest.slice(0, end);
}

export class IndicatorState {
  private capacity = 0;
  private top = 0;
  private live = 0;
  private distinctKeys = 0;
  // One slot per attribute, in parallel arrays. The uuid is packed into 16 bytes; the (at most
  // two) keys of the attribute are kept as hash pairs and rebuilt from type and value on demand.
  private readonly uuidBytes = column(Uint8Array, 16);
  private readonly oddUuids = new Map<number, string>();
  private readonly values = new ByteArena();
  private readonly valOff = column(Uint32Array, 1);
  private readonly valLen = column(Uint32Array, 1);
  private readonly typeId = column(Uint16Array, 1);
  private readonly catId = column(Uint16Array, 1);
  private readonly eventIdx = column(Uint32Array, 1);
  private readonly ts = column(Uint32Array, 1);
  private readonly tagSet = column(Uint32Array, 1);
  private readonly flags = column(Uint8Array, 1);
  private readonly gen = column(Uint32Array, 1);
  private readonly keyHash = column(Uint32Array, 4);
  // Decay and expiry, for attributes that have them (agent options --decay and --max-age):
  // 0 in expiresAt and decayModel means none. About 30 bytes a slot, outside the V8 heap.
  private readonly expiresAt = column(Uint32Array, 1);
  private readonly decayModel = column(Uint16Array, 1);
  private readonly decayBase = column(Float32Array, 1);
  private readonly decayScore = column(Float32Array, 1);
  private readonly decayScoredAt = column(Uint32Array, 1);
  private readonly decaySince = column(Float64Array, 1);
  private readonly decayModels: DecayModelRecord[] = [{ model: '', threshold: 0 }];
  private readonly decayModelIds = new Map<string, number>();
  /** Live slots with an expiry: when 0, nothing is scanned for the next one. */
  private expiring = 0;
  private readonly seen = new Map<number, [string | undefined, string | undefined]>();
  private readonly free: number[] = [];
  private readonly uuidHash = column(Uint32Array, 1);
  /** uuid hash → slot. */
  private readonly byUuid = new ProbeTable((slot) => this.uuidHash[slot]!);
  /** key hash → slot * 2 + which key of the slot (0 or 1). */
  private readonly byKey = new ProbeTable((entry) => this.keyHash[(entry >> 1) * 4 + (entry & 1) * 2]!);
  private readonly strings = new Interner<string>((s) => s);
  /** Tag sets by their tags in order; the empty set is 0. */
  private readonly tagSets = new Interner<string[]>((tags) => tags.join('\u0000'), [[]]);
  private readonly events: EventRecord[] = [];
  private readonly eventIds = new Map<string, number>();
  private readonly kinds = new Map<string, number>();
  private readonly prefixes = new Map<string, number>();
  private readonly scratchUuid = new Uint8Array(16);
  private generation = 0;
  /** Live slots flagged HUNT, and where the next takeForHunt() starts looking. */
  private hunting = 0;
  private huntCursor = 0;

  get attributeCount(): number {
    return this.live;
  }

  get keyCount(): number {
    return this.distinctKeys;
  }

  /** Keys per indicator kind. */
  kindCounts(): Map<string, number> {
    return new Map(this.kinds);
  }

  /** Prefix lengths of stored networks per family, for the filter's CIDR probes. */
  prefixLengths(): { v4: number[]; v6: number[] } {
    const v4: number[] = [];
    const v6: number[] = [];
    for (const code of this.prefixes.keys()) {
      const [family, len] = code.split('/');
      (family === '6' ? v6 : v4).push(Number(len));
    }
    return { v4: v4.sort((a, b) => a - b), v6: v6.sort((a, b) => a - b) };
  }

  /** A new pass number: slots touched in this pass are kept by sweep(pass). */
  newPass(): number {
    return ++this.generation;
  }

  event(id: string): EventRecord | undefined {
    const i = this.eventIds.get(id);
    return i === undefined ? undefined : this.events[i];
  }

  eventIndex(id: string): number | undefined {
    return this.eventIds.get(id);
  }

  /**
   * Records what the agent knows of an event, merging in a (possibly partial) head. When the
   * fields that appear in stored values change, the keys of the event's attributes are dirty.
   */
  upsertEvent(head: MispEventHead, dirty: Set<string>): number {
    let i = this.eventIds.get(head.id);
    if (i === undefined) {
      i = this.events.length;
      const rec: EventRecord = { id: head.id, uuid: head.uuid, info: head.info, tags: head.tags ?? [] };
      if (head.org !== undefined) rec.org = head.org;
      if (head.published !== undefined) rec.published = head.published;
      this.events.push(rec);
      this.eventIds.set(head.id, i);
      return i;
    }
    const rec = this.events[i]!;
    let visible = false;
    if (head.uuid && head.uuid !== rec.uuid) {
      rec.uuid = head.uuid;
      visible = true;
    }
    if (head.info && head.info !== rec.info) {
      rec.info = head.info;
      visible = true;
    }
    if (head.org !== undefined && head.org !== rec.org) {
      rec.org = head.org;
      visible = true;
    }
    if (head.tags !== null && !sameList(head.tags, rec.tags)) {
      rec.tags = head.tags;
      visible = true;
    }
    if (head.published !== undefined) rec.published = head.published;
    if (visible) this.markEventDirty(i, dirty);
    return i;
  }

  private isLive(s: number): boolean {
    return (this.flags[s]! & LIVE) !== 0;
  }

  private markEventDirty(ev: number, dirty: Set<string>): void {
    for (let s = 0; s < this.top; s++) {
      if (this.isLive(s) && this.eventIdx[s] === ev) for (const k of this.keysOfSlot(s)) dirty.add(k);
    }
  }

  private grow(): void {
    const cap = Math.max(1024, Math.ceil(this.capacity * 1.25));
    if (cap > MAX_SLOTS) throw new Error(`the index holds at most ${MAX_SLOTS} attributes`);
    // Resizable buffers grow in place (address space reserved up front, pages committed as they
    // are touched): no copy, so no moment with the old and new arrays both in memory.
    for (const c of [this.uuidBytes, this.valOff, this.valLen, this.typeId, this.catId, this.eventIdx, this.ts, this.tagSet, this.flags, this.gen, this.keyHash, this.uuidHash,
      this.expiresAt, this.decayModel, this.decayBase, this.decayScore, this.decayScoredAt, this.decaySince]) {
      (c.buffer as ResizableBuffer).resize(cap * perSlot(c));
    }
    this.capacity = cap;
  }

  private alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.top === this.capacity) this.grow();
    return this.top++;
  }

  private tagSetId(tags: string[]): number {
    if (tags.length === 0) return 0;
    return this.tagSets.id(tags);
  }

  private valueAt(s: number): string {
    return this.values.read(this.valOff[s]!, this.valLen[s]!);
  }

  /** Reclaims the space of replaced and deleted values when it has grown large. */
  compact(): void {
    if (this.values.wantsCompaction()) this.values.compact(this.valOff, this.valLen, (s) => this.isLive(s), this.top);
  }

  private uuidOf(s: number): string {
    return (this.flags[s]! & ODD_UUID) !== 0 ? this.oddUuids.get(s)! : unpackUuid(this.uuidBytes, s * 16);
  }

  private findUuid(uuid: string): number | undefined {
    hashString(uuid);
    const packed = packUuid(uuid, this.scratchUuid, 0);
    let found: number | undefined;
    this.byUuid.scan(hashA(), (s) => {
      if (!packed) {
        if ((this.flags[s]! & ODD_UUID) !== 0 && this.oddUuids.get(s) === uuid) found = s;
      } else if ((this.flags[s]! & ODD_UUID) === 0) {
        const at = s * 16;
        let i = 0;
        while (i < 16 && this.uuidBytes[at + i] === this.scratchUuid[i]) i++;
        if (i === 16) found = s;
      }
      return found !== undefined;
    });
    return found;
  }

  /** The slot's keys, rebuilt from its type and value (the same function that made them). */
  private keysOfSlot(s: number): string[] {
    const r = mispIndicators(this.strings.list[this.typeId[s]!]!, this.valueAt(s));
    return r ? r.indicators.map((i) => i.key) : [];
  }

  /** Live slots holding the key whose hashes are (a, b), in slot order. */
  private slotsWith(a: number, b: number): number[] {
    const out: number[] = [];
    this.byKey.scan(a, (entry) => {
      const at = (entry >> 1) * 4 + (entry & 1) * 2;
      if (this.keyHash[at] === a && this.keyHash[at + 1] === b) out.push(entry >> 1);
    });
    return out.length > 1 ? out.sort((x, y) => x - y) : out;
  }

  private link(key: string, s: number, which: 0 | 1): void {
    hashString(key);
    const a = hashA();
    const b = hashB();
    const at = s * 4 + which * 2;
    this.keyHash[at] = a;
    this.keyHash[at + 1] = b;
    if (which === 1) this.flags[s]! |= HAS_B;
    const first = this.slotsWith(a, b).length === 0;
    this.byKey.add(a, s * 2 + which);
    if (first) this.countKey(key, 1);
  }

  private unlinkAll(s: number, dirty: Set<string>): void {
    const keys = this.keysOfSlot(s);
    const at = s * 4;
    this.byKey.delete(this.keyHash[at]!, s * 2);
    if ((this.flags[s]! & HAS_B) !== 0) this.byKey.delete(this.keyHash[at + 2]!, s * 2 + 1);
    this.flags[s]! &= ~HAS_B;
    for (const key of keys) {
      dirty.add(key);
      hashString(key);
      const rest = this.slotsWith(hashA(), hashB()).filter((x) => x !== s);
      if (rest.length === 0) this.countKey(key, -1);
    }
    this.keyHash.fill(0, at, at + 4);
  }

  private countKey(key: string, delta: number): void {
    this.distinctKeys += delta;
    const kind = kindOfKey(key);
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + delta);
    if (this.kinds.get(kind) === 0) this.kinds.delete(kind);
    if (kind === 'net') {
      const canonical = key.slice(KEY_PREFIX.length + 4);
      const slash = canonical.lastIndexOf('/');
      if (slash < 0) return;
      const code = `${canonical.includes(':') ? 6 : 4}/${canonical.slice(slash + 1)}`;
      const n = (this.prefixes.get(code) ?? 0) + delta;
      if (n <= 0) this.prefixes.delete(code);
      else this.prefixes.set(code, n);
    }
  }

  /**
   * Stores or updates one attribute that qualifies. Every key whose value changes is added to
   * dirty; touched gets every key of the attribute (changed or not). An attribute whose value
   * yields no indicator is removed (and reported as invalid).
   */
  /**
   * Stores or updates an attribute. With `hunt`, an attribute that is new here or whose value or
   * type changed (so its keys may find other events) is flagged for the retro-hunt.
   */
  upsert(a: MispAttribute, ev: number, pass: number, dirty: Set<string>, touched?: Set<string>, invalid?: { parts: number }, hunt = false): UpsertResult {
    const found = mispIndicators(a.type, a.value);
    const existing = this.findUuid(a.uuid);
    if (found && invalid) invalid.parts += found.invalid;
    if (found && touched) for (const ind of found.indicators) touched.add(ind.key);
    if (!found || found.indicators.length === 0) {
      if (existing !== undefined) this.removeSlot(existing, dirty);
      return 'invalid';
    }
    let rekeyed = existing === undefined;
    const typeId = this.strings.id(a.type);
    const catId = this.strings.id(a.category);
    const tagSet = this.tagSetId(a.tags);
    const toIds = a.toIds ? TOIDS : 0;
    const ts = a.timestamp >>> 0;
    let s = existing;
    if (s !== undefined) {
      const seen = this.seen.get(s);
      if (
        this.values.equals(this.valOff[s]!, this.valLen[s]!, a.value) && this.typeId[s] === typeId && this.catId[s] === catId && this.eventIdx[s] === ev &&
        this.ts[s] === ts && this.tagSet[s] === tagSet && (this.flags[s]! & TOIDS) === toIds &&
        seen?.[0] === a.firstSeen && seen?.[1] === a.lastSeen && this.sameDecay(s, a)
      ) {
        this.gen[s] = pass;
        return 'unchanged';
      }
      rekeyed = this.typeId[s] !== typeId || !this.values.equals(this.valOff[s]!, this.valLen[s]!, a.value);
      this.unlinkAll(s, dirty);
    } else {
      s = this.alloc();
      this.live++;
      if (packUuid(a.uuid, this.uuidBytes, s * 16)) this.flags[s] = LIVE;
      else {
        this.flags[s] = LIVE | ODD_UUID;
        this.oddUuids.set(s, a.uuid);
      }
      hashString(a.uuid);
      this.uuidHash[s] = hashA();
      this.byUuid.add(hashA(), s);
    }
    const len = Buffer.byteLength(a.value, 'utf8');
    if (existing !== undefined && this.values.equals(this.valOff[s]!, this.valLen[s]!, a.value)) {
      // Same value, other fields changed: the bytes stay where they are.
    } else {
      if (existing !== undefined) this.values.release(this.valLen[s]!);
      this.valOff[s] = this.values.append(a.value, len);
      this.valLen[s] = len;
    }
    this.typeId[s] = typeId;
    this.catId[s] = catId;
    this.eventIdx[s] = ev;
    this.ts[s] = ts;
    this.tagSet[s] = tagSet;
    this.flags[s] = (this.flags[s]! & ~TOIDS) | toIds;
    this.gen[s] = pass;
    if (a.firstSeen !== undefined || a.lastSeen !== undefined) this.seen.set(s, [a.firstSeen, a.lastSeen]);
    else this.seen.delete(s);
    this.setDecay(s, a.decay, a.expires);
    const inds = found.indicators;
    this.link(inds[0]!.key, s, 0);
    dirty.add(inds[0]!.key);
    if (inds.length > 1 && inds[1]!.key !== inds[0]!.key) {
      this.link(inds[1]!.key, s, 1);
      dirty.add(inds[1]!.key);
    }
    if (hunt && rekeyed) this.flagHunt(s);
    return existing === undefined ? 'added' : 'changed';
  }

  private flagHunt(s: number): void {
    if ((this.flags[s]! & HUNT) !== 0) return;
    this.flags[s] = this.flags[s]! | HUNT;
    this.hunting++;
  }

  /** Attributes flagged for the retro-hunt. */
  get huntPending(): number {
    return this.hunting;
  }

  /** Flags an attribute for the retro-hunt (again); false when the agent does not hold it. */
  markForHunt(uuid: string): boolean {
    const s = this.findUuid(uuid);
    if (s === undefined) return false;
    this.flagHunt(s);
    return true;
  }

  /** Flags every stored attribute for the retro-hunt (--retro-backfill); returns how many. */
  markAllForHunt(): number {
    for (let s = 0; s < this.top; s++) if (this.isLive(s)) this.flagHunt(s);
    return this.hunting;
  }

  /**
   * Up to max flagged attributes, as the filter would read them from memcached, now under way:
   * no longer waiting, but written to the snapshot as waiting until finishHunt() says how the
   * hunt ended, so an agent killed in the middle of it hunts them again. Round-robin over the
   * slots, so attributes flagged later still wait their turn.
   */
  takeForHunt(max: number): AttributeSummary[] {
    const out: AttributeSummary[] = [];
    if (this.hunting === 0 || this.top === 0) return out;
    let s = this.huntCursor % this.top;
    for (let seen = 0; seen < this.top && out.length < max; seen++, s = (s + 1) % this.top) {
      if ((this.flags[s]! & (HUNT | LIVE)) !== (HUNT | LIVE)) continue;
      this.flags[s] = (this.flags[s]! & ~HUNT) | HUNTING;
      this.hunting--;
      out.push(this.summary(s));
    }
    this.huntCursor = s;
    return out;
  }

  /** A hunt of these attributes ended; when it failed, those still stored wait again. */
  finishHunt(uuids: readonly string[], ok: boolean): void {
    for (const uuid of uuids) {
      const s = this.findUuid(uuid);
      if (s === undefined) continue;
      this.flags[s] = this.flags[s]! & ~HUNTING;
      if (!ok) this.flagHunt(s);
    }
  }

  /** Removes an attribute by uuid; false when the agent did not hold it. */
  remove(uuid: string, dirty: Set<string>): boolean {
    const s = this.findUuid(uuid);
    if (s === undefined) return false;
    this.removeSlot(s, dirty);
    return true;
  }

  private removeSlot(s: number, dirty: Set<string>): void {
    this.unlinkAll(s, dirty);
    this.byUuid.delete(this.uuidHash[s]!, s);
    this.oddUuids.delete(s);
    // Removed: never hunted (a later re-add flags it again).
    if ((this.flags[s]! & HUNT) !== 0) this.hunting--;
    this.flags[s] = 0;
    this.values.release(this.valLen[s]!);
    this.valLen[s] = 0;
    this.seen.delete(s);
    this.setDecay(s, undefined, undefined);
    this.free.push(s);
    this.live--;
  }

  /** Removes the event's attributes not seen in pass (all of them when pass is 0). */
  sweepEvent(ev: number, pass: number, dirty: Set<string>): number {
    let n = 0;
    for (let s = 0; s < this.top; s++) {
      if (this.isLive(s) && this.eventIdx[s] === ev && (pass === 0 || this.gen[s] !== pass)) {
        this.removeSlot(s, dirty);
        n++;
      }
    }
    return n;
  }

  /** Removes every attribute not seen in pass: what a full resync did not find any more. */
  /** How many stored attributes sweep(pass) would remove. */
  countUnseen(pass: number): number {
    let n = 0;
    for (let s = 0; s < this.top; s++) if (this.isLive(s) && this.gen[s] !== pass) n++;
    return n;
  }

  /** How many stored attributes these events hold (by event index). */
  countInEvents(events: ReadonlySet<number>): number {
    let n = 0;
    for (let s = 0; s < this.top; s++) if (this.isLive(s) && events.has(this.eventIdx[s]!)) n++;
    return n;
  }

  /** The ids of the events the index knows. */
  eventIdList(): string[] {
    return this.events.map((e) => e.id);
  }

  sweep(pass: number, dirty: Set<string>): number {
    let n = 0;
    for (let s = 0; s < this.top; s++) {
      if (this.isLive(s) && this.gen[s] !== pass) {
        this.removeSlot(s, dirty);
        n++;
      }
    }
    return n;
  }

  /** Every distinct key once (rebuilt from the attributes; the first slot holding it yields it). */
  *keys(): Generator<string> {
    for (let s = 0; s < this.top; s++) {
      if (!this.isLive(s)) continue;
      for (const key of this.keysOfSlot(s)) {
        hashString(key);
        if (this.slotsWith(hashA(), hashB())[0] === s) yield key;
      }
    }
  }

  private summary(s: number): AttributeSummary {
    const ev = this.events[this.eventIdx[s]!]!;
    const own = this.tagSets.list[this.tagSet[s]!]!;
    const tags = ev.tags.length === 0 ? own : own.length === 0 ? ev.tags : [...new Set([...own, ...ev.tags])];
    const out: AttributeSummary = {
      uuid: this.uuidOf(s),
      type: this.strings.list[this.typeId[s]!]!,
      category: this.strings.list[this.catId[s]!]!,
      value: this.valueAt(s),
      to_ids: (this.flags[s]! & TOIDS) !== 0,
      event_id: ev.id,
      event_uuid: ev.uuid,
      event_info: ev.info,
      tags,
      timestamp: this.ts[s]!,
    };
    const seen = this.seen.get(s);
    if (seen?.[0] !== undefined) out.first_seen = seen[0];
    if (seen?.[1] !== undefined) out.last_seen = seen[1];
    if (ev.org !== undefined) out.org = ev.org;
    const decay = this.decayOf(s);
    if (decay) out.decay = decay;
    if (this.expiresAt[s] !== 0) out.expires = this.expiresAt[s]!;
    return out;
  }

  /** The value to store under key, or null when no attribute holds it any more (delete it). */
  valueOf(key: string): string | null {
    const attrs = this.summariesOf(key);
    return attrs.length === 0 ? null : encodeSummary(attrs);
  }

  /** The attributes held under key, as the filter reads them (none: the key is not held). */
  summariesOf(key: string): AttributeSummary[] {
    hashString(key);
    return this.slotsWith(hashA(), hashB()).map((s) => this.summary(s));
  }

  /** Whether an attribute holds key. */
  hasKey(key: string): boolean {
    hashString(key);
    return this.slotsWith(hashA(), hashB()).length > 0;
  }

  /** Every stored attribute in snapshot form, events first; `hunt` when it waits for the retro-hunt. */
  *records(): Generator<{ event: EventRecord } | { attribute: MispAttribute; hunt: boolean }> {
    for (const event of this.events) yield { event };
    for (let s = 0; s < this.top; s++) {
      if (!this.isLive(s)) continue;
      const ev = this.events[this.eventIdx[s]!]!;
      const seen = this.seen.get(s);
      const a: MispAttribute = {
        uuid: this.uuidOf(s),
        type: this.strings.list[this.typeId[s]!]!,
        category: this.strings.list[this.catId[s]!]!,
        value: this.valueAt(s),
        toIds: (this.flags[s]! & TOIDS) !== 0,
        deleted: false,
        timestamp: this.ts[s]!,
        event: { id: ev.id, uuid: ev.uuid, info: ev.info, tags: null },
        tags: this.tagSets.list[this.tagSet[s]!]!,
      };
      if (seen?.[0] !== undefined) a.firstSeen = seen[0];
      if (seen?.[1] !== undefined) a.lastSeen = seen[1];
      const decay = this.decayOf(s);
      if (decay) a.decay = decay;
      if (this.expiresAt[s] !== 0) a.expires = this.expiresAt[s]!;
      yield { attribute: a, hunt: (this.flags[s]! & (HUNT | HUNTING)) !== 0 };
    }
  }

  private decayModelId(d: DecaySummary): number {
    const key = `${d.model}\u0000${d.threshold}\u0000${d.lifetime ?? ''}\u0000${d.decay_speed ?? ''}`;
    let id = this.decayModelIds.get(key);
    if (id === undefined) {
      if (this.decayModels.length >= 0xffff) throw new Error('more than 65,535 distinct decaying model settings');
      id = this.decayModels.length;
      const rec: DecayModelRecord = { model: d.model, threshold: d.threshold };
      if (d.lifetime !== undefined && d.decay_speed !== undefined) {
        rec.lifetime = d.lifetime;
        rec.decaySpeed = d.decay_speed;
      }
      this.decayModels.push(rec);
      this.decayModelIds.set(key, id);
    }
    return id;
  }

  private setDecay(s: number, d: DecaySummary | undefined, expires: number | undefined): void {
    const before = this.expiresAt[s] !== 0;
    // Rounded up: at the stored second the attribute has expired, never a moment before.
    this.expiresAt[s] = expires === undefined ? 0 : Math.min(0xffffffff, Math.max(1, Math.ceil(expires)));
    const after = this.expiresAt[s] !== 0;
    this.expiring += (after ? 1 : 0) - (before ? 1 : 0);
    if (!d) {
      this.decayModel[s] = 0;
      return;
    }
    this.decayModel[s] = this.decayModelId(d);
    this.decayBase[s] = d.base_score;
    this.decayScore[s] = d.score;
    this.decayScoredAt[s] = Math.max(0, Math.floor(d.scored_at));
    this.decaySince[s] = d.since ?? 0;
  }

  private decayOf(s: number): DecaySummary | undefined {
    const m = this.decayModel[s]!;
    if (m === 0) return undefined;
    const rec = this.decayModels[m]!;
    const out: DecaySummary = { model: rec.model, base_score: this.decayBase[s]!, threshold: rec.threshold, score: this.decayScore[s]!, scored_at: this.decayScoredAt[s]! };
    if (rec.lifetime !== undefined && rec.decaySpeed !== undefined) {
      out.lifetime = rec.lifetime;
      out.decay_speed = rec.decaySpeed;
      out.since = this.decaySince[s]!;
    }
    return out;
  }

  /** Whether the slot already holds this attribute's decay and expiry (within what a resync jitters). */
  private sameDecay(s: number, a: MispAttribute): boolean {
    const d = a.decay;
    const model = this.decayModel[s]!;
    const expires = a.expires === undefined ? 0 : Math.ceil(a.expires);
    if (!d) return model === 0 && sameExpiry(this.expiresAt[s]!, expires, undefined);
    if (model === 0) return false;
    const rec = this.decayModels[model]!;
    if (rec.model !== d.model || rec.threshold !== d.threshold || rec.lifetime !== d.lifetime || rec.decaySpeed !== d.decay_speed) return false;
    if (Math.fround(d.base_score) !== this.decayBase[s]) return false;
    // A score that does not follow the clock is what changes; a polynomial one moves with time.
    if (d.lifetime === undefined && Math.abs(d.score - this.decayScore[s]!) > 0.5) return false;
    return sameExpiry(this.expiresAt[s]!, expires, d.lifetime);
  }

  /** The earliest expiry among stored attributes (Unix seconds), or null when none expires. */
  nextExpiry(): number | null {
    if (this.expiring === 0) return null;
    let min = Infinity;
    for (let s = 0; s < this.top; s++) {
      const e = this.expiresAt[s]!;
      if (e !== 0 && e < min && this.isLive(s)) min = e;
    }
    return min === Infinity ? null : min;
  }

  /** Removes every attribute expired at Unix second `now`; their keys go to dirty. */
  expire(now: number, dirty: Set<string>): number {
    if (this.expiring === 0) return 0;
    let n = 0;
    for (let s = 0; s < this.top; s++) {
      const e = this.expiresAt[s]!;
      if (e !== 0 && e <= now && this.isLive(s)) {
        this.removeSlot(s, dirty);
        n++;
      }
    }
    return n;
  }

  /** Counts of stored attributes per MISP type. */
  typeCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let s = 0; s < this.top; s++) {
      if (!this.isLive(s)) continue;
      const t = this.strings.list[this.typeId[s]!]!;
      out[t] = (out[t] ?? 0) + 1;
    }
    return out;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
