// --once against real MISP events (../shared/misp/events plus the fixtures): one full sync, a
// JSON summary on stdout that matches what the events hold, every indicator in memcached, and
// clear non-zero exits when MISP or the configuration is wrong.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSummary, mispIndicators, SUPPORTED_MISP_TYPES } from '../../plugin/core/ioc/index.js';
import { freePort, startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { API_KEY, FIXTURES, Reader, removeDir, ROOT, SHARED_EVENTS, Sim, tempDir } from './support/harness.js';

interface RawAttr {
  uuid: string;
  type: string;
  value: string;
  to_ids: unknown;
  deleted?: unknown;
}

function eventsIn(dir: string): Record<string, unknown>[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
      return (d.Event ?? d) as Record<string, unknown>;
    });
}

/** What a full sync with the defaults (published, to_ids, supported types) must store. */
function expected(events: Record<string, unknown>[]): { types: Record<string, number>; keys: Map<string, string[]> } {
  const types: Record<string, number> = {};
  const keys = new Map<string, string[]>();
  for (const e of events) {
    if (e.published !== true) continue;
    const attrs = [...((e.Attribute as RawAttr[]) ?? []), ...(((e.Object as { Attribute?: RawAttr[] }[]) ?? []).flatMap((o) => o.Attribute ?? []))];
    for (const a of attrs) {
      if (a.to_ids !== true || a.deleted === true || !SUPPORTED_MISP_TYPES.includes(a.type)) continue;
      const inds = mispIndicators(a.type, a.value)?.indicators ?? [];
      if (inds.length === 0) continue;
      types[a.type] = (types[a.type] ?? 0) + 1;
      for (const i of inds) keys.set(i.key, [...(keys.get(i.key) ?? []), a.uuid]);
    }
  }
  return { types, keys };
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/agent/misp-enrich-agent.js'), ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('misp-enrich-agent --once', () => {
  let mc: MemcachedProcess;
  let sim: Sim;
  let dataDir: string;
  let reader: Reader;

  beforeAll(async () => {
    mc = await startMemcached();
    dataDir = tempDir('once-data');
    for (const dir of [SHARED_EVENTS, FIXTURES]) {
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) writeFileSync(join(dataDir, f), readFileSync(join(dir, f)));
    }
    sim = await Sim.start({ dataDir });
    reader = new Reader(mc.address);
  });

  afterAll(async () => {
    await sim?.kill();
    reader?.close();
    await mc?.stop();
    removeDir(dataDir);
  });

  it('syncs real MISP events once, prints a summary of what it stored and exits 0', async () => {
    const r = await run(['--misp-url', sim.url, '--memcached', mc.address, '--once'], { MISP_API_KEY: API_KEY });
    expect(r.stderr).not.toContain('"level":"error"');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    const want = expected(eventsIn(dataDir));
    expect(summary.types).toEqual(want.types);
    expect(summary).toMatchObject({ ok: true, mode: 'full', memcached: [{ server: mc.address, loaded: true }] });
    expect(typeof summary.duration_ms).toBe('number');
    expect(summary.skipped).toBeTypeOf('object');
    for (const [key, uuids] of want.keys) {
      const value = await reader.get(key);
      expect(value, key).not.toBeNull();
      expect(decodeSummary(value!)!.attrs.map((a) => a.uuid).sort()).toEqual([...new Set(uuids)].sort());
    }
    expect(Object.values(summary.indicators as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(want.keys.size);
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
  });

  it('writes every key to every listed memcached server', async () => {
    const second = await startMemcached();
    const other = new Reader(second.address);
    try {
      const r = await run(['--misp-url', sim.url, '--memcached', `${mc.address},${second.address}`, '--once'], { MISP_API_KEY: API_KEY });
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { memcached: unknown[] }).memcached).toEqual([
        { server: mc.address, loaded: true },
        { server: second.address, loaded: true },
      ]);
      const want = expected(eventsIn(dataDir));
      for (const key of [...want.keys.keys(), 'me1:meta']) {
        const a = await reader.get(key);
        expect(a, key).not.toBeNull();
        expect(await other.get(key), key).toBe(a);
      }
    } finally {
      other.close();
      await second.stop();
    }
  });

  it('exits non-zero with a coded message when MISP is unreachable', async () => {
    const port = await freePort();
    const r = await run(['--misp-url', `http://127.0.0.1:${port}`, '--memcached', mc.address, '--once', '--retries', '0'], { MISP_API_KEY: API_KEY });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const last = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ level: 'error', code: 'MISP_ENRICH_AGENT_MISP_UNREACHABLE' });
    expect(String(last.msg)).toMatch(/ECONNREFUSED/);
  });

  it('exits non-zero when the API key is refused, without printing it', async () => {
    const key = 'refused-key-1234567890abcdef1234567890abcdef';
    const r = await run(['--misp-url', sim.url, '--memcached', mc.address, '--once'], { MISP_API_KEY: key });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_MISP_AUTH');
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  it('refuses an API key on the command line without echoing it', async () => {
    const r = await run(['--misp-url', sim.url, '--api-key', 'do-not-echo-this-key-value', '--once'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_API_KEY');
    expect(r.stderr).not.toContain('do-not-echo-this-key-value');
  });

  it('names the option in a configuration error', async () => {
    const r = await run(['--misp-url', sim.url, '--interval', 'soon', '--once'], { MISP_API_KEY: API_KEY });
    expect(r.code).toBe(2);
    const line = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', code: 'MISP_ENRICH_AGENT_CONFIG' });
    expect(line.msg).toBe('--interval: expected a non-negative number of seconds, got "soon"');
  });
});
