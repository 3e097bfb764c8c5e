// The changes announced on MISP's ZeroMQ feed and not applied yet, deduplicated (an attribute
// edited ten times while a sync runs is read back once) and bounded: past `max` pending items
// the queue forgets them and asks for an incremental sync instead, which finds the same changes
// by their timestamps. So a burst (an event of 100,000 attributes imported at once) costs a
// few listings, never unbounded memory.
import type { LiveChange } from '../misp/zmq-message.js';

export interface LiveBatch {
  /** Attributes to read back from MISP. */
  attributes: string[];
  /** Attributes MISP hard-deleted. */
  deleted: string[];
  /** Events whose head changed (false) or that were deleted (true). */
  events: Map<string, boolean>;
  /** Events whose attributes are to be listed again (published, or an object changed). */
  eventAttributes: string[];
}

export class LiveQueue {
  private attributes = new Set<string>();
  private deleted = new Set<string>();
  private events = new Map<string, boolean>();
  private eventAttributes = new Set<string>();
  /** Set when changes were forgotten: the caller syncs incrementally instead. */
  overflowed = false;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.attributes.size + this.deleted.size + this.events.size + this.eventAttributes.size;
  }

  add(c: LiveChange): void {
    switch (c.kind) {
      case 'attribute':
        this.deleted.delete(c.uuid);
        this.attributes.add(c.uuid);
        break;
      case 'attribute-deleted':
        this.attributes.delete(c.uuid);
        this.deleted.add(c.uuid);
        break;
      case 'event':
        this.events.set(c.id, c.deleted || (this.events.get(c.id) ?? false));
        break;
      case 'event-attributes':
        this.eventAttributes.add(c.id);
        break;
    }
    if (this.size > this.max) {
      this.clear();
      this.overflowed = true;
    }
  }

  clear(): void {
    this.attributes = new Set();
    this.deleted = new Set();
    this.events = new Map();
    this.eventAttributes = new Set();
  }

  /** Everything pending, leaving the queue empty. */
  take(): LiveBatch {
    const batch: LiveBatch = {
      attributes: [...this.attributes],
      deleted: [...this.deleted],
      events: this.events,
      eventAttributes: [...this.eventAttributes],
    };
    this.clear();
    return batch;
  }
}
