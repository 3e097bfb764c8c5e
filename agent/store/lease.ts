// High availability (--ha-lease): two or more agents load the same memcached servers, and each
// server has one writer at a time, the agent holding its lease. The lease is a memcached key
// (LEASE_KEY) with a TTL: taken with `add` (which only one agent can win), kept with `touch` by
// its holder, lost when the holder stops renewing it (dead, cut off) and the key expires. One
// writer per server means no flapping keys, no double removals and a META_KEY whose synced_at
// never goes back.
//
// The standby keeps syncing with MISP, so its index is as fresh as the holder's, and remembers
// which keys changed lately (a window of a few leases). Taking a lease means writing the whole
// set after the next sync with MISP (memcached-writer.ts reloads a server only with a set newer
// than the one it holds), those remembered keys first: a key deleted in MISP between the
// holder's last write and the takeover is deleted then, not left to its TTL.
//
// The holder counts its lease as held until two thirds of it have passed since the renewal
// that confirmed it, so it stops writing well before another agent can take it over.
import type memjs from 'memjs';
import { KEY_PREFIX } from '../../plugin/core/ioc/index.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';

export const LEASE_KEY = `${KEY_PREFIX}lease`;

export interface LeaseOptions {
  /** The lease's TTL in seconds; renewed every third of it. */
  seconds: number;
  /** This agent's name in the lease key (host and process, or --ha-id). */
  holder: string;
}

/** How long a changed key is remembered by a standby: what the holder may not have written yet. */
const REMEMBER_LEASES = 4;
/** Remembered keys at most; past it the oldest half goes (those the holder has long written). */
const REMEMBER_MAX = 200_000;

type Client = Pick<memjs.Client, 'get' | 'add' | 'touch'>;

export class Lease {
  /** Unix ms until which this agent may write the server; 0: not the holder. */
  private heldUntil = 0;
  private holding = false;
  private renewing: Promise<'taken' | 'kept' | 'standby' | 'error'> | null = null;
  /** Keys changed while another agent held the lease, with when (Unix ms), in insertion order. */
  private readonly changed = new Map<string, number>();

  constructor(
    private readonly client: Client,
    private readonly server: string,
    private readonly opts: LeaseOptions,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  held(): boolean {
    return this.holding && Date.now() < this.heldUntil;
  }

  /**
   * Takes the lease when it is free, keeps it when this agent holds it. 'taken' when this agent
   * starts writing the server now (it must load it whole), 'kept', 'standby' (another agent
   * holds it) or 'error' (the server did not answer: not held until it does).
   */
  renew(): Promise<'taken' | 'kept' | 'standby' | 'error'> {
    // One renewal at a time: the cycle's check and the lease timer may ask together, and two
    // concurrent `add`s of one agent would see it both win and lose the lease.
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<'taken' | 'kept' | 'standby' | 'error'> {
    const asked = Date.now();
    const until = asked + (this.opts.seconds * 1000 * 2) / 3;
    let result: 'taken' | 'kept' | 'standby';
    try {
      const current = (await this.client.get(LEASE_KEY)).value?.toString('utf8') ?? null;
      if (current === this.opts.holder && (await this.client.touch(LEASE_KEY, this.opts.seconds))) {
        // A holder whose lease lapsed (a renewal missed) may have missed writes: as if new.
        result = this.held() ? 'kept' : 'taken';
      } else if (current === null && (await this.client.add(LEASE_KEY, this.opts.holder, { expires: this.opts.seconds }))) {
        result = 'taken';
      } else result = 'standby';
    } catch {
      this.step(false, 'error');
      return 'error';
    }
    if (result === 'standby') this.step(false, 'standby');
    else {
      this.heldUntil = until;
      this.step(true, result);
    }
    return result;
  }

  private step(holding: boolean, why: string): void {
    if (holding !== this.holding) {
      this.log.info(holding ? `holds the HA lease of memcached ${this.server}: writing it` : `does not hold the HA lease of memcached ${this.server} (${why}): another agent writes it`, {
        server: this.server,
      });
    }
    this.holding = holding;
    if (!holding) this.heldUntil = 0;
    this.metrics.set('memcached_lease_held', holding ? 1 : 0, { server: this.server });
  }

  /** Keys changed while this agent does not write the server. */
  remember(keys: readonly string[]): void {
    const now = Date.now();
    for (const k of keys) {
      this.changed.delete(k);
      this.changed.set(k, now);
    }
    const horizon = now - REMEMBER_LEASES * this.opts.seconds * 1000;
    for (const [k, at] of this.changed) {
      if (at >= horizon && this.changed.size <= REMEMBER_MAX) break;
      this.changed.delete(k);
    }
  }

  /** The keys remembered, to be written (or deleted) before the set when the lease is taken. */
  changedMeanwhile(): Iterable<string> {
    return this.changed.keys();
  }

  /** The set was written whole: nothing remembered matters any more. */
  forget(): void {
    this.changed.clear();
  }
}
