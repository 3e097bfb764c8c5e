// Log values repeat: the same resolvers, proxies, internal hosts and domains appear in batch
// after batch. Normalizing and expanding a value (candidateProbes) is most of the core's work
// when GraalJS runs interpreted, so each enricher remembers the last few thousand answers.
// Pure memoization: no I/O, bounded, and emptied whenever the CIDR prefix lengths in use change,
// since those decide which network keys an address probes.
import { candidateProbes, type Candidate, type Datatype, type PrefixPlan } from '../ioc/index.js';

export const CANDIDATE_CACHE_SIZE = 8192;
/** Longer values (long URLs) rarely repeat, and would let log content fill the heap. */
export const MAX_CACHED_VALUE_LENGTH = 512;

export class CandidateCache {
  private readonly entries = new Map<string, Candidate | null>();
  private planKey: string | undefined;
  private prefixes: PrefixPlan | null = null;

  constructor(private readonly max = CANDIDATE_CACHE_SIZE) {}

  /** Sets the prefix plan of the batch about to be collected. */
  usePlan(prefixes: PrefixPlan | null): void {
    const key = prefixes ? `${prefixes.v4.join(',')}|${prefixes.v6.join(',')}` : '*';
    if (key !== this.planKey) {
      this.entries.clear();
      this.planKey = key;
    }
    this.prefixes = prefixes;
  }

  probe(datatype: Datatype, raw: string): Candidate | null {
    if (raw.length > MAX_CACHED_VALUE_LENGTH) return candidateProbes(datatype, raw, this.prefixes);
    const key = `${datatype}\u0000${raw}`;
    let found = this.entries.get(key);
    if (found === undefined) {
      found = candidateProbes(datatype, raw, this.prefixes);
      // Oldest first out: a Map iterates in insertion order.
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, found);
    }
    return found;
  }
}
