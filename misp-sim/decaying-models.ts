// MISP's decaying models, as restSearch applies them (MispAttribute::fetchAttributes →
// DecayingModel::attachScoresToAttribute → the formula's computeCurrentScore), and the
// /decayingModel/index and /decayingModel/view/{id} endpoints. A model is the JSON of MISP's
// misp-decaying-models repository (models/*.json); without --decaying-models the simulator holds
// MISP's "NIDS Simple Decaying Model", enabled. The formulas are read from MISP's PHP code
// (app/Model/DecayingModelsFormulas/Base.php and Polynomial.php), written here on their own: the
// agent's copy lives in plugin/core/ioc/summary.ts, so the specs compare two readings.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRecord, toStr } from './coerce.js';
import type { SimAttribute, SimTag } from './model.js';
import { isNumeric, isPhpArray, phpEmpty, phpValues, strval, type Php } from './php.js';

export interface DecayingModel {
  id: string;
  uuid: string;
  name: string;
  description: string;
  formula: string;
  parameters: {
    lifetime: number;
    decay_speed: number;
    threshold: number;
    default_base_score: number;
    base_score_config: Record<string, number>;
  };
  attribute_types: string[];
  ref: unknown[];
  version: string;
  enabled: boolean;
}

/**
 * MISP's default model for network indicators (misp-decaying-models, models/nids-simple-model.json,
 * CC0): a lifetime of 120 days, decay speed 2, threshold 30, base score 80 when no tag says
 * otherwise.
 */
const NIDS_SIMPLE: Omit<DecayingModel, 'id'> = {
  uuid: '073fae4a-2377-4cfa-bd34-2516830d33c3',
  name: 'NIDS Simple Decaying Model',
  description: 'Simple decaying model for Network Intrusion Detection System (NIDS). ',
  formula: 'Polynomial',
  parameters: {
    lifetime: 120,
    decay_speed: 2,
    threshold: 30,
    default_base_score: 80,
    base_score_config: {
      'estimative-language:confidence-in-analytic-judgment': 0.1667,
      'estimative-language:likelihood-probability': 0.1667,
      'false-positive:risk': 0.1667,
      'priority-level': 0.1667,
      retention: 0.1667,
      'targeted-threat-index:targeting-sophistication-base-value': 0.0833,
      'targeted-threat-index:technical-sophistication-multiplier': 0.0833,
    },
  },
  attribute_types: ['domain', 'domain|ip', 'hostname', 'hostname|port', 'ip-dst', 'ip-dst|port', 'ip-src', 'ip-src|port', 'url', 'snort', 'suricata', 'zeek', 'bro'],
  ref: ['https://arxiv.org/abs/1902.03914', 'https://arxiv.org/abs/1803.11052'],
  version: '2',
  enabled: true,
};

/** DecayingModel::__adjustParameters: numbers are kept to four decimals when a model is saved. */
function round4(x: unknown, fallback: number): number {
  const n = typeof x === 'number' ? x : typeof x === 'string' && isNumeric(x) ? Number(x) : NaN;
  return Number.isFinite(n) ? Math.round(n * 1e4) / 1e4 : fallback;
}

function readModel(raw: Record<string, unknown>, id: number, file: string): DecayingModel {
  const p = isRecord(raw.parameters) ? raw.parameters : {};
  const config: Record<string, number> = {};
  if (isRecord(p.base_score_config)) for (const [k, v] of Object.entries(p.base_score_config)) config[k] = round4(v, 0);
  const name = toStr(raw.name);
  if (!name) throw new Error(`${file}: a decaying model needs a name`);
  return {
    id: String(id),
    uuid: toStr(raw.uuid),
    name,
    description: toStr(raw.description),
    formula: toStr(raw.formula) || 'Polynomial',
    parameters: {
      lifetime: round4(p.lifetime, 0),
      decay_speed: round4(p.decay_speed, 0),
      threshold: round4(p.threshold, 0),
      default_base_score: round4(p.default_base_score, 0),
      base_score_config: config,
    },
    attribute_types: Array.isArray(raw.attribute_types) ? raw.attribute_types.filter((t): t is string => typeof t === 'string') : [],
    ref: Array.isArray(raw.ref) ? raw.ref : [],
    version: toStr(raw.version, '1'),
    // MISP loads its default models disabled until an admin enables one; a file here is enabled
    // unless it says "enabled": false, so a folder of models works without an admin step.
    enabled: raw.enabled === undefined ? true : raw.enabled === true || raw.enabled === 1 || raw.enabled === '1',
  };
}

/** The date of a first_seen/last_seen as Unix seconds (MISP: new DateTime($v)->format('U')). */
function seenSeconds(v: string | null): number | null {
  if (v === null) return null;
  const ms = Date.parse(v.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** DecayingModelBase::__extractTagBasename(...)['base']. */
function tagBase(name: string): string {
  if (/^[^:="]+:[^:="]+="[^:="]+"$/i.test(name)) {
    const [ns, rest] = name.split(':') as [string, string];
    return `${ns}:${rest.split('=')[0]}`;
  }
  if (/^[^:="]+:[^:="]+$/i.test(name)) return name.split(':')[0]!;
  return name;
}

export interface DecayScore {
  score: number;
  base_score: number;
  decayed: boolean;
  DecayingModel: Record<string, unknown>;
}

export interface DecayOptions {
  /** decayingModel: the models to score with (null: the enabled models mapped to each type). */
  modelIds: string[] | null;
  /** modelOverrides (threshold, lifetime, decay_speed) and score (the threshold). */
  overrides: Partial<Record<'threshold' | 'lifetime' | 'decay_speed', number>>;
  includeFullModel: boolean;
  excludeDecayed: boolean;
}

export class DecayingModels {
  readonly models: DecayingModel[];

  private constructor(models: DecayingModel[]) {
    this.models = models;
  }

  static builtIn(): DecayingModels {
    return new DecayingModels([{ id: '1', ...NIDS_SIMPLE }]);
  }

  /** Every *.json file of a folder, one model each (misp-decaying-models' format), ids from 1 in file-name order. */
  static load(dir: string): DecayingModels {
    const files = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
    return new DecayingModels(files.map((f, i) => readModel(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>, i + 1, f)));
  }

  byId(id: string): DecayingModel | undefined {
    return this.models.find((m) => m.id === id);
  }

  /** The restSearch decay parameters (MispAttribute::restSearch, fetchAttributes), or null when no score is asked for. */
  static options(params: Record<string, Php>): DecayOptions | null {
    const excludeDecayed = !phpEmpty(params.excludeDecayed);
    if (phpEmpty(params.includeDecayScore) && !excludeDecayed) return null;
    const overrides: DecayOptions['overrides'] = {};
    const o = params.modelOverrides;
    if (isPhpArray(o) && !Array.isArray(o)) {
      // DecayingModel::$allowed_overrides.
      for (const k of ['threshold', 'lifetime', 'decay_speed'] as const) if (o[k] !== undefined && isNumeric(o[k])) overrides[k] = Number(o[k]);
    }
    if (!phpEmpty(params.score) && isNumeric(params.score)) overrides.threshold = Number(params.score);
    const m = params.decayingModel;
    const modelIds = phpEmpty(m) ? null : (isPhpArray(m!) ? phpValues(m!) : [m!]).map(strval);
    return { modelIds, overrides, includeFullModel: !phpEmpty(params.includeFullModel), excludeDecayed };
  }

  /** DecayingModel::attachScoresToAttribute: one score per model that applies. */
  scores(a: SimAttribute, opts: DecayOptions, lastSighting: number | null, now: number): DecayScore[] {
    const models = opts.modelIds
      ? opts.modelIds.map((id) => this.byId(id)).filter((m): m is DecayingModel => m !== undefined)
      : this.models.filter((m) => m.enabled && m.attribute_types.includes(a.type));
    return models.map((model) => {
      const params = { ...model.parameters, ...opts.overrides };
      const base = baseScore(params, a);
      const score = currentScore(model.formula, params, a, base, lastSighting, now);
      return {
        score,
        base_score: base,
        // Polynomial::isDecayed.
        decayed: params.threshold > score,
        DecayingModel: opts.includeFullModel ? this.render(model) : { id: model.id, name: model.name },
      };
    });
  }

  /** excludeDecayed drops an attribute only when every model says it decayed. */
  static decayed(scores: DecayScore[]): boolean {
    return scores.length > 0 && scores.every((s) => s.decayed);
  }

  render(m: DecayingModel): Record<string, unknown> {
    return {
      id: m.id,
      uuid: m.uuid,
      name: m.name,
      parameters: m.parameters,
      attribute_types: m.attribute_types,
      description: m.description,
      org_id: '1',
      enabled: m.enabled,
      all_orgs: true,
      ref: m.ref,
      formula: m.formula,
      version: m.version,
      default: true,
      isEditable: true,
    };
  }
}

/**
 * DecayingModelBase::computeBasescore: the attribute's tags override the event's tags of the
 * same base name (__getPrioritisedTag); the taxonomies the model weighs, among tags with a
 * numerical value, share the weight in proportion (__getRatioScore); without any, the model's
 * default_base_score.
 */
function baseScore(params: DecayingModel['parameters'], a: SimAttribute): number {
  const byBase = new Map<string, SimTag[]>();
  for (const t of a.event.tags) {
    const b = tagBase(t.name);
    byBase.set(b, [...(byBase.get(b) ?? []), t]);
  }
  const eventBases = new Set(byBase.keys());
  for (const t of a.tags) {
    const b = tagBase(t.name);
    byBase.set(b, eventBases.has(b) ? [t] : [...(byBase.get(b) ?? []), t]);
  }
  const tags = [...byBase.values()].flat();
  const config = params.base_score_config;
  const weighed = tags.filter((t) => config[tagBase(t.name)] !== undefined && t.numericalValue !== null && isNumeric(t.numericalValue));
  if (weighed.length === 0) return params.default_base_score;
  let total = 0;
  for (const t of weighed) total += config[tagBase(t.name)]!;
  const ratio = (t: SimTag) => config[tagBase(t.name)]! / total;
  let base = 0;
  for (const t of weighed) base += ratio(t) * Number(t.numericalValue);
  return base;
}

/**
 * DecayingModelBase::computeCurrentScore with Polynomial::computeScore: the score decays from the
 * last sighting (type 0), else last_seen, else the attribute's timestamp, and from last_seen or
 * the timestamp when the attribute changed after its last sighting.
 */
function currentScore(formula: string, params: DecayingModel['parameters'], a: SimAttribute, base: number, lastSighting: number | null, now: number): number {
  const lastSeen = seenSeconds(a.lastSeen);
  let since = lastSighting ?? lastSeen ?? a.timestamp;
  if (a.timestamp > since) since = lastSeen ?? a.timestamp;
  const f = formula.toLowerCase();
  if (f !== 'polynomial' && f !== 'polynomialextended' && f !== '') return base;
  const elapsed = now - since;
  if (elapsed < 0) return 0;
  const lifetime = params.lifetime * 24 * 60 * 60;
  const score = base * (1 - Math.pow(elapsed / lifetime, 1 / params.decay_speed));
  return score < 0 || !Number.isFinite(score) ? 0 : score;
}
