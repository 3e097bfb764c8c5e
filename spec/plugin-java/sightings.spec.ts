// Sightings on the stand-in harness: the shared suite (spec/filter-suites/sightings.suite.ts),
// and the report on its own thread while the pipeline waits, which needs the harness's pause hook.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../agent/support/harness.js';
import { sightingsSuite, sightingsWorld, A, C } from '../filter-suites/sightings.suite.js';
import { assertJarsBuilt, runFilter, standIn } from './harness.js';

describe('sightings => true (plugin jar, misp-sim, memcached)', () => sightingsSuite(standIn));

describe('sightings on their own thread (the harness\'s pause hook)', () => {
  const world = sightingsWorld(assertJarsBuilt, 'sightings-thread', { 8101: [A], 8102: [C] });
  const { stored, settings } = world;

  it('reports on its own thread every sightings_interval while the pipeline goes on (or waits)', async () => {
    await world.sim.admin('/_sim/sightings/reset', {});
    const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-pause-'));
    const pauseFile = join(dir, 'pause');
    writeFileSync(pauseFile, '');
    try {
      const running = runFilter({
        settings: settings({ sightings_interval: 1 }),
        events: [{ destination: { ip: A.value } }, { file: { hash: { sha256: C.value } } }],
        batchSize: 1,
        extraArgs: ['--pause-after-batch', '0', '--pause-file', pauseFile],
      });
      await until('the pipeline to pause after its first batch', () => existsSync(`${pauseFile}.paused`), 60_000);
      // The pipeline holds its second batch; the sender reports the first one meanwhile.
      await until('the first batch reported by the interval', async () => (await stored()).length > 0, 30_000);
      expect((await stored()).map((s) => s.attribute_uuid)).toEqual([A.uuid]);
      rmSync(pauseFile);
      const r = await running;
      expect(r.code, r.stderr).toBe(0);
      expect((await stored()).map((s) => s.attribute_uuid).sort()).toEqual([A.uuid, C.uuid].sort());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
