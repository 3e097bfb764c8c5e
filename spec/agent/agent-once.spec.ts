// --once against real MISP events (../shared/misp/events plus the fixtures): one full sync, a
// JSON summary on stdout that matches what the events hold, every indicator in memcached, and
// clear non-zero exits when MISP or the configuration is wrong.
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mispIndicators, SUPPORTED_MISP_TYPES } from '../../plugin/core/ioc/index.js';
import { freePort, startMemcached } from '../support/memcached.js';
import { API_KEY, FIXTURES, runAgent, SHARED_EVENTS } from './support/harness.js';
import { Reader } from './support/reader.js';
import { useAgentWorld } from './support/world.js';

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

/** Real MISP events (../shared) and the spec's fixtures, in one data folder. */
function copyEvents(dir: string): void {
  for (const from of [SHARED_EVENTS, FIXTURES]) {
    for (const f of readdirSync(from).filter((n) => n.endsWith('.json'))) cpSync(join(from, f), join(dir, f));
  }
}

describe('misp-enrich-agent --once', () => {
  const world = useAgentWorld({ data: copyEvents });

  it('syncs real MISP events once, prints a summary of what it stored and exits 0', async () => {
    const r = await world.once();
    expect(r.stderr).not.toContain('"level":"error"');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    const want = expected(eventsIn(world.dataDir));
    expect(summary.types).toEqual(want.types);
    expect(summary).toMatchObject({ ok: true, mode: 'full', memcached: [{ server: world.mc.address, loaded: true }] });
    expect(typeof summary.duration_ms).toBe('number');
    expect(summary.skipped).toBeTypeOf('object');
    for (const [key, uuids] of want.keys) {
      expect(await world.reader.get(key), key).not.toBeNull();
      expect((await world.reader.attributesAt(key)).map((a) => a.uuid).sort()).toEqual([...new Set(uuids)].sort());
    }
    expect(Object.values(summary.indicators as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(want.keys.size);
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
  });

  it('writes every key to every listed memcached server', async () => {
    const second = await startMemcached();
    const other = new Reader(second.address);
    try {
      const r = await runAgent(['--once', '--misp-url', world.sim.url, '--memcached', `${world.mc.address},${second.address}`]);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { memcached: unknown[] }).memcached).toEqual([
        { server: world.mc.address, loaded: true },
        { server: second.address, loaded: true },
      ]);
      const want = expected(eventsIn(world.dataDir));
      for (const key of [...want.keys.keys(), 'me1:meta']) {
        const a = await world.reader.get(key);
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
    const r = await world.once(['--retries', '0'], { mispUrl: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const last = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ level: 'error', code: 'MISP_ENRICH_AGENT_MISP_UNREACHABLE' });
    expect(String(last.msg)).toMatch(/ECONNREFUSED/);
  });

  it('exits non-zero when the API key is refused, without printing it', async () => {
    const key = 'refused-key-1234567890abcdef1234567890abcdef';
    const r = await world.once([], { env: { MISP_API_KEY: key } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_MISP_AUTH');
    expect(r.stdout + r.stderr).not.toContain(key);
  });

  it('refuses an API key on the command line without echoing it', async () => {
    const r = await runAgent(['--misp-url', world.sim.url, '--api-key', 'do-not-echo-this-key-value', '--once'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_API_KEY');
    expect(r.stderr).not.toContain('do-not-echo-this-key-value');
  });

  it('names the option in a configuration error', async () => {
    const r = await runAgent(['--misp-url', world.sim.url, '--interval', 'soon', '--once']);
    expect(r.code).toBe(2);
    const line = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'error', code: 'MISP_ENRICH_AGENT_CONFIG' });
    expect(line.msg).toBe('--interval: expected a non-negative number of seconds, got "soon"');
  });
});
