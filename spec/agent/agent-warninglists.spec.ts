// --warninglists: the agent reads MISP's enabled warninglists through the API and drops matching
// values itself (MISP's enforceWarninglist would break paging). Here: the real RFC 5735 list
// (special-use IPv4, which holds the documentation ranges of the fixture) and RFC 6761 names.
import { cpSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mispIndicators } from '../../plugin/core/ioc/index.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { API_KEY, dataDirWith, readFixture, Reader, removeDir, ROOT, Sim, tempDir } from './support/harness.js';

type Attr = { uuid: string; type: string; value: string; to_ids: boolean };

describe('misp-enrich-agent --warninglists', () => {
  let mc: MemcachedProcess;
  let sim: Sim;
  let dataDir: string;
  let listDir: string;
  let reader: Reader;

  beforeAll(async () => {
    mc = await startMemcached();
    dataDir = dataDirWith('event-every-type.json');
    listDir = tempDir('warninglists');
    mkdirSync(listDir, { recursive: true });
    for (const f of ['rfc5735.json', 'rfc6761.json']) cpSync(resolve(ROOT, '../shared/misp/warninglists', f), join(listDir, f));
    sim = await Sim.start({ dataDir, warninglistsDir: listDir });
    reader = new Reader(mc.address);
  });

  afterAll(async () => {
    await sim?.kill();
    reader?.close();
    await mc?.stop();
    removeDir(dataDir);
    removeDir(listDir);
  });

  it('drops every value on an enabled list, keeps the others, and counts them', async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist/agent/misp-enrich-agent.js'), '--misp-url', sim.url, '--memcached', mc.address, '--once', '--warninglists'], {
        env: { PATH: process.env.PATH ?? '', MISP_API_KEY: API_KEY },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('exit', (c) => done({ code: c, stdout: out }));
    });
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as { skipped: Record<string, number> };
    const attrs = (readFixture('event-every-type.json').Event.Attribute as Attr[]).filter((a) => a.to_ids);
    // IPv4 parts in 192.0.2.0/24, 198.51.100.0/24 or 203.0.113.0/24: the whole attribute goes.
    const listed = attrs.filter((a) => /(^|\|)(192\.0\.2|198\.51\.100|203\.0\.113)\./.test(a.value));
    expect(listed.length).toBeGreaterThan(3);
    expect(summary.skipped.warninglist).toBe(listed.length);
    for (const a of attrs) {
      const keys = (mispIndicators(a.type, a.value)?.indicators ?? []).map((i) => i.key);
      for (const k of keys) {
        if (listed.includes(a)) expect(await reader.get(k), `${a.value} is on RFC 5735`).toBeNull();
        else expect(await reader.get(k), `${a.value} is on no list`).not.toBeNull();
      }
    }
  });
});
