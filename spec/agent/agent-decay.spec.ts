// Decay and expiry with real processes: the agent (--decay, --max-age) against misp-sim's
// decaying models (MISP's Polynomial formula, a model short-lived enough for a spec), a real
// memcached, and the plugin jar. An attribute is stored with its decay score and expiry, is
// removed from memcached by the agent's timer at its computed expiry (no sync cycle runs with
// --interval 600), stops matching in the filter, and the score is in the filter's output
// (misp.decay) while indicator.confidence stays the event's threat level. --max-age counts from
// last_seen where MISP has one.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { polynomialExpiry, type AttributeSummary } from '../../plugin/core/ioc/index.js';
import { assertJarsBuilt, runFilter } from '../plugin-java/harness.js';
import { API_KEY, keysOf, until, writeEvent } from './support/harness.js';
import { useAgentWorld, type AgentWorld } from './support/world.js';

const DAY = 86400;
const NOW = Math.floor(Date.now() / 1000);
/** 0.0004 days: MISP keeps model parameters to four decimals (DecayingModel::__adjustParameters). */
const SHORT_DAYS = 0.0004;

const short = { uuid: 'b1000000-0000-4000-8000-000000000001', type: 'domain', value: 'short-lived.decay-spec.example', to_ids: true, timestamp: NOW, category: 'Network activity' };
const long = { uuid: 'b1000000-0000-4000-8000-000000000002', type: 'ip-dst', value: '198.51.100.101', to_ids: true, timestamp: NOW - 10 * DAY, category: 'Network activity' };
const stale = { uuid: 'b1000000-0000-4000-8000-000000000003', type: 'ip-dst', value: '198.51.100.103', to_ids: true, timestamp: NOW - 730 * DAY, category: 'Network activity' };
const unscored = { uuid: 'b1000000-0000-4000-8000-000000000004', type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', to_ids: true, timestamp: NOW - 900 * DAY, category: 'Payload delivery' };

const iso = (s: number) => new Date(s * 1000).toISOString().replace('Z', '000+00:00');
/** The --max-age attributes, dated when that part starts. */
const ageAttributes = (now: number) => ({
  aged: { uuid: 'b1000000-0000-4000-8000-000000000011', type: 'hostname', value: 'seen-recently.decay-spec.example', to_ids: true, timestamp: now, last_seen: iso(now - 12), category: 'Network activity' },
  old: { uuid: 'b1000000-0000-4000-8000-000000000012', type: 'hostname', value: 'changed-long-ago.decay-spec.example', to_ids: true, timestamp: now - 40, category: 'Network activity' },
  young: { uuid: 'b1000000-0000-4000-8000-000000000013', type: 'hostname', value: 'young.decay-spec.example', to_ids: true, timestamp: now, category: 'Network activity' },
  // Changed just now (so MISP returns it), but last seen before the window: the agent drops it.
  unseen: { uuid: 'b1000000-0000-4000-8000-000000000014', type: 'hostname', value: 'unseen.decay-spec.example', to_ids: true, timestamp: now, last_seen: iso(now - 30), category: 'Network activity' },
});

/** The attribute as stored in the world's memcached, or undefined. */
const storedIn = (world: AgentWorld) => async (a: { type: string; value: string; uuid: string }): Promise<AttributeSummary | undefined> =>
  (await world.reader.attributesAt(keysOf(a)[0]!)).find((x) => x.uuid === a.uuid);

/** Two models of MISP's format: a spec-sized lifetime for domains, MISP's NIDS one for addresses. */
function writeModels(dir: string): void {
  writeFileSync(join(dir, '1-short.json'), JSON.stringify({ name: 'Spec short-lived', formula: 'Polynomial', parameters: { lifetime: SHORT_DAYS, decay_speed: 2, threshold: 30, default_base_score: 80, base_score_config: {} }, attribute_types: ['domain'] }));
  writeFileSync(join(dir, '2-nids.json'), JSON.stringify({ name: 'NIDS Simple Decaying Model', formula: 'Polynomial', parameters: { lifetime: 120, decay_speed: 2, threshold: 30, default_base_score: 80, base_score_config: {} }, attribute_types: ['ip-dst', 'ip-src'] }));
}

describe('decay and expiry (real agent, misp-sim decaying models, memcached, plugin jar)', () => {
  beforeAll(() => assertJarsBuilt());
  const misp = useAgentWorld({
    data: (dir) => writeEvent(dir, 'decay.json', { Event: { id: '5101', uuid: 'b2000000-0000-4000-8000-000000000001', info: 'decay spec', threat_level_id: '2', published: true, timestamp: NOW, Attribute: [short, long, stale, unscored] } }),
    sim: { decayingModels: writeModels },
    memcached: false,
  });

  describe('--decay', () => {
    const world = useAgentWorld({ simFrom: misp, agent: { args: ['--decay', '--interval', '600', '--key-ttl', '1800'] } });
    const stored = storedIn(world);

    it('stores the decay score and the expiry MISP formula gives, and leaves out what already decayed', async () => {
      const s = (await stored(short))!;
      expect(s).toBeDefined();
      expect(s.decay).toMatchObject({ model: 'Spec short-lived', base_score: 80, threshold: 30, lifetime: SHORT_DAYS * DAY, decay_speed: 2 });
      // The decay starts at the attribute's timestamp (no sighting, no last_seen).
      expect(s.decay!.since!).toBeCloseTo(NOW, -1);
      const expected = polynomialExpiry(80, 30, NOW, SHORT_DAYS * DAY, 2)!;
      expect(Math.abs(s.expires! - expected)).toBeLessThanOrEqual(2);
      const l = (await stored(long))!;
      expect(l.decay!.model).toBe('NIDS Simple Decaying Model');
      expect(l.expires! - NOW).toBeGreaterThan(30 * DAY);
      // No model scores hashes: stored without decay, never expiring.
      expect((await stored(unscored))!.decay).toBeUndefined();
      expect((await stored(unscored))!.expires).toBeUndefined();
      expect(await stored(stale)).toBeUndefined();
      expect(await world.agent.metric('skipped_values_total', { reason: 'decayed' })).toBe(1);
    });

    it('writes the score at enrichment time in misp.decay; indicator.confidence stays the threat level', async () => {
      const r = await runFilter({
        settings: { memcached_hosts: [world.mc.address], misp_url: misp.sim.url, misp_api_key: API_KEY },
        events: [{ destination: { ip: long.value } }],
      });
      expect(r.code, r.stderr).toBe(0);
      const entry = r.events[0]!.threat.enrichments[0];
      expect(entry.misp.decay.model).toBe('NIDS Simple Decaying Model');
      expect(entry.misp.decay.score).toBeGreaterThan(30);
      expect(entry.misp.decay.score).toBeLessThan(80);
      expect(entry.misp.decay.threshold).toBe(30);
      expect(Date.parse(entry.misp.decay.expires_at) / 1000).toBeGreaterThan(NOW + 30 * DAY);
      expect(entry.indicator.confidence).toBe('Medium');
    });

    it('removes a decaying indicator at its computed expiry, without a sync, and it stops matching', async () => {
      const s = (await stored(short))!;
      const cycles = await world.agent.allCycles();
      // The guard: a few seconds past the computed expiry.
      const deadline = Math.max(1000, (s.expires! + 5) * 1000 - Date.now());
      await until('the decayed indicator to leave memcached', async () => (await stored(short)) === undefined, deadline);
      // Never before its expiry.
      expect(Date.now() / 1000).toBeGreaterThanOrEqual(s.expires! - 0.001);
      expect(await world.agent.allCycles()).toBe(cycles);
      expect(await world.agent.metric('expired_total')).toBe(1);
      const r = await runFilter({ settings: { memcached_hosts: [world.mc.address], fetch_context: false }, events: [{ dns: { question: { name: short.value } } }, { file: { hash: { md5: unscored.value } } }] });
      expect(r.code, r.stderr).toBe(0);
      expect(r.events[0]).not.toHaveProperty('threat');
      expect(r.events[1]!.threat.enrichments[0].misp.attribute.uuid).toBe(unscored.uuid);
    });
  });

  describe('--max-age', () => {
    let now: number;
    let aged: ReturnType<typeof ageAttributes>['aged'];
    let old: ReturnType<typeof ageAttributes>['old'];
    let young: ReturnType<typeof ageAttributes>['young'];
    let unseen: ReturnType<typeof ageAttributes>['unseen'];

    // Dated when this part starts, and in MISP before its agent does.
    beforeAll(() => {
      now = Math.floor(Date.now() / 1000);
      ({ aged, old, young, unseen } = ageAttributes(now));
      writeEvent(misp.dataDir, 'age.json', { Event: { id: '5102', uuid: 'b2000000-0000-4000-8000-000000000002', info: 'max-age spec', threat_level_id: '1', published: true, timestamp: now, Attribute: [aged, old, young, unseen] } });
    });
    const world = useAgentWorld({ simFrom: misp, agent: { args: ['--max-age', '20', '--types', 'hostname', '--interval', '600', '--key-ttl', '1800'] } });
    const stored = storedIn(world);

    it('counts the age from last_seen where set, else from the last change, and drops an attribute when it leaves the window', async () => {
      const a = (await stored(aged))!;
      expect(a.expires).toBe(now - 12 + 20);
      expect((await stored(young))!.expires).toBe(now + 20);
      // MISP is asked for what changed within the window; the agent measures from last_seen.
      expect(await stored(old)).toBeUndefined();
      expect(await stored(unseen)).toBeUndefined();
      expect(await world.agent.metric('skipped_values_total', { reason: 'age' })).toBe(1);
      await until('the aged indicator to leave memcached', async () => (await stored(aged)) === undefined, Math.max(1000, (a.expires! + 5) * 1000 - Date.now()));
      expect(Date.now() / 1000).toBeGreaterThanOrEqual(a.expires!);
      expect(await stored(young)).toBeDefined();
      expect(await world.agent.metric('expired_total')).toBe(1);
    });
  });
});
