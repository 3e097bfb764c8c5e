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
}

/** MISP tag filters are SQL LIKE patterns: % matches any run of characters, case-insensitive. */
export function tagPattern(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

export type Verdict = 'keep' | 'type' | 'deleted' | 'to_ids' | 'tags' | 'unpublished' | 'age';

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
    if (this.opts.maxAge > 0 && a.timestamp < nowSeconds - this.opts.maxAge) return 'age';
    if (this.include.length > 0 || this.exclude.length > 0) {
      const all = [...a.tags, ...eventTags];
      if (this.exclude.some((re) => all.some((t) => re.test(t)))) return 'tags';
      if (this.include.length > 0 && !this.include.some((re) => all.some((t) => re.test(t)))) return 'tags';
    }
    return 'keep';
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
    if (this.opts.maxAge > 0) body.timestamp = Math.floor(nowSeconds - this.opts.maxAge);
    return body;
  }

  /**
   * The body for "what changed since": no to_ids, tag or deleted filter on MISP's side, so
   * attributes that stopped qualifying come back too and can be removed.
   */
  changesBody(sinceSeconds: number): Record<string, unknown> {
    const body: Record<string, unknown> = {
      returnFormat: 'json',
      type: [...this.opts.types],
      includeEventTags: true,
      timestamp: Math.floor(sinceSeconds),
      deleted: [0, 1],
    };
    if (this.opts.publishedOnly) body.published = true;
    return body;
  }
}
