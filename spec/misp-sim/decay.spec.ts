// misp-sim's decaying models: /decayingModel/view and /index, and the restSearch decay
// parameters as MISP applies them (MispAttribute::fetchAttributes → DecayingModel::
// attachScoresToAttribute → DecayingModelBase::computeCurrentScore, computeBasescore,
// Polynomial::computeScore and isDecayed). The expected scores are computed here from MISP's
// formula text, apart from both misp-sim's and the agent's code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from './sim-process.js';

type Json = Record<string, any>;
const DAY = 86400;
const NOW = Math.floor(Date.now() / 1000);

/** Polynomial::computeScore, from its PHP: base * (1 - (t / (lifetime*24*60*60))^(1 / decay_speed)), never below 0. */
const polynomial = (base: number, elapsed: number, lifetimeDays: number, speed: number) =>
  elapsed < 0 ? 0 : Math.max(0, base * (1 - Math.pow(elapsed / (lifetimeDays * DAY), 1 / speed)));

const EV = {
  Event: {
    id: '6301',
    uuid: 'f1000000-0000-4000-8000-000000000001',
    info: 'decay spec',
    published: true,
    timestamp: NOW,
    Tag: [{ name: 'false-positive:risk="low"', numerical_value: 75 }],
    Attribute: [
      // Ten days old, no weighed tag of its own: base from the event tag only.
      { uuid: 'f2000000-0000-4000-8000-000000000001', type: 'ip-dst', value: '198.51.100.81', to_ids: true, timestamp: NOW - 10 * DAY },
      // Its own tag weighs too.
      { uuid: 'f2000000-0000-4000-8000-000000000002', type: 'domain', value: 'decay.example', to_ids: true, timestamp: NOW - 10 * DAY, Tag: [{ name: 'estimative-language:likelihood-probability="very-likely"', numerical_value: 80 }] },
      // Two years old: decayed.
      { uuid: 'f2000000-0000-4000-8000-000000000003', type: 'ip-dst', value: '198.51.100.83', to_ids: true, timestamp: NOW - 730 * DAY },
      // Old, but last seen a day ago: the score starts from last_seen.
      { uuid: 'f2000000-0000-4000-8000-000000000004', type: 'ip-dst', value: '198.51.100.84', to_ids: true, timestamp: NOW - 400 * DAY, last_seen: new Date((NOW - DAY) * 1000).toISOString().replace('Z', '000+00:00') },
      // No model for hashes.
      { uuid: 'f2000000-0000-4000-8000-000000000005', type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', to_ids: true, timestamp: NOW },
    ],
  },
};

describe('misp-sim decaying models', () => {
  let sim: SimProcess;
  let modelsDir: string;

  beforeAll(async () => {
    sim = await startMispSim({ events: [] });
    writeFileSync(join(sim.dataDir, 'decay.json'), JSON.stringify(EV));
    modelsDir = mkdtempSync(join(tmpdir(), 'misp-sim-models-'));
  });

  afterAll(async () => {
    await sim?.stop();
    rmSync(modelsDir, { recursive: true, force: true });
  });

  const search = async (s: SimProcess, body: Json): Promise<{ attrs: Json[]; count: number }> => {
    const res = await s.api('/attributes/restSearch', { returnFormat: 'json', eventid: '6301', ...body });
    expect(res.status).toBe(200);
    return { attrs: ((await res.json()) as Json).response.Attribute, count: Number(res.headers.get('x-result-count')) };
  };
  const byUuid = (attrs: Json[], n: number) => attrs.find((a) => a.uuid === `f2000000-0000-4000-8000-00000000000${n}`);

  it("serves MISP's NIDS Simple Decaying Model by default, on /decayingModel/view and /index", async () => {
    const view = (await (await sim.api('/decayingModel/view/1')).json()) as Json;
    expect(view.DecayingModel).toMatchObject({
      id: '1',
      name: 'NIDS Simple Decaying Model',
      formula: 'Polynomial',
      enabled: true,
      parameters: { lifetime: 120, decay_speed: 2, threshold: 30, default_base_score: 80 },
    });
    expect(view.DecayingModel.attribute_types).toContain('ip-dst');
    const index = (await (await sim.api('/decayingModel/index')).json()) as Json[];
    expect(index.map((m) => m.DecayingModel.id)).toEqual(['1']);
    expect((await sim.api('/decayingModel/view/9')).status).toBe(404);
  });

  it('adds decay_score to each attribute with includeDecayScore, as the formula gives it', async () => {
    const { attrs } = await search(sim, { includeDecayScore: true });
    const plain = byUuid(attrs, 1)!;
    // The event's false-positive:risk tag is one of the model's weighed taxonomies: its value is the base.
    expect(plain.decay_score).toHaveLength(1);
    expect(plain.decay_score[0].DecayingModel).toEqual({ id: '1', name: 'NIDS Simple Decaying Model' });
    expect(plain.decay_score[0].base_score).toBeCloseTo(75, 9);
    expect(plain.decay_score[0].score).toBeCloseTo(polynomial(75, 10 * DAY, 120, 2), 1);
    expect(plain.decay_score[0].decayed).toBe(false);
    // Two weighed tags with the same weight: their mean.
    expect(byUuid(attrs, 2)!.decay_score[0].base_score).toBeCloseTo(77.5, 9);
    expect(byUuid(attrs, 3)!.decay_score[0]).toMatchObject({ score: 0, decayed: true });
    expect(byUuid(attrs, 4)!.decay_score[0].score).toBeCloseTo(polynomial(75, DAY, 120, 2), 1);
    // No model maps md5: no decay_score at all (attachScoresToAttribute sets none).
    expect(byUuid(attrs, 5)).not.toHaveProperty('decay_score');
    // Without the parameter, nothing is added.
    expect(byUuid((await search(sim, {})).attrs, 1)).not.toHaveProperty('decay_score');
  });

  it('drops decayed attributes with excludeDecayed, after the page is cut', async () => {
    const { attrs } = await search(sim, { excludeDecayed: true });
    expect(attrs.map((a) => a.uuid).sort()).toEqual(['f2000000-0000-4000-8000-000000000001', 'f2000000-0000-4000-8000-000000000002', 'f2000000-0000-4000-8000-000000000004', 'f2000000-0000-4000-8000-000000000005']);
    // excludeDecayed implies scores (MispAttribute::restSearch sets includeDecayScore).
    expect(byUuid(attrs, 1)!.decay_score).toHaveLength(1);
    // A page of 3 whose decayed attribute is dropped comes back short, with 2: a client that stops
    // at a short page misses the rest (why the agent never sends excludeDecayed). The count is
    // the rows fetched, as __iteratedFetch counts them when the kept page is neither full nor empty.
    const page = await search(sim, { excludeDecayed: true, limit: 3, page: 1 });
    expect(page.attrs).toHaveLength(2);
    expect(page.count).toBe(3);
  });

  it('takes modelOverrides and score as the threshold, and includeFullModel', async () => {
    const strict = await search(sim, { includeDecayScore: true, score: 70 });
    expect(byUuid(strict.attrs, 1)!.decay_score[0].decayed).toBe(true);
    const longer = await search(sim, { includeDecayScore: true, modelOverrides: { lifetime: 1000 } });
    expect(byUuid(longer.attrs, 3)!.decay_score[0].score).toBeCloseTo(polynomial(75, 730 * DAY, 1000, 2), 1);
    const full = await search(sim, { includeDecayScore: true, includeFullModel: true });
    expect(byUuid(full.attrs, 1)!.decay_score[0].DecayingModel.parameters).toMatchObject({ lifetime: 120, decay_speed: 2, threshold: 30 });
  });

  it('reads a folder of models (--decaying-models), rounding parameters to four decimals; decayingModel picks a disabled one', async () => {
    writeFileSync(join(modelsDir, 'a-short.json'), JSON.stringify({ name: 'Short', formula: 'Polynomial', parameters: { lifetime: 0.00023, decay_speed: 2, threshold: 30, default_base_score: 80, base_score_config: {} }, attribute_types: ['ip-dst'] }));
    writeFileSync(join(modelsDir, 'b-off.json'), JSON.stringify({ name: 'Off', enabled: false, parameters: { lifetime: 10, decay_speed: 1, threshold: 10, default_base_score: 50 }, attribute_types: ['ip-dst'] }));
    const other = await startMispSim({ events: [], extraArgs: ['--decaying-models', modelsDir] });
    try {
      writeFileSync(join(other.dataDir, 'decay.json'), JSON.stringify(EV));
      const short = (await (await other.api('/decayingModel/view/1')).json()) as Json;
      expect(short.DecayingModel.parameters.lifetime).toBe(0.0002);
      const { attrs } = await search(other, { includeDecayScore: true });
      // Only the enabled model applies by default; it has no weighed taxonomy: its default base.
      expect(byUuid(attrs, 1)!.decay_score.map((d: Json) => d.DecayingModel.name)).toEqual(['Short']);
      expect(byUuid(attrs, 1)!.decay_score[0].base_score).toBe(80);
      const chosen = await search(other, { includeDecayScore: true, decayingModel: [2] });
      expect(byUuid(chosen.attrs, 1)!.decay_score.map((d: Json) => d.DecayingModel.name)).toEqual(['Off']);
    } finally {
      await other.stop();
    }
  });
});
