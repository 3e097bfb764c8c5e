// Decay and expiry of an attribute (agent options --decay and --max-age). With --decay the agent
// asks restSearch for includeDecayScore (never excludeDecayed, which MISP applies after the page
// is cut) and gets, per decaying model, MISP's score, base score and verdict; the models' own
// parameters come once from /decayingModel/view/{id}. For a model of MISP's Polynomial formula,
// the score answered gives the moment the score decays from (the formula solved for the elapsed
// time), and from it the moment it falls under the threshold (plugin/core/ioc/summary.ts, where
// the formula lives for the agent and the filter alike). That moment is the attribute's expiry:
// the agent drops it then, with a timer, not at the next resync. Of several models the attribute
// lives as long as the longest-lived one (MISP's excludeDecayed drops an attribute only when
// every model says it decayed).
import { polynomialExpiry, type DecaySummary } from '../../plugin/core/ioc/index.js';
import type { DecayScore, MispAttribute } from '../misp/attribute.js';
import type { Logger } from '../ops/logger.js';

/** What the agent needs of a decaying model (DecayingModel: parameters, formula). */
export interface ModelParams {
  id: string;
  name: string;
  /** Polynomial or PolynomialExtended (whose extra retention rule only shortens a life: caught at a sync). */
  polynomial: boolean;
  threshold: number;
  lifetimeSeconds: number;
  decaySpeed: number;
}

function num(x: unknown): number {
  const n = typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** The answer of GET /decayingModel/view/{id}: {"DecayingModel": {...}}; null if it is not one. */
export function readDecayingModel(body: unknown): ModelParams | null {
  const b = body as Record<string, unknown> | null;
  const m = (b && typeof b === 'object' && b.DecayingModel && typeof b.DecayingModel === 'object' ? b.DecayingModel : b) as Record<string, unknown> | null;
  if (!m || typeof m !== 'object') return null;
  const p = (m.parameters && typeof m.parameters === 'object' ? m.parameters : {}) as Record<string, unknown>;
  const id = typeof m.id === 'string' || typeof m.id === 'number' ? String(m.id) : '';
  const threshold = num(p.threshold);
  if (!id || !Number.isFinite(threshold)) return null;
  // DecayingModel::getModelClass: an empty formula is Polynomial.
  const formula = (typeof m.formula === 'string' ? m.formula : '').toLowerCase();
  return {
    id,
    name: typeof m.name === 'string' ? m.name : id,
    polynomial: formula === '' || formula === 'polynomial' || formula === 'polynomialextended',
    threshold,
    // Days in MISP's parameters (Polynomial::computeScore multiplies by 24*60*60).
    lifetimeSeconds: num(p.lifetime) * 86400,
    decaySpeed: num(p.decay_speed),
  };
}

/** The models seen in decay scores, fetched once each per full sync. */
export class DecayModels {
  private readonly known = new Map<string, ModelParams | null>();

  constructor(
    private readonly fetchModel: (id: string) => Promise<unknown>,
    private readonly log: Logger,
  ) {}

  /** Forgets every model: a full sync reads their parameters again (an admin may have edited one). */
  clear(): void {
    this.known.clear();
  }

  get(id: string): ModelParams | null {
    return this.known.get(id) ?? null;
  }

  /** Fetches the models these attributes were scored with that are not known yet. */
  async learn(attributes: readonly MispAttribute[]): Promise<void> {
    const wanted = new Set<string>();
    for (const a of attributes) for (const d of a.decayScores ?? []) if (!this.known.has(d.modelId)) wanted.add(d.modelId);
    for (const id of wanted) {
      let params: ModelParams | null = null;
      try {
        params = readDecayingModel(await this.fetchModel(id));
      } catch (err) {
        // Without the parameters the agent still honours MISP's own verdict, at each sync.
        this.log.warn(`cannot read decaying model ${id} from MISP: ${(err as Error).message}; using MISP's decayed flag only`);
      }
      this.known.set(id, params);
      if (params) this.log.debug(`decaying model ${id}: ${params.name}`, { polynomial: params.polynomial, threshold: params.threshold, lifetime_s: params.lifetimeSeconds });
    }
  }
}

interface Candidate {
  /** Unix seconds; Infinity: never. */
  expires: number;
  decay?: DecaySummary;
}

function candidate(d: DecayScore, m: ModelParams | null, now: number): Candidate {
  if (m && m.polynomial && d.baseScore > 0 && d.score > 0 && m.lifetimeSeconds > 0 && m.decaySpeed > 0) {
    // score = base × (1 − (t / lifetime)^(1/speed))  ⇒  t = lifetime × (1 − score / base)^speed
    const elapsed = m.lifetimeSeconds * Math.pow(Math.max(0, 1 - d.score / d.baseScore), m.decaySpeed);
    const since = now - elapsed;
    const at = polynomialExpiry(d.baseScore, m.threshold, since, m.lifetimeSeconds, m.decaySpeed);
    return {
      expires: at ?? Infinity,
      decay: { model: m.name, base_score: d.baseScore, threshold: m.threshold, score: d.score, scored_at: now, lifetime: m.lifetimeSeconds, decay_speed: m.decaySpeed, since },
    };
  }
  // A score that does not follow the clock, or a model the agent could not read: MISP's verdict.
  const out: Candidate = { expires: d.decayed ? now : Infinity };
  if (m) out.decay = { model: m.name, base_score: d.baseScore, threshold: m.threshold, score: d.score, scored_at: now };
  return out;
}

/**
 * The decay record and expiry of an attribute scored by MISP at about Unix second `now`; both
 * undefined when no model scored it (it then never decays).
 */
export function decayOf(a: MispAttribute, models: DecayModels, now: number): { decay?: DecaySummary; expires?: number } {
  const scores = a.decayScores ?? [];
  if (scores.length === 0) return {};
  let best: Candidate | null = null;
  for (const d of scores) {
    const c = candidate(d, models.get(d.modelId), now);
    if (!best || c.expires > best.expires || (c.expires === best.expires && !best.decay && c.decay)) best = c;
  }
  const out: { decay?: DecaySummary; expires?: number } = {};
  if (best!.decay) out.decay = best!.decay;
  if (Number.isFinite(best!.expires)) out.expires = best!.expires;
  return out;
}
