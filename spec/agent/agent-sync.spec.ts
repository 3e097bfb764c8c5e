// The agent process against misp-sim and a real memcached: a full sync stores every datatype,
// and each kind of change in MISP is reflected in memcached after the next sync cycle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMeta, decodeSummary, META_KEY } from '../../plugin/core/ioc/index.js';
import { keysOf, readFixture, writeEvent } from './support/harness.js';
import { useAgentWorld } from './support/world.js';

type Attr = Record<string, unknown> & { uuid: string; type: string; value: string };

describe('misp-enrich-agent sync (real agent, misp-sim, memcached)', () => {
  const world = useAgentWorld({
    data: ['event-every-type.json', 'event-second.json'],
    // A full resync every few cycles, so the hard-delete case is reached in a few cycles.
    agent: { args: (w) => ['--full-resync', '5', '--snapshot', join(w.workDir, 'snapshot.jsonl')] },
  });
  const every = readFixture('event-every-type.json');
  const second = readFixture('event-second.json');
  const uuidsAt = async (key: string) => (await world.reader.attributesAt(key)).map((a) => a.uuid);

  it('stores every supported datatype after the first full sync, merging shared values', async () => {
    const kinds = new Set<string>();
    for (const a of every.Event.Attribute as Attr[]) {
      const keys = keysOf(a);
      if (a.to_ids !== true || keys.length === 0) {
        for (const k of keys) expect(await uuidsAt(k), `${a.type} ${a.value} must not be stored (to_ids off)`).not.toContain(a.uuid);
        continue;
      }
      for (const k of keys) {
        expect(await uuidsAt(k), `${a.type} ${a.value} under ${k}`).toContain(a.uuid);
        kinds.add(k.split(/[:#]/)[1]!);
      }
    }
    expect([...kinds].sort()).toEqual(['domain', 'email', 'hostname', 'ip', 'md5', 'net', 'sha1', 'sha256', 'sha512', 'url']);
    // One key, two attributes from two events.
    const shared = keysOf({ type: 'domain', value: 'shared.example' })[0]!;
    expect((await uuidsAt(shared)).sort()).toEqual(['a0000000-0000-4000-8000-000000000027', 'b0000000-0000-4000-8000-000000000003']);
    const value = decodeSummary((await world.reader.get(shared))!)!;
    expect(value.attrs.find((x) => x.event_id === '9002')!.tags).toContain('tlp:green');
    const meta = decodeMeta((await world.reader.get(META_KEY))!)!;
    expect(meta.prefixes.v4).toEqual([24]);
    expect(meta.prefixes.v6).toEqual([64]);
    expect(await world.agent.metric('indicators', { kind: 'sha512' })).toBe(2);
  });

  it('exposes its metrics and health', async () => {
    const text = await world.agent.metricsText();
    for (const name of ['last_success_timestamp_seconds', 'indicators', 'sync_duration_seconds', 'sync_cycles_total', 'misp_errors_total', 'memcached_errors_total', 'memcached_evictions']) {
      expect(text, name).toContain(`# TYPE misp_enrich_agent_${name} `);
    }
    expect(await world.agent.metric('last_success_timestamp_seconds')).toBeGreaterThan(1_600_000_000);
    const health = await world.agent.health();
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ ok: true, last_error: null, memcached: [{ server: world.mc.address, up: true, loaded: true }] });
  });

  it('reflects an added, a changed, a soft-deleted and a to_ids-cleared attribute after the next cycle', async () => {
    const now = String(Math.floor(Date.now() / 1000));
    const ev = structuredClone(every);
    const attrs = ev.Event.Attribute as Attr[];
    const changed = attrs.find((a) => a.value === '192.0.2.10')!;
    const softDeleted = attrs.find((a) => a.value === 'c2.bad.test')!;
    const cleared = attrs.find((a) => a.value === 'attacker@bad.example')!;
    const oldChangedKeys = keysOf(changed);
    changed.value = '192.0.2.20';
    changed.timestamp = now;
    softDeleted.deleted = true;
    softDeleted.timestamp = now;
    cleared.to_ids = false;
    cleared.timestamp = now;
    const added: Attr = { ...attrs[0]!, id: '9199', uuid: 'a0000000-0000-4000-8000-000000000099', type: 'url', value: 'http://added.example/new', timestamp: now };
    attrs.push(added);
    ev.Event.timestamp = now;
    writeEvent(world.dataDir, 'event-every-type.json', ev);

    await world.agent.waitCycles(2);

    expect(await uuidsAt(keysOf(added)[0]!)).toEqual([added.uuid]);
    expect(await world.reader.get(oldChangedKeys[0]!)).toBeNull();
    expect(await uuidsAt(keysOf(changed)[0]!)).toEqual([changed.uuid]);
    expect(await world.reader.get(keysOf(softDeleted)[0]!)).toBeNull();
    expect(await world.reader.get(keysOf(cleared)[0]!)).toBeNull();
  });

  it('removes the attributes of an event that is unpublished, after the next cycle', async () => {
    const ev = structuredClone(second);
    ev.Event.published = false;
    ev.Event.timestamp = String(Math.floor(Date.now() / 1000));
    writeEvent(world.dataDir, 'event-second.json', ev);

    await world.agent.waitCycles(2);

    for (const a of second.Event.Attribute as Attr[]) {
      expect(await uuidsAt(keysOf(a)[0]!), `${a.value}`).not.toContain(a.uuid);
    }
    // The value it shared with the other event stays, now held by that event only.
    const shared = keysOf({ type: 'domain', value: 'shared.example' })[0]!;
    expect(await uuidsAt(shared)).toEqual(['a0000000-0000-4000-8000-000000000027']);
  });

  it('removes a hard-deleted attribute after the next full resync', async () => {
    const victim = (every.Event.Attribute as Attr[]).find((a) => a.value === 'Evil.Example')!;
    // Hard delete: the attribute disappears without a trace (no timestamp changes anywhere).
    // Start from what the simulator serves now, so the earlier tests' edits stay.
    const served = JSON.parse(readFileSync(join(world.dataDir, 'event-every-type.json'), 'utf8')) as typeof every;
    served.Event.Attribute = (served.Event.Attribute as Attr[]).filter((a) => a.uuid !== victim.uuid);
    writeEvent(world.dataDir, 'event-every-type.json', served);
    const fullBefore = await world.agent.cycles('full');

    // The first full cycle counted may have started before the delete: wait for a second one.
    await world.agent.waitFor('full', 'ok', fullBefore + 2);

    expect(await world.reader.get(keysOf(victim)[0]!)).toBeNull();
    const log = world.agent.logs().filter((l) => l.msg === 'full sync done');
    expect(log.at(-1)).toMatchObject({ mode: 'full' });
  });
});
