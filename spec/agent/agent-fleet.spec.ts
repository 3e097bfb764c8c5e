// Many memcached servers and more than one agent: one agent loading 20 servers (real memcached
// processes), a restarted agent that must not write its older snapshot over the newer set a
// server holds, and two agents in high availability (--ha-lease) on the same servers, compared
// at every probe with what a lone agent gives, while META_KEY's synced_at is watched for going back.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMeta, META_KEY } from '../../plugin/core/ioc/index.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import type { AgentProc } from './support/agent-process.js';
import { keysOf, readFixture, until, writeEvent } from './support/harness.js';
import { Reader } from './support/reader.js';
import { useAgentWorld } from './support/world.js';

type Attr = Record<string, unknown> & { uuid: string; type: string; value: string; to_ids?: boolean };

const EVENT = 'event-every-type.json';
const every = readFixture(EVENT);
const storedKeys = (ev: typeof every) => [...new Set((ev.Event.Attribute as Attr[]).filter((a) => a.to_ids === true && a.deleted !== true).flatMap(keysOf))];

const running = (a: AgentProc) => a.child.exitCode === null && a.child.signalCode === null;

async function servers(n: number): Promise<MemcachedProcess[]> {
  const out: MemcachedProcess[] = [];
  for (let i = 0; i < n; i++) out.push(await startMemcached({ memoryMb: 16 }));
  return out;
}

async function missing(reader: Reader, keys: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const k of [...keys, META_KEY]) if ((await reader.get(k)) === null) out.push(k);
  return out;
}

/** What the filter reads at each key: the attributes' uuids and values, in a stable order. */
async function view(reader: Reader, keys: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const k of keys) out[k] = (await reader.attributesAt(k)).map((a) => `${a.uuid} ${a.type} ${a.value} ${a.to_ids}`).sort();
  return out;
}

/** The event with a change applied and its timestamps moved, as MISP records an edit. */
function edited(ev: typeof every, change: (attrs: Attr[], now: string) => void): typeof every {
  const next = structuredClone(ev);
  const now = String(Math.floor(Date.now() / 1000));
  change(next.Event.Attribute as Attr[], now);
  next.Event.timestamp = now;
  return next;
}

describe('one agent, 20 memcached servers (real processes)', () => {
  const world = useAgentWorld({ data: [EVENT], memcached: false });
  let fleet: MemcachedProcess[] = [];
  let readers: Reader[] = [];
  let agent: AgentProc;

  beforeAll(async () => {
    fleet = await servers(20);
    readers = fleet.map((m) => new Reader(m.address));
    agent = await world.startAgent({ memcached: fleet.map((m) => m.address) });
    await agent.waitFor('full', 'ok', 1);
  });
  afterAll(async () => {
    for (const r of readers) r.close();
    for (const m of fleet) await m.stop();
  });

  it('loads every key into every server', async () => {
    const keys = storedKeys(every);
    expect(keys.length).toBeGreaterThan(20);
    for (const [i, r] of readers.entries()) expect(await missing(r, keys), fleet[i]!.address).toEqual([]);
    const health = await agent.health();
    expect((health.body.memcached as { loaded: boolean }[]).filter((s) => s.loaded)).toHaveLength(20);
  });

  it('repairs a restarted (empty) server within a cycle, and reloads none of the others', async () => {
    const reloads = async () => Promise.all(fleet.map((m) => agent.metric('memcached_reloads_total', { server: m.address, source: 'memory' })));
    const before = await reloads();
    await fleet[7]!.restart();
    expect(await readers[7]!.get(META_KEY)).toBeNull();
    await agent.waitCycles(2);
    const keys = storedKeys(every);
    expect(await missing(readers[7]!, keys)).toEqual([]);
    const after = await reloads();
    expect(after[7]).toBe(before[7]! + 1);
    expect(after.filter((n, i) => i !== 7 && n !== before[i])).toEqual([]);
  });
});

describe('an agent restarted from an older snapshot', () => {
  const world = useAgentWorld({ data: [EVENT] });

  it('does not write its snapshot over the newer set memcached holds, and catches up from MISP', async () => {
    const snapshot = join(world.workDir, 'snapshot.jsonl');
    // The snapshot is written after full syncs only (its interval is longer than the spec).
    const args = ['--snapshot', snapshot, '--snapshot-interval', '3600', '--timeout', '1'];
    const first = await world.startAgent({ args });
    await first.waitFor('full', 'ok', 1);
    const removed = (every.Event.Attribute as Attr[]).find((a) => a.value === 'c2.bad.test')!;
    const removedKey = keysOf(removed)[0]!;
    expect(await world.reader.attributesAt(removedKey)).not.toEqual([]);
    writeEvent(world.dataDir, EVENT, edited(every, (attrs, now) => {
      const a = attrs.find((x) => x.uuid === removed.uuid)!;
      a.deleted = true;
      a.timestamp = now;
    }));
    await until('the removal to reach memcached', async () => (await world.reader.get(removedKey)) === null);
    const synced = decodeMeta((await world.reader.get(META_KEY))!)!.synced_at!;
    // MISP goes down and the agent is killed: its snapshot still holds the removed attribute.
    await world.sim.fault('error500');
    await first.kill('SIGKILL');
    const second = await world.startAgent({ args });
    // No sync has gone through yet, so every cycle is a full one.
    await second.waitFor('full', 'error', 3);
    expect(await world.reader.get(removedKey)).toBeNull();
    expect(decodeMeta((await world.reader.get(META_KEY))!)!.synced_at).toBe(synced);
    expect(await second.metric('memcached_reloads_total', { server: world.mc.address, source: 'snapshot' })).toBe(0);
    // MISP answers again: the agent's own set is now newer, and it takes the server over.
    await world.sim.fault('none');
    await second.waitFor('full', 'ok', 1);
    await second.waitCycles(1);
    expect(await world.reader.get(removedKey)).toBeNull();
    expect(Date.parse(decodeMeta((await world.reader.get(META_KEY))!)!.synced_at!)).toBeGreaterThan(Date.parse(synced));
    expect((await second.health()).body).toMatchObject({ ok: true, memcached: [{ loaded: true }] });
    writeEvent(world.dataDir, EVENT, every);
  });
});

describe('two agents in high availability (--ha-lease) on the same servers', () => {
  // The lone reference agent writes the world's memcached; the pair writes two servers of its own.
  const world = useAgentWorld({ data: [EVENT], agent: { args: ['--full-resync', '4'] } });
  let pairServers: MemcachedProcess[] = [];
  let pairReaders: Reader[] = [];
  const pair: AgentProc[] = [];
  const regressions: string[] = [];
  let watching = true;
  let watcher: Promise<void> = Promise.resolve();
  let current = every;
  const probeKeys = new Set(storedKeys(every));

  const haArgs = (id: string) => ['--ha-lease', '3', '--ha-id', id, '--memcached-timeout', '1', '--full-resync', '4', '--key-ttl', '600'];
  const startPair = async (id: string) => {
    const a = await world.startAgent({ memcached: pairServers.map((m) => m.address), args: haArgs(id) });
    await a.waitFor('full', 'ok', 1);
    return a;
  };
  const holders = async (server: string) => {
    const held: number[] = [];
    for (const a of pair) held.push(running(a) ? await a.metric('memcached_lease_held', { server }) : 0);
    return held;
  };
  /** Every probe key as the lone agent's memcached and both of the pair's servers hold it. */
  const compare = async () => {
    const keys = [...probeKeys];
    const expected = await view(world.reader, keys);
    for (const r of pairReaders) expect(await view(r, keys)).toEqual(expected);
  };
  /** A change in MISP (for all to see it now, not only at a full resync: full). */
  const apply = (edit: (attrs: Attr[], now: string) => void) => {
    current = edited(current, edit);
    for (const k of storedKeys(current)) probeKeys.add(k);
    writeEvent(world.dataDir, EVENT, current);
  };
  /** Every running agent past two more cycles (and a full resync when asked), then the comparison. */
  const settleAndCompare = async (opts: { full?: boolean } = {}) => {
    const agents = [world.agent, ...pair.filter(running)];
    const fulls = await Promise.all(agents.map((a) => a.cycles('full', 'ok')));
    for (const [i, a] of agents.entries()) {
      if (opts.full) await a.waitFor('full', 'ok', fulls[i]! + 1);
      await a.waitCycles(2);
    }
    await compare();
  };
  const change = async (edit: (attrs: Attr[], now: string) => void, opts: { full?: boolean } = {}) => {
    apply(edit);
    await settleAndCompare(opts);
  };

  beforeAll(async () => {
    pairServers = await servers(2);
    pairReaders = pairServers.map((m) => new Reader(m.address));
    pair.push(await startPair('agent-a'), await startPair('agent-b'));
    // META_KEY's synced_at on the pair's servers, read every 50 ms for the whole describe block.
    watcher = (async () => {
      const last = new Map<number, number>();
      while (watching) {
        for (const [i, r] of pairReaders.entries()) {
          const v = await r.get(META_KEY).catch(() => null);
          const at = v === null ? undefined : Date.parse(decodeMeta(v)?.synced_at ?? '');
          if (at === undefined || !Number.isFinite(at)) continue;
          if (at < (last.get(i) ?? 0)) regressions.push(`${pairServers[i]!.address}: ${new Date(last.get(i)!).toISOString()} then ${new Date(at).toISOString()}`);
          last.set(i, Math.max(at, last.get(i) ?? 0));
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
  });
  afterAll(async () => {
    watching = false;
    await watcher;
    for (const r of pairReaders) r.close();
    for (const m of pairServers) await m.stop();
    writeEvent(world.dataDir, EVENT, every);
  });

  it('gives each server exactly one writer, and the same set as a lone agent', async () => {
    for (const m of pairServers) {
      await until(`one lease holder of ${m.address}`, async () => (await holders(m.address)).reduce((x, y) => x + y, 0) === 1);
    }
    await world.agent.waitCycles(1);
    await compare();
  });

  it('follows adds, edits, deletes and full resyncs without the standby writing anything', async () => {
    const writes = async (a: AgentProc) => Promise.all(pairServers.map((m) => a.metric('memcached_writes_total', { server: m.address })));
    // Which agent stands by on each server: its write counter must not move.
    const held = await Promise.all(pairServers.map((m) => holders(m.address)));
    const standbyWrites = await Promise.all(pair.map(writes));
    await change((attrs, now) => {
      attrs.push({ ...attrs[0]!, id: '9301', uuid: 'a0000000-0000-4000-8000-000000000301', type: 'domain', value: 'ha-added.example', to_ids: true, timestamp: now });
    });
    await change((attrs, now) => {
      const a = attrs.find((x) => x.value === '192.0.2.10')!;
      a.value = '192.0.2.30';
      a.timestamp = now;
    });
    await change((attrs, now) => {
      const a = attrs.find((x) => x.value === 'c2.bad.test')!;
      a.deleted = true;
      a.timestamp = now;
    });
    // A hard delete: only a full resync (every 4 s here) sees it.
    await change((attrs) => {
      attrs.splice(attrs.findIndex((x) => x.value === 'ha-added.example'), 1);
    }, { full: true });
    const after = await Promise.all(pair.map(writes));
    for (const [s] of pairServers.entries()) {
      for (const [i] of pair.entries()) {
        if (held[s]![i] === 0) expect(after[i]![s], `agent ${i} stands by on server ${s}`).toBe(standbyWrites[i]![s]);
      }
    }
    expect(regressions).toEqual([]);
  });

  it('hands the servers over when the holder dies, deleting what changed meanwhile; the restarted agent stands by', async () => {
    const server = pairServers[0]!.address;
    const holderIndex = (await holders(server)).indexOf(1);
    const holder = pair[holderIndex]!;
    const other = pair[1 - holderIndex]!;
    await holder.kill('SIGKILL');
    // Changed while nobody writes the pair's servers: the new holder must delete it.
    apply((attrs, now) => {
      const a = attrs.find((x) => x.value === 'attacker@bad.example')!;
      a.deleted = true;
      a.timestamp = now;
    });
    await until('the other agent to take both leases', async () => {
      for (const m of pairServers) if ((await other.metric('memcached_lease_held', { server: m.address })) !== 1) return false;
      return true;
    });
    await settleAndCompare();
    const restarted = await startPair(holderIndex === 0 ? 'agent-a' : 'agent-b');
    pair[holderIndex] = restarted;
    await restarted.waitCycles(2);
    for (const m of pairServers) expect(await restarted.metric('memcached_lease_held', { server: m.address })).toBe(0);
    await change((attrs, now) => {
      attrs.push({ ...attrs[0]!, id: '9302', uuid: 'a0000000-0000-4000-8000-000000000302', type: 'ip-dst', value: '198.51.100.77', to_ids: true, timestamp: now });
    });
    expect(regressions).toEqual([]);
  });
});
