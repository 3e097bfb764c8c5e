// Decay and expiry in the core, through the esbuild bundle: the score written into misp.decay is
// MISP's Polynomial formula (app/Model/DecayingModelsFormulas/Polynomial.php, computeScore) at the
// enrichment's time, an attribute past its stored expiry is no hit, indicator.confidence stays
// the event's threat level, and the finish result names every attribute that hit (for sightings).
import { describe, expect, it } from 'vitest';
import { decodeSummary, encodeSummary, polynomialExpiry, polynomialScore, type DecaySummary } from '../../plugin/core/ioc/index.js';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { runPure } from '../support/pure-host.js';
import { attribute, entriesFor } from '../support/summaries.js';

const core = loadCore();
// pure-host's clock: every enrichment happens at this moment.
const NOW = Date.parse('2026-11-22T10:00:00.000Z') / 1000;
const DAY = 86400;
const CTX = { '42': { id: '42', info: 'ctx', threat_level_id: '2', Orgc: { name: 'CIRCL' }, Tag: [] } };
const opts = { misp_url: 'https://misp.example', fetch_context: true };

type Json = Record<string, any>;
const enrichments = (e: Json) => (e.threat?.enrichments ?? []) as Json[];

// MISP's NIDS Simple Decaying Model (misp-decaying-models, models/nids-simple-model.json).
const nids = (since: number, base = 80): DecaySummary => ({
  model: 'NIDS Simple Decaying Model',
  base_score: base,
  threshold: 30,
  score: polynomialScore(base, NOW - DAY - since, 120 * DAY, 2),
  scored_at: NOW - DAY,
  lifetime: 120 * DAY,
  decay_speed: 2,
  since,
});

describe('the Polynomial formula', () => {
  it('is MISP computeScore: base × (1 − (t / lifetime)^(1 / speed)), 0 before the start and never negative', () => {
    expect(polynomialScore(80, 0, 120 * DAY, 2)).toBe(80);
    // Half the lifetime with speed 2: 1 - sqrt(0.5).
    expect(polynomialScore(80, 60 * DAY, 120 * DAY, 2)).toBeCloseTo(80 * (1 - Math.SQRT1_2), 9);
    expect(polynomialScore(80, 120 * DAY, 120 * DAY, 2)).toBe(0);
    expect(polynomialScore(80, 500 * DAY, 120 * DAY, 2)).toBe(0);
    expect(polynomialScore(80, -1, 120 * DAY, 2)).toBe(0);
  });

  it('solves for the moment the score falls under the threshold', () => {
    const since = 1_700_000_000;
    const at = polynomialExpiry(80, 30, since, 120 * DAY, 2)!;
    // (1 - 30/80)^2 of the lifetime: 46.875 days.
    expect(at - since).toBeCloseTo(120 * DAY * (5 / 8) ** 2, 6);
    expect(polynomialScore(80, at - since - 1, 120 * DAY, 2)).toBeGreaterThan(30);
    expect(polynomialScore(80, at - since + 1, 120 * DAY, 2)).toBeLessThan(30);
    expect(polynomialExpiry(80, 0, since, 120 * DAY, 2)).toBeNull();
    expect(polynomialExpiry(20, 30, since, 120 * DAY, 2)).toBe(since);
  });
});

describe('stored decay fields', () => {
  it('survive encoding, and readers drop a malformed record instead of the attribute', () => {
    const d = nids(NOW - 10 * DAY);
    const good = decodeSummary(encodeSummary([attribute('domain', 'decay.example', { decay: d, expires: NOW + 5 })]))!;
    expect(good.attrs[0]!.decay).toEqual(d);
    expect(good.attrs[0]!.expires).toBe(NOW + 5);
    const odd = decodeSummary(JSON.stringify({ v: 1, attrs: [{ ...attribute('domain', 'odd.example'), decay: { model: 7 }, expires: 'soon' }] }))!;
    expect(odd.attrs).toHaveLength(1);
    expect(odd.attrs[0]!.decay).toBeUndefined();
    expect(odd.attrs[0]!.expires).toBeUndefined();
  });
});

describe('misp.decay in the output', () => {
  it('writes the score at the enrichment time, the model, the threshold and the expiry; confidence stays the threat level', async () => {
    const since = NOW - 10 * DAY;
    const d = nids(since);
    const expires = Math.round(polynomialExpiry(80, 30, since, 120 * DAY, 2)!);
    const store = entriesFor([attribute('domain', 'decay.example', { decay: d, expires })]);
    const run = await runPure(core, opts, [{ dns: { question: { name: 'decay.example' } } }], store, CTX);
    const [entry] = enrichments(run.events[0]!);
    // Not the score MISP answered a day earlier: the formula's, ten days after its start.
    const expected = Math.round(polynomialScore(80, 10 * DAY, 120 * DAY, 2) * 100) / 100;
    expect(entry!.misp.decay).toEqual({
      score: expected,
      base_score: 80,
      threshold: 30,
      model: 'NIDS Simple Decaying Model',
      expires_at: new Date(expires * 1000).toISOString(),
    });
    expect(entry!.misp.decay.score).not.toBe(Math.round(d.score * 100) / 100);
    expect(entry!.indicator.confidence).toBe('Medium');
  });

  it('uses the stored score for a model whose score does not follow the clock', async () => {
    const store = entriesFor([attribute('domain', 'sightings-model.example', { decay: { model: 'Sightings', base_score: 90, threshold: 20, score: 45, scored_at: NOW - DAY } })]);
    const run = await runPure(core, opts, [{ dns: { question: { name: 'sightings-model.example' } } }], store, CTX);
    expect(enrichments(run.events[0]!)[0]!.misp.decay).toEqual({ score: 45, base_score: 90, threshold: 20, model: 'Sightings' });
  });

  it('writes only the expiry of an attribute kept by --max-age', async () => {
    const store = entriesFor([attribute('domain', 'aged.example', { expires: NOW + 3600 })]);
    const run = await runPure(core, opts, [{ dns: { question: { name: 'aged.example' } } }], store, CTX);
    expect(enrichments(run.events[0]!)[0]!.misp.decay).toEqual({ expires_at: new Date((NOW + 3600) * 1000).toISOString() });
  });

  it('writes no misp.decay when the agent stored neither', async () => {
    const store = entriesFor([attribute('domain', 'plain.example')]);
    const run = await runPure(core, opts, [{ dns: { question: { name: 'plain.example' } } }], store, CTX);
    expect(enrichments(run.events[0]!)[0]!.misp).not.toHaveProperty('decay');
  });
});

describe('expired attributes', () => {
  it('are no hit from their expiry on, while the others under the same key still match', async () => {
    const gone = attribute('ip-dst', '203.0.113.77', { expires: NOW });
    const kept = attribute('ip-dst', '203.0.113.77', { expires: NOW + 1 });
    const store = entriesFor([gone, kept]);
    const run = await runPure(core, opts, [{ destination: { ip: '203.0.113.77' } }], store, CTX);
    expect(enrichments(run.events[0]!).map((e) => e.misp.attribute.uuid)).toEqual([kept.uuid]);
    expect(run.stats.expired).toBe(1);
    const allGone = entriesFor([attribute('ip-dst', '203.0.113.78', { expires: NOW - 1 })]);
    const miss = await runPure(core, opts, [{ destination: { ip: '203.0.113.78' } }], allGone, CTX);
    expect(miss.events[0]).toEqual({ destination: { ip: '203.0.113.78' } });
    expect(miss.outcome.matched).toEqual([]);
  });
});

describe('the attributes that hit (for sightings)', () => {
  it('lists each matched attribute once, with its event and the number of events it matched', () => {
    const a = attribute('ip-dst', '198.51.100.7', { event_id: '42' });
    const b = attribute('domain', 'seen.example', { event_id: '43' });
    const store = entriesFor([a, b]);
    const enricher = core.createEnricher(JSON.stringify({ fetch_context: false }));
    const values = { ip: ['198.51.100.7'], domain: ['seen.example', 'x.seen.example'] };
    JSON.parse(enricher.keys(JSON.stringify({ meta: store.get('me1:meta'), values })));
    const found = Object.fromEntries([...store].filter(([k]) => k !== 'me1:meta'));
    const fields = JSON.parse(enricher.describe()).fields as { ref: string }[];
    const ip = fields.findIndex((f) => f.ref === '[destination][ip]');
    const src = fields.findIndex((f) => f.ref === '[source][ip]');
    const dns = fields.findIndex((f) => f.ref === '[dns][question][name]');
    const match = JSON.parse(enricher.match(JSON.stringify({
      meta: store.get('me1:meta'),
      now: '2026-11-22T10:00:00.000Z',
      found,
      events: [
        // One event with the same address in two fields: it counts once for that attribute.
        { index: 0, values: [[src, '198.51.100.7'], [ip, '198.51.100.7']] },
        { index: 1, values: [[ip, '198.51.100.7'], [dns, 'x.seen.example']] },
        { index: 3, values: [[dns, 'seen.example']] },
      ],
    })));
    expect(match.event_ids).toEqual([]);
    expect(match.result.attributes).toEqual([[a.uuid, '42', 2], [b.uuid, '43', 2]]);
    expect(match.result.stats.hits).toBe(5);
  });
});
