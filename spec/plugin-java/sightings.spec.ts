// Sightings on the stand-in harness: the shared suite (spec/filter-suites/sightings.suite.ts),
// and the report on its own thread while the pipeline waits, which needs the harness's pause hook.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sim } from '../agent/support/sim.js';
import { API_KEY, removeDir, tempDir, until, writeEvent } from '../agent/support/harness.js';
import { sightingsSuite, mispEvent, A, C, type Stored } from '../filter-suites/sightings.suite.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { entriesFor } from '../support/summaries.js';
import { assertJarsBuilt, runFilter, seed, standIn } from './harness.js';

describe('sightings => true (plugin jar, misp-sim, memcached)', () => sightingsSuite(standIn));

describe('sightings on their own thread (the harness\'s pause hook)', () => {
  let mc: MemcachedProcess;
  let sim: Sim;
  let dataDir: string;

  beforeAll(async () => {
    assertJarsBuilt();
    mc = await startMemcached();
    await seed(mc.address, entriesFor([A, C]));
    dataDir = tempDir('sightings-thread');
    writeEvent(dataDir, 'e8101.json', mispEvent('8101', [A]));
    writeEvent(dataDir, 'e8102.json', mispEvent('8102', [C]));
    sim = await Sim.start({ dataDir, zmq: false });
  });

  afterAll(async () => {
    await sim?.kill();
    await mc?.stop();
    if (dataDir) removeDir(dataDir);
  });

  const stored = async () => ((await sim.admin('/_sim/sightings')) as { sightings: Stored[] }).sightings;
  const settings = (extra: Record<string, unknown> = {}) => ({
    memcached_hosts: [mc.address],
    fetch_context: false,
    misp_url: sim.url,
    misp_api_key: API_KEY,
    sightings: true,
    sightings_source: 'soc-logstash-7',
    ...extra,
  });

  it('reports on its own thread every sightings_interval while the pipeline goes on (or waits)', async () => {
    await sim.admin('/_sim/sightings/reset', {});
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
