// The simulator re-reads its folder when files change, appear or disappear, so a spec changes
// "MISP" by writing files; ids stay stable across re-reads, as in a database.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventDoc, writeEvent } from './event-files.js';
import { searchAttributes, startMispSim, type SimProcess } from './sim-process.js';

let sim: SimProcess;
const XORIST = 'pymisp-57c4445b-c548-4654-af0b-4be3950d210f-xorist.json';

beforeAll(async () => {
  sim = await startMispSim({ events: [XORIST, 'pymisp-sighting_1-ursnif.json'] });
});
afterAll(async () => {
  await sim.stop();
});

describe('folder changes', () => {
  it('sees an added file on the next request, and keeps existing ids', async () => {
    const before = (await searchAttributes(sim, {})).attrs;
    writeEvent(sim.dataDir, 'added.json', eventDoc({ info: 'added', attributes: [{ type: 'domain', value: 'added.example' }] }));
    const after = (await searchAttributes(sim, {})).attrs;
    expect(after).toHaveLength(before.length + 1);
    const added = after.find((a) => a.value === 'added.example')!;
    expect(Number(added.id)).toBeGreaterThan(Math.max(...before.map((a) => Number(a.id))));
    const ids = new Map(before.map((a) => [a.uuid, a.id]));
    for (const a of after) if (ids.has(a.uuid)) expect(a.id).toBe(ids.get(a.uuid));
  });

  it('sees a changed file: a new value, to_ids cleared, a soft delete', async () => {
    const file = join(sim.dataDir, XORIST);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const [a0, a1, a2] = doc.Event.Attribute;
    a0.value = 'changed-value';
    a0.timestamp = '1800000000';
    a1.to_ids = false;
    a2.deleted = true;
    writeFileSync(file, JSON.stringify(doc));
    const { attrs } = await searchAttributes(sim, { deleted: [0, 1] });
    const byUuid = new Map(attrs.map((a) => [a.uuid, a]));
    expect(byUuid.get(a0.uuid)!.value).toBe('changed-value');
    expect(byUuid.get(a1.uuid)!.to_ids).toBe(false);
    expect(byUuid.get(a2.uuid)!.deleted).toBe(true);
    expect((await searchAttributes(sim, { timestamp: 1800000000 })).attrs.map((a) => a.uuid)).toEqual([a0.uuid]);
    expect((await searchAttributes(sim, {})).attrs.some((a) => a.uuid === a2.uuid)).toBe(false);
    // The event follows its newest attribute, so event-level change detection sees the edit.
    const changedEvents = (await (await sim.api('/events/index', { timestamp: 1800000000 })).json()) as { uuid: string; timestamp: string }[];
    expect(changedEvents.map((e) => [e.uuid, e.timestamp])).toEqual([[doc.Event.uuid, '1800000000']]);
  });

  it('sees a removed file (a hard delete leaves no trace)', async () => {
    rmSync(join(sim.dataDir, 'added.json'));
    const { attrs } = await searchAttributes(sim, { deleted: [0, 1] });
    expect(attrs.some((a) => a.value === 'added.example')).toBe(false);
  });

  it('keeps the previous content of a file caught half-written, and recovers', async () => {
    const file = join(sim.dataDir, 'pymisp-sighting_1-ursnif.json');
    const text = readFileSync(file, 'utf8');
    const before = (await searchAttributes(sim, {})).attrs.length;
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    expect((await searchAttributes(sim, {})).attrs.length).toBe(before);
    expect(sim.stderr()).toContain('cannot parse pymisp-sighting_1-ursnif.json');
    const doc = JSON.parse(text);
    doc.Event.Attribute.pop();
    writeFileSync(file, JSON.stringify(doc));
    expect((await searchAttributes(sim, {})).attrs.length).toBe(before - 1);
  });

  it('POST /_sim/reload re-reads everything', async () => {
    const r = (await sim.admin('/_sim/reload', {})) as { events: number; attributes: number };
    expect(r.events).toBe(2);
    expect(r.attributes).toBe((await searchAttributes(sim, { deleted: [0, 1] })).attrs.length);
  });
});
