// The original recipe's literal requests (its cron'd pull per type and its Ruby filter's lookup
// per hit, as bench/sync/baseline-pull.ts and bench/filter/recipe-pattern.ts replay them) get
// MISP's answers. Expected answers follow MISP's code: "to_ids": "yes" binds to 1
// (Event::set_filter_to_ids, DboSource::boolean) so the decoys stay out, "ip-%" is a LIKE
// (AppModel::generic_add_filter), "Feed-%" is looked up with LIKE in tags.name, a utf8mb3_bin
// column (Tag::findTagIdsByTagNames), on the attribute or its event (set_filter_tags), and a
// value matches value1 or value2 case-insensitively (Event::set_filter_value).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDoc, writeEvent } from './event-files.js';
import { readOracle, uuids, type OracleAttribute } from './oracle.js';
import { searchAttributes, startMispSim, type RestAttribute, type SimProcess } from './sim-process.js';

let sim: SimProcess;
let oracle: OracleAttribute[];
const live = (): OracleAttribute[] => oracle.filter((a) => !a.deleted);
const like = (pattern: string, s: string): boolean => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 's').test(s);

beforeAll(async () => {
  sim = await startMispSim({ events: ['misp-stixtest-indicators-test-event.json', 'pymisp-sighting_1-ursnif.json'] });
  writeEvent(
    sim.dataDir,
    'feed.json',
    eventDoc({
      info: 'feed event',
      tags: ['Feed-abuse', 'tlp:white'],
      attributes: [
        { type: 'domain', value: 'bad.example' },
        { type: 'domain', value: 'decoy.example', to_ids: false },
        { type: 'ip-dst', value: '198.51.100.1' },
        { type: 'ip-src', value: '198.51.100.2', to_ids: false },
        { type: 'ip-dst|port', value: '198.51.100.3|8080' },
        { type: 'md5', value: '0123456789abcdef0123456789abcdef' },
        { type: 'sha1', value: '0123456789abcdef0123456789abcdef01234567' },
        { type: 'sha256', value: 'a'.repeat(64) },
      ],
    }),
  );
  writeEvent(
    sim.dataDir,
    'untagged.json',
    eventDoc({
      info: 'untagged event',
      published: false,
      attributes: [
        { type: 'domain', value: 'tagged-itself.example', Tag: [{ name: 'Feed-self' }] },
        { type: 'domain', value: 'not-a-feed.example' },
        { type: 'domain', value: 'bad.example', to_ids: false },
      ],
    }),
  );
  writeEvent(sim.dataDir, 'lower.json', eventDoc({ info: 'lower-case tag', tags: ['feed-lower'], attributes: [{ type: 'domain', value: 'lower.example' }] }));
  oracle = readOracle(sim.dataDir);
});
afterAll(async () => {
  await sim.stop();
});

describe('the original recipe', () => {
  it('its pull per type: to_ids "yes", tags "Feed-%", includeEventTags/includeContext "yes"', async () => {
    for (const type of ['domain', 'ip-%', 'md5', 'sha1', 'sha256']) {
      const body = { returnFormat: 'json', type, to_ids: 'yes', tags: 'Feed-%', includeEventTags: 'yes', includeContext: 'yes' };
      const { attrs } = await searchAttributes(sim, body);
      const want = live().filter((a) => like(type, a.type) && a.toIds && [...a.tags, ...a.event.tags].some((t) => like('Feed-%', t)));
      expect(uuids(attrs), type).toEqual(uuids(want));
      expect(want.length, type).toBeGreaterThan(0);
      for (const a of attrs as (RestAttribute & { Event: Record<string, unknown> })[]) {
        expect(a.to_ids).toBe(true);
        expect(a.Event).toHaveProperty('Orgc');
        expect(a.Event).toHaveProperty('date');
      }
    }
    const domains = (await searchAttributes(sim, { returnFormat: 'json', type: 'domain', to_ids: 'yes', tags: 'Feed-%', includeEventTags: 'yes', includeContext: 'yes' })).attrs.map((a) => a.value);
    // The decoy and the lower-case "feed-lower" tag stay out; an attribute's own tag counts.
    expect(domains.sort()).toEqual(['bad.example', 'tagged-itself.example']);
  });

  it('its lookup per hit: {"returnFormat":"json","includeEventTags":"yes","value": …}', async () => {
    for (const value of ['bad.example', 'BAD.example', '198.51.100.3', '8080', 'aaaa']) {
      const { attrs } = await searchAttributes(sim, { returnFormat: 'json', includeEventTags: 'yes', value });
      const want = live().filter((a) => (a.type.includes('|') ? a.value.split('|') : [a.value]).some((p) => p.toLowerCase() === value.toLowerCase()));
      expect(uuids(attrs), value).toEqual(uuids(want));
      for (const a of attrs) {
        const o = want.find((w) => w.uuid === a.uuid)!;
        expect((a.Tag ?? []).filter((t) => t.inherited === 1).map((t) => t.name), value).toEqual(o.event.tags);
      }
    }
    // No to_ids or published filter on the lookup: the decoy and the unpublished copy come too.
    expect((await searchAttributes(sim, { returnFormat: 'json', includeEventTags: 'yes', value: 'bad.example' })).attrs.map((a) => a.to_ids).sort()).toEqual([false, true]);
  });
});
