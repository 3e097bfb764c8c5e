// Which attributes the agent keeps. The same filters go to MISP in the restSearch body (less
// data on the wire) and are checked again here, because incremental queries deliberately ask
// MISP for more (soft-deleted attributes, to_ids cleared, tags removed) to learn what to delete.
import type { MispAttribute } from './attribute.js';

export interface FilterOptions {
  types: readonly string[];
  toIdsOnly: boolean;
  publishedOnly: boolean;
  tags: readonly string[];
  excludeTags: readonly string[];
  /** Seconds; 0 for no time window. */
  maxAge: number;
  /** Ask MISP for decay scores (includeDecayScore), with these models only when not empty. */
  decay: boolean;
  decayModels: readonly string[];
}

/** Unix seconds of a MISP first_seen/last_seen ("2019-06-14T10:48:37.000000+00:00"), or null. */
export function seenSeconds(text: string | undefined): number | null {
  if (text === undefined) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

/**
 * The moment an attribute's age counts from: its last_seen when MISP has one (the last time it
 * was observed, which MISP's decaying models also start from), else its timestamp (last change).
 */
export function ageReference(a: MispAttribute): number {
  return seenSeconds(a.lastSeen) ?? a.timestamp;
}

/** MISP tag filters are SQL LIKE patterns: % matches any run of characters, case-insensitive. */
export function tagPattern(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

export type Verdict = 'keep' | 'type' | 'deleted' | 'to_ids' | 'tags' | 'unpublished' | 'age' | 'decayed';

export class AttributeFilter {
  private readonly types: Set<string>;
  private readonly include: RegExp[];
  private readonly exclude: RegExp[];

  constructor(private readonly opts: FilterOptions) {
    this.types = new Set(opts.types);
    this.include = opts.tags.map(tagPattern);
    this.exclude = opts.excludeTags.map(tagPattern);
  }

  /**
   * The verdict for one attribute. eventPublished and eventTags come from what the agent knows
   * of the event when the attribute itself does not carry them.
   */
  verdict(a: MispAttribute, eventTags: readonly string[], eventPublished: boolean | undefined, nowSeconds: number): Verdict {
    if (!this.types.has(a.type)) return 'type';
    if (a.deleted) return 'deleted';
    if (this.opts.toIdsOnly && !a.toIds) return 'to_ids';
    if (this.opts.publishedOnly && eventPublished === false) return 'unpublished';
    if (this.opts.maxAge > 0 && ageReference(a) + this.opts.maxAge <= nowSeconds) return 'age';
    if (this.include.length > 0 || this.exclude.length > 0) {
      const all = [...a.tags, ...eventTags];
      if (this.exclude.some((re) => all.some((t) => re.test(t)))) return 'tags';
      if (this.include.length > 0 && !this.include.some((re) => all.some((t) => re.test(t)))) return 'tags';
    }
    return 'keep';
  }

  /** When --max-age drops the attribute (Unix seconds), or undefined without a window. */
  ageExpiry(a: MispAttribute): number | undefined {
    return this.opts.maxAge > 0 ? ageReference(a) + this.opts.maxAge : undefined;
  }

  /** includeDecayScore (and decayingModel) on every attribute listing, with --decay. */
  private withDecay(body: Record<string, unknown>): Record<string, unknown> {
    if (!this.opts.decay) return body;
    body.includeDecayScore = true;
    if (this.opts.decayModels.length > 0) body.decayingModel = [...this.opts.decayModels];
    return body;
  }

  /** The restSearch filters MISP applies on its side for a full listing. */
  searchBody(nowSeconds: number): Record<string, unknown> {
    const body: Record<string, unknown> = {
      returnFormat: 'json',
      type: [...this.opts.types],
      includeEventTags: true,
    };
    if (this.opts.toIdsOnly) body.to_ids = true;
    if (this.opts.publishedOnly) body.published = true;
    const tags = [...this.opts.tags, ...this.opts.excludeTags.map((t) => `!${t}`)];
    if (tags.length > 0) body.tags = tags;
    // Changed within the window; the agent then measures the age from last_seen where set.
    if (this.opts.maxAge > 0) body.timestamp = Math.floor(nowSeconds - this.opts.maxAge);
    return this.withDecay(body);
  }

  /**
   * The body for "what changed since": no to_ids, tag or deleted filter on MISP's side, so
   * attributes that stopped qualifying come back too and can be removed.
   */
  changesBody(sinceSeconds: number): Record<string, unknown> {
    return this.unfilteredBody('timestamp', Math.floor(sinceSeconds));
  }

  /**
   * The body for "these attributes, as they are now" (a ZeroMQ notification): soft-deleted ones
   * included; one MISP does not return (hard-deleted, of another type, in an unpublished event
   * with --published-only) is no longer stored.
   */
  uuidsBody(uuids: readonly string[]): Record<string, unknown> {
    return this.unfilteredBody('uuid', [...uuids]);
  }

  /** The stored types, with event tags and soft-deleted attributes, selected by one more key. */
  private unfilteredBody(key: 'timestamp' | 'uuid', value: unknown): Record<string, unknown> {
    const body: Record<string, unknown> = {
      returnFormat: 'json',
      type: [...this.opts.types],
      includeEventTags: true,
      [key]: value,
      deleted: [0, 1],
    };
    if (this.opts.publishedOnly) body.published = true;
    return this.withDecay(body);
  }
}
