// The columns MISP's attribute queries look at, read from a file-backed attribute or computed
// for a synthetic index without building the attribute: one reusable view per source, so a
// scan over a million synthetic rows allocates nothing until a value is actually needed.
import type { SimAttribute, SimEvent, SimTag } from './model.js';
import type { SyntheticSource } from './synthetic.js';

export interface AttrView {
  id(): number;
  eventId(): number;
  objectId(): number;
  /** Object.deleted, or null for an attribute outside any object. */
  objectDeleted(): boolean | null;
  type(): string;
  category(): string;
  objectRelation(): string | null;
  /** MISP's value1/value2 columns: a composite value split at its "|", value2 "" otherwise. */
  value1(): string;
  value2(): string;
  toIds(): boolean;
  deleted(): boolean;
  uuid(): string;
  timestamp(): number;
  sharingGroupId(): string;
  distribution(): string;
  firstSeen(): string | null;
  lastSeen(): string | null;
  tags(): readonly SimTag[];
  event(): SimEvent;
}

/** MispAttribute::getCompositeTypes: malware-sample and every type with a "|". */
export function isComposite(type: string): boolean {
  return type.includes('|') || type === 'malware-sample';
}

export function splitValue(type: string, value: string): [string, string] {
  if (!isComposite(type)) return [value, ''];
  const cut = value.indexOf('|');
  return cut < 0 ? [value, ''] : [value.slice(0, cut), value.slice(cut + 1)];
}

export class RealView implements AttrView {
  a!: SimAttribute;
  private split: [string, string] | null = null;

  at(a: SimAttribute): this {
    this.a = a;
    this.split = null;
    return this;
  }
  id(): number {
    return this.a.id;
  }
  eventId(): number {
    return this.a.eventId;
  }
  objectId(): number {
    return this.a.objectId;
  }
  objectDeleted(): boolean | null {
    return this.a.object ? this.a.object.deleted : null;
  }
  type(): string {
    return this.a.type;
  }
  category(): string {
    return this.a.category;
  }
  objectRelation(): string | null {
    return this.a.objectRelation;
  }
  value1(): string {
    return (this.split ??= splitValue(this.a.type, this.a.value))[0];
  }
  value2(): string {
    return (this.split ??= splitValue(this.a.type, this.a.value))[1];
  }
  toIds(): boolean {
    return this.a.toIds;
  }
  deleted(): boolean {
    return this.a.deleted;
  }
  uuid(): string {
    return this.a.uuid;
  }
  timestamp(): number {
    return this.a.timestamp;
  }
  sharingGroupId(): string {
    return this.a.sharingGroupId;
  }
  distribution(): string {
    return this.a.distribution;
  }
  firstSeen(): string | null {
    return this.a.firstSeen;
  }
  lastSeen(): string | null {
    return this.a.lastSeen;
  }
  tags(): readonly SimTag[] {
    return this.a.tags;
  }
  event(): SimEvent {
    return this.a.event;
  }
}

const NO_TAGS: readonly SimTag[] = [];

export class SyntheticView implements AttrView {
  i = 0;
  private valueOf = -1;
  private split: [string, string] = ['', ''];
  private ev: { j: number; generation: number; ev: SimEvent } | null = null;

  constructor(private readonly syn: SyntheticSource) {}

  at(i: number): this {
    this.i = i;
    return this;
  }
  id(): number {
    return this.syn.attributeId(this.i);
  }
  eventId(): number {
    return this.syn.eventId(this.syn.eventIndex(this.i));
  }
  objectId(): number {
    return 0;
  }
  objectDeleted(): boolean | null {
    return null;
  }
  type(): string {
    return this.syn.type(this.i);
  }
  category(): string {
    return this.syn.slot(this.i).category;
  }
  objectRelation(): string | null {
    return null;
  }
  private values(): [string, string] {
    if (this.valueOf !== this.i) {
      this.split = splitValue(this.syn.type(this.i), this.syn.value(this.i));
      this.valueOf = this.i;
    }
    return this.split;
  }
  value1(): string {
    return this.values()[0];
  }
  value2(): string {
    return this.values()[1];
  }
  toIds(): boolean {
    return this.syn.toIds(this.i);
  }
  deleted(): boolean {
    return this.syn.deleted(this.i);
  }
  uuid(): string {
    return this.syn.attributeUuid(this.i);
  }
  timestamp(): number {
    return this.syn.timestamp(this.i);
  }
  sharingGroupId(): string {
    return '0';
  }
  distribution(): string {
    return '5';
  }
  firstSeen(): string | null {
    return null;
  }
  lastSeen(): string | null {
    return null;
  }
  tags(): readonly SimTag[] {
    return NO_TAGS;
  }
  event(): SimEvent {
    const j = this.syn.eventIndex(this.i);
    const c = this.ev;
    if (c && c.j === j && c.generation === this.syn.generation) return c.ev;
    const ev = this.syn.event(j, false);
    this.ev = { j, generation: this.syn.generation, ev };
    return ev;
  }
}
