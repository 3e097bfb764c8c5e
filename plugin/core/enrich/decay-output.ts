// How old an indicator is, told honestly: the agent stores, per attribute, what MISP's decaying
// model said of it and when it stops being an indicator (the model's threshold, or the agent's
// --max-age window). Here that becomes misp.decay in each enrichment, with the score as it is at
// the moment of the enrichment (not at the last sync), and a hit whose indicator has expired is
// no hit: the agent removes such a key at that moment, and this covers an agent that is down.
// indicator.confidence stays the MISP event's threat level (ecs-output.ts).
import { decayScoreAt, type AttributeSummary } from '../ioc/index.js';

export interface EcsDecay {
  /** The score at the enrichment's time, 0 to 100, two decimals. */
  score?: number;
  base_score?: number;
  threshold?: number;
  /** The decaying model's name. */
  model?: string;
  /** When the indicator stops matching (ISO 8601). */
  expires_at?: string;
}

/** Unix seconds of an ISO 8601 time (matched.occurred), NaN when it is not one. */
export function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

/** True when the stored attribute has expired at Unix second `now`. */
export function hasExpired(attr: AttributeSummary, now: number): boolean {
  return attr.expires !== undefined && attr.expires <= now;
}

function twoDecimals(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * ISO 8601 of a stored Unix time (an attribute's timestamp, an expiry); undefined for none, for 0
 * or less (no real time of an indicator), and for a number no Date can hold (a stored value the
 * agent did not write may hold any number).
 */
export function isoFromEpochSeconds(ts: number | undefined): string | undefined {
  if (ts === undefined || !Number.isFinite(ts) || ts <= 0) return undefined;
  const date = new Date(ts * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** misp.decay of one enrichment, or undefined when the agent stored neither a score nor an expiry. */
export function decayOutput(attr: AttributeSummary, now: number): EcsDecay | undefined {
  const d = attr.decay;
  if (!d && attr.expires === undefined) return undefined;
  const out: EcsDecay = {};
  if (d) {
    out.score = twoDecimals(decayScoreAt(d, Number.isFinite(now) ? now : d.scored_at));
    out.base_score = twoDecimals(d.base_score);
    out.threshold = d.threshold;
    out.model = d.model;
  }
  const expires = isoFromEpochSeconds(attr.expires);
  if (expires) out.expires_at = expires;
  return out;
}
