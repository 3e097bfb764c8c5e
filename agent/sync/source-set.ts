// The one indicator set every memcached server gets, made of several sources' parts: the main
// MISP instance's index, one per further MISP instance (--sources) and one per MISP feed (--feed). Each part is synced, fails and keeps
// its last known-good content on its own; a key's value lists the attributes every part holds
// under it, each attribute once (a feed mirroring an event of the MISP instance carries the same
// uuids), with a feed's attributes naming their feed (summary `source`, `feed`), which the
// filter writes as the enrichment's feed.name and uses to know there is no MISP to ask about them.
import { encodeSummary, type AttributeSummary } from '../../plugin/core/ioc/index.js';
import type { IndicatorState } from './state.js';

export interface SetPart {
  name: string;
  /** A MISP feed (no MISP server behind its attributes); false for a MISP instance. */
  feed: boolean;
  /** The main MISP instance (--misp-url): its attributes name no source. */
  main?: boolean;
  state: IndicatorState;
}

export class SourceSet {
  constructor(readonly parts: readonly SetPart[]) {}

  /** Every key of every part, once. */
  keys(): Generator<string> {
    return keysOf(this.parts);
  }

  /** Keys held by the other parts than `own`'s: what a server loaded by one source's full sync still lacks. */
  keysBeyond(own: IndicatorState): Generator<string> {
    return keysOf(this.parts.filter((p) => p.state !== own));
  }

  valueOf(key: string): string | null {
    if (this.parts.length === 1 && this.parts[0]!.main) return this.parts[0]!.state.valueOf(key);
    const attrs: AttributeSummary[] = [];
    const seen = new Set<string>();
    for (const part of this.parts) {
      for (const a of part.state.summariesOf(key)) {
        if (seen.has(a.uuid)) continue;
        seen.add(a.uuid);
        attrs.push(part.main ? a : part.feed ? { ...a, source: part.name, feed: true } : { ...a, source: part.name });
      }
    }
    return attrs.length === 0 ? null : encodeSummary(attrs);
  }

  prefixLengths(): { v4: number[]; v6: number[] } {
    const v4 = new Set<number>();
    const v6 = new Set<number>();
    for (const part of this.parts) {
      const p = part.state.prefixLengths();
      for (const n of p.v4) v4.add(n);
      for (const n of p.v6) v6.add(n);
    }
    return { v4: [...v4].sort((a, b) => a - b), v6: [...v6].sort((a, b) => a - b) };
  }

  /** Keys of all parts (a key several parts hold is counted in each: an upper bound). */
  get keyCount(): number {
    return this.parts.reduce((n, p) => n + p.state.keyCount, 0);
  }
}

/** Every key of these parts once: a key goes with the first part that holds it. */
function* keysOf(parts: readonly SetPart[]): Generator<string> {
  if (parts.length === 1) {
    yield* parts[0]!.state.keys();
    return;
  }
  for (const [i, part] of parts.entries()) {
    for (const key of part.state.keys()) if (!parts.slice(0, i).some((p) => p.state.hasKey(key))) yield key;
  }
}
