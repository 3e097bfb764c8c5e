// One MISP feed (--feed NAME=LOCATION) as a part of the indicator set, following what MISP's own
// feed fetcher does between fetches (app/Model/Feed.php, getNewEventUuids): the manifest is read
// at every sync; an event new to it or whose timestamp moved is read again (its attributes
// replace the ones it had); an event gone from the manifest loses its attributes. The attributes
// go through the agent's own filters (types, to_ids, tags, --max-age) as MISP's do; a feed's
// events count as published. A sync that fails changes nothing: the feed keeps its last
// known-good part, and so does one whose manifest would remove more than --max-removal-share.
import type { MispAttribute, MispEventHead } from '../misp/attribute.js';
import { orgName, readAttribute, tagNames } from '../misp/attribute.js';
import type { AttributeFilter } from '../misp/filters.js';
import { AgentError, ErrorCodes } from '../ops/errors.js';
import { IndicatorState } from '../sync/state.js';
import type { FeedReader } from './feed-reader.js';

export interface FeedSummary {
  feed: string;
  duration_ms: number;
  events: { read: number; unchanged: number; removed: number };
  attributes: { added: number; changed: number; unchanged: number; removed: number };
  skipped: Record<string, number>;
}

/** The event's attributes, its objects' included, read as restSearch's would be. */
function eventAttributes(ev: Record<string, unknown>, head: MispEventHead): { attributes: MispAttribute[]; unreadable: number } {
  const raw: unknown[] = [...(Array.isArray(ev.Attribute) ? ev.Attribute : [])];
  for (const o of Array.isArray(ev.Object) ? ev.Object : []) {
    if (o && typeof o === 'object' && Array.isArray((o as { Attribute?: unknown }).Attribute)) raw.push(...(o as { Attribute: unknown[] }).Attribute);
  }
  const attributes: MispAttribute[] = [];
  let unreadable = 0;
  for (const r of raw) {
    // A feed's attributes carry no event_id: the event's uuid stands for it.
    const a = r && typeof r === 'object' ? readAttribute({ ...(r as Record<string, unknown>), event_id: head.id }) : null;
    if (!a) {
      unreadable++;
      continue;
    }
    a.event = head;
    attributes.push(a);
  }
  return { attributes, unreadable };
}

export class FeedSync {
  readonly state = new IndicatorState();
  /** Event uuid → the manifest timestamp it was read at. */
  private readonly known = new Map<string, number>();
  lastSuccessMs = 0;
  lastError: AgentError | null = null;
  /** Flag what becomes matchable for the retro-hunt (set once the part is known: after its first read or its snapshot). */
  huntChanges = false;

  constructor(
    readonly reader: FeedReader,
    private readonly filter: AttributeFilter,
    private readonly maxRemovalShare: number,
  ) {}

  /**
   * After the part was read from a snapshot: its events are known, at no timestamp, so the next
   * read takes each listed one again and drops those the manifest no longer lists.
   */
  restored(): void {
    for (const id of this.state.eventIdList()) this.known.set(id, -1);
  }

  get name(): string {
    return this.reader.name;
  }

  /** Reads what changed in the feed; the keys whose value changed go to dirty. */
  async sync(dirty: Set<string>): Promise<FeedSummary> {
    const started = Date.now();
    const summary: FeedSummary = { feed: this.name, duration_ms: 0, events: { read: 0, unchanged: 0, removed: 0 }, attributes: { added: 0, changed: 0, unchanged: 0, removed: 0 }, skipped: {} };
    const manifest = await this.reader.manifest();
    const listed = new Map(manifest.map((e) => [e.uuid, e.timestamp]));
    const gone = [...this.known.keys()].filter((uuid) => !listed.has(uuid));
    // Everything that will be read is read first: a feed failing half way changes nothing.
    const changed = manifest.filter((e) => this.known.get(e.uuid) !== e.timestamp);
    const events: [string, number, Record<string, unknown>][] = [];
    for (const e of changed) events.push([e.uuid, e.timestamp, await this.reader.event(e.uuid)]);
    const stored = this.state.attributeCount;
    if (stored > 0) {
      const indexes = new Set(gone.flatMap((uuid) => this.state.eventIndex(uuid) ?? []));
      const removing = this.state.countInEvents(indexes);
      if (removing / stored > this.maxRemovalShare) {
        throw new AgentError(ErrorCodes.MASS_REMOVAL, `feed ${this.name}: its manifest would remove ${removing} of the ${stored} stored attributes, over --max-removal-share ${this.maxRemovalShare}: kept them all`);
      }
    }
    for (const uuid of gone) {
      const ev = this.state.eventIndex(uuid);
      if (ev !== undefined) summary.attributes.removed += this.state.sweepEvent(ev, 0, dirty);
      this.known.delete(uuid);
      summary.events.removed++;
    }
    const now = Date.now() / 1000;
    for (const [uuid, timestamp, ev] of events) {
      const org = orgName(ev);
      const head: MispEventHead = { id: uuid, uuid, info: typeof ev.info === 'string' ? ev.info : '', tags: tagNames(ev.Tag, false), published: true };
      if (org !== undefined) head.org = org;
      const index = this.state.upsertEvent(head, dirty);
      const pass = this.state.newPass();
      const { attributes, unreadable } = eventAttributes(ev, head);
      if (unreadable > 0) summary.skipped.unreadable = (summary.skipped.unreadable ?? 0) + unreadable;
      for (const a of attributes) {
        const verdict = this.filter.verdict(a, head.tags ?? [], true, now);
        const aged = verdict === 'keep' ? this.filter.ageExpiry(a) : undefined;
        if (verdict !== 'keep' || (aged !== undefined && aged <= now)) {
          const why = verdict === 'keep' ? 'age' : verdict;
          summary.skipped[why] = (summary.skipped[why] ?? 0) + 1;
          continue;
        }
        if (aged !== undefined) a.expires = aged;
        const r = this.state.upsert(a, index, pass, dirty, undefined, undefined, this.huntChanges);
        if (r === 'invalid') summary.skipped.invalid = (summary.skipped.invalid ?? 0) + 1;
        else summary.attributes[r]++;
      }
      summary.attributes.removed += this.state.sweepEvent(index, pass, dirty);
      this.known.set(uuid, timestamp);
      summary.events.read++;
    }
    summary.events.unchanged = manifest.length - changed.length;
    this.state.compact();
    this.lastSuccessMs = Date.now();
    this.lastError = null;
    summary.duration_ms = Date.now() - started;
    return summary;
  }
}
