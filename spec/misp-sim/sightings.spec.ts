// misp-sim's sightings endpoint, as MISP's SightingsController::bulkSaveSightings and
// Sighting::bulkSaveSightings store them: the event of the URL must exist, attributes are named
// by uuid, a sighting uuid already stored is skipped (a retried request stores nothing twice),
// the answer counts what was added; specs read back what was stored from GET /_sim/sightings,
// and a sighting of type 0 starts the attribute's decay afresh (DecayingModelBase::
// computeCurrentScore takes the last sighting first).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from './sim-process.js';

type Json = Record<string, any>;
const NOW = Math.floor(Date.now() / 1000);
const OLD = 'a3000000-0000-4000-8000-000000000001';
const FRESH = 'a3000000-0000-4000-8000-000000000002';
const OTHER_EVENT_ATTR = 'a3000000-0000-4000-8000-000000000003';

describe('misp-sim sightings/bulkSaveSightings', () => {
  let sim: SimProcess;

  beforeAll(async () => {
    sim = await startMispSim({ events: [] });
    writeFileSync(join(sim.dataDir, 's.json'), JSON.stringify([
      { Event: { id: '6401', uuid: 'a4000000-0000-4000-8000-000000000001', info: 'sightings', published: true, timestamp: NOW, Attribute: [
        { uuid: OLD, type: 'ip-dst', value: '198.51.100.91', to_ids: true, timestamp: NOW - 200 * 86400 },
        { uuid: FRESH, type: 'domain', value: 'seen.example', to_ids: true, timestamp: NOW },
      ] } },
      { Event: { id: '6402', uuid: 'a4000000-0000-4000-8000-000000000002', info: 'other', published: true, timestamp: NOW, Attribute: [
        { uuid: OTHER_EVENT_ATTR, type: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e', to_ids: true, timestamp: NOW },
      ] } },
    ]));
  });

  afterAll(async () => {
    await sim?.stop();
  });

  const stored = async () => ((await sim.admin('/_sim/sightings')) as Json).sightings as Json[];
  const post = (eventId: string, body: unknown) => sim.api(`/sightings/bulkSaveSightings/${eventId}`, body);
  const sighting = (attribute: string, uuid: string, extra: Json = {}) => ({ attribute_uuid: attribute, uuid, date_sighting: String(NOW - 60), type: '0', source: 'spec', ...extra });

  it('stores the sightings of a request, by attribute uuid, and says how many', async () => {
    const res = await post('6401', [sighting(FRESH, 'a5000000-0000-4000-8000-000000000001'), sighting(FRESH, 'a5000000-0000-4000-8000-000000000002'), sighting(OLD, 'a5000000-0000-4000-8000-000000000003')]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ saved: true, success: '3 sightings added.' });
    const got = await stored();
    expect(got).toHaveLength(3);
    expect(got[0]).toMatchObject({ attribute_uuid: FRESH, event_id: '6401', date_sighting: String(NOW - 60), type: '0', source: 'spec', uuid: 'a5000000-0000-4000-8000-000000000001' });
    expect(got[0]!.attribute_id).toMatch(/^\d+$/);
  });

  it('skips sighting uuids it already has, so a retried request stores nothing twice', async () => {
    const res = await post('6401', { Sighting: [sighting(FRESH, 'a5000000-0000-4000-8000-000000000001')] });
    expect(await res.json()).toEqual({ saved: false, success: 'No sightings added.' });
    expect(await stored()).toHaveLength(3);
  });

  it('looks attributes up in every event, skips unknown ones, and refuses an unknown event as MISP does', async () => {
    const res = await post('6401', [sighting(OTHER_EVENT_ATTR, 'a5000000-0000-4000-8000-000000000004'), sighting('a3000000-0000-4000-8000-0000000000ff', 'a5000000-0000-4000-8000-000000000005')]);
    expect(await res.json()).toEqual({ saved: true, success: '1 sightings added.' });
    expect((await stored()).at(-1)).toMatchObject({ attribute_uuid: OTHER_EVENT_ATTR, event_id: '6402' });
    const unknown = await post('9999', [sighting(FRESH, 'a5000000-0000-4000-8000-000000000006')]);
    expect(unknown.status).toBe(405);
    expect(await unknown.json()).toEqual({ name: 'Event not found or not accessible by this user.', message: 'Event not found or not accessible by this user.', url: '/sightings/bulkSaveSightings/9999' });
    expect((await sim.api('/sightings/bulkSaveSightings/6401', undefined, { method: 'GET' })).status).toBe(405);
  });

  it('needs the API key, and its admin endpoint can be reset', async () => {
    const res = await fetch(`${sim.url}/sightings/bulkSaveSightings/6401`, { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' }, body: '[]' });
    expect(res.status).toBe(403);
    expect(((await sim.admin('/_sim/sightings')) as Json).count).toBe(4);
    await sim.admin('/_sim/sightings/reset', {});
    expect(await stored()).toEqual([]);
  });

  it('starts the decay of a sighted attribute afresh', async () => {
    const score = async () => {
      const res = await sim.api('/attributes/restSearch', { returnFormat: 'json', uuid: OLD, includeDecayScore: true });
      return ((await res.json()) as Json).response.Attribute[0].decay_score[0] as Json;
    };
    expect(await score()).toMatchObject({ score: 0, decayed: true });
    await post('6401', [sighting(OLD, 'a5000000-0000-4000-8000-000000000010', { date_sighting: String(NOW) })]);
    const after = await score();
    expect(after.decayed).toBe(false);
    expect(after.score).toBeGreaterThan(70);
    // A false positive (type 1) does not count as a sighting for the decay.
    await post('6401', [sighting(FRESH, 'a5000000-0000-4000-8000-000000000011', { type: '1' })]);
    expect((await stored()).at(-1)).toMatchObject({ type: '1' });
  });
});
