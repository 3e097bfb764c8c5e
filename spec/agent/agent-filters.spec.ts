// The agent's selection options against the real agent, misp-sim and memcached: --tags (event or
// attribute tag, % wildcard; tag names compare case-sensitively, as MISP stores them), --exclude-tags, --max-age, --types,
// --to-ids-only=false, --published-only=false, and --proxy in front of a plain-http MISP. Each
// run is --once into a flushed memcached, and the spec checks every fixture attribute's keys:
// present exactly when the options select it. The fixtures are small events written here, so
// the expected sets can be read off the table below.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSummary, indicatorKey } from '../../plugin/core/ioc/index.js';
import { API_KEY, keysOf, listenOnLoopback, writeEvent } from './support/harness.js';
import type { Reader } from './support/reader.js';
import { useAgentWorld } from './support/world.js';

const OLD = 1_700_000_000;

interface Fx {
  name: string;
  type: string;
  value: string;
  toIds: boolean;
  recent: boolean;
  tags?: string[];
  /** An explicit timestamp (an edit in MISP bumps the attribute's timestamp to now). */
  ts?: number;
}

interface FxEvent {
  id: string;
  published: boolean;
  tags: string[];
  attrs: Fx[];
}

// Values are unique, so every key belongs to exactly one attribute.
const EVENTS: FxEvent[] = [
  {
    id: '7101', published: true, tags: ['Feed-alpha', 'tlp:white'], attrs: [
      { name: 'A1', type: 'ip-dst', value: '192.0.2.1', toIds: true, recent: true },
      { name: 'A2', type: 'domain', value: 'alpha-red.example', toIds: true, recent: true, tags: ['tlp:red'] },
      { name: 'A3', type: 'md5', value: '0123456789abcdef0123456789abcdef', toIds: false, recent: true },
      { name: 'A4', type: 'url', value: 'http://alpha.example/old', toIds: true, recent: false },
    ],
  },
  {
    id: '7102', published: true, tags: ['tlp:green'], attrs: [
      { name: 'B1', type: 'ip-src', value: '198.51.100.7', toIds: true, recent: false, tags: ['Feed-Beta'] },
      { name: 'B2', type: 'domain', value: 'beta-plain.example', toIds: true, recent: true },
      { name: 'B3', type: 'hostname', value: 'feedless.beta.example', toIds: true, recent: true, tags: ['Feedless'] },
    ],
  },
  {
    id: '7103', published: false, tags: ['Feed-gamma'], attrs: [
      { name: 'C1', type: 'ip-dst', value: '203.0.113.5', toIds: true, recent: true },
      { name: 'C2', type: 'sha256', value: 'aa'.repeat(32), toIds: false, recent: true },
    ],
  },
  {
    id: '7104', published: true, tags: ['Feed-delta', 'tlp:red'], attrs: [
      { name: 'D1', type: 'domain', value: 'delta.example', toIds: true, recent: true },
      { name: 'D2', type: 'ip-dst', value: '203.0.113.77', toIds: true, recent: false },
    ],
  },
];

const ALL = EVENTS.flatMap((e) => e.attrs);
const uuidOf = (name: string) => `f1100000-0000-4000-8000-0000000000${name.toLowerCase().replace(/^([a-d])(\d)$/, (_, l: string, d: string) => `${'abcd'.indexOf(l) + 1}${d}`)}`;
const keyOf = (a: Fx) => keysOf(a)[0]!;

const tagIds = new Map<string, string>();
function tagList(names: string[]): Record<string, unknown>[] {
  return names.map((name) => {
    if (!tagIds.has(name)) tagIds.set(name, String(100 + tagIds.size));
    return { id: tagIds.get(name)!, name, colour: '#000000', exportable: true };
  });
}

function writeFixtures(dir: string, now: number, edit?: (e: FxEvent) => FxEvent): void {
  for (const original of EVENTS) {
    const e = edit ? edit(structuredClone(original)) : original;
    writeEvent(dir, `event-${e.id}.json`, {
      Event: {
        id: e.id,
        orgc_id: '1',
        org_id: '1',
        date: '2026-11-01',
        threat_level_id: '2',
        info: `misp-enrich filter fixture ${e.id}`,
        published: e.published,
        uuid: `e1100000-0000-4000-8000-00000000${e.id}`,
        analysis: '2',
        timestamp: String(now),
        distribution: '1',
        publish_timestamp: e.published ? String(now) : '0',
        sharing_group_id: '0',
        Orgc: { id: '1', name: 'ORGNAME', uuid: '5ce29ac4-3b54-459e-a6ee-00acac110002' },
        Org: { id: '1', name: 'ORGNAME', uuid: '5ce29ac4-3b54-459e-a6ee-00acac110002' },
        Tag: tagList(e.tags),
        Object: [],
        Attribute: e.attrs.map((a, i) => ({
          id: `${e.id}${i + 1}`,
          event_id: e.id,
          object_id: '0',
          object_relation: null,
          category: 'Network activity',
          type: a.type,
          to_ids: a.toIds,
          uuid: uuidOf(a.name),
          timestamp: String(a.ts ?? (a.recent ? now - 60 : OLD)),
          distribution: '5',
          sharing_group_id: '0',
          comment: '',
          deleted: false,
          disable_correlation: false,
          first_seen: null,
          last_seen: null,
          value: a.value,
          ...(a.tags ? { Tag: tagList(a.tags) } : {}),
        })),
      },
    });
  }
}

/** The fixtures as misp-sim's data, dated now. */
const fixturesNow = (dir: string) => writeFixtures(dir, Math.floor(Date.now() / 1000));

/** The fixture attributes (by name) whose keys are in memcached; also checks each key holds only its own attribute. */
async function storedNames(reader: Reader): Promise<string[]> {
  const out: string[] = [];
  for (const a of ALL) {
    const v = await reader.get(keyOf(a));
    if (v === null) continue;
    expect(decodeSummary(v)?.attrs.map((x) => x.uuid), a.name).toEqual([uuidOf(a.name)]);
    out.push(a.name);
  }
  return out.sort();
}

describe('misp-enrich-agent selection options (--once, real agent, misp-sim, memcached)', () => {
  const world = useAgentWorld({ data: fixturesNow });

  /** One --once run into a flushed memcached: the summary and the fixture attributes stored. */
  async function sync(...args: string[]): Promise<{ summary: Record<string, unknown>; stored: string[] }> {
    await world.reader.flush();
    const r = await world.once(['--retries', '0', ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    const stored = await storedNames(world.reader);
    // The summary counts what was stored, nothing else.
    expect(summary.attributes).toBe(stored.length);
    return { summary, stored };
  }

  it('keys are the filter vocabulary\'s own (sanity check of the fixture keys)', () => {
    expect(keyOf(ALL.find((a) => a.name === 'A1')!)).toBe(indicatorKey('ip', '192.0.2.1'));
    expect(keyOf(ALL.find((a) => a.name === 'D1')!)).toBe(indicatorKey('domain', 'delta.example'));
  });

  it('by default stores to_ids attributes of published events, of every supported type', async () => {
    const { summary, stored } = await sync();
    expect(stored).toEqual(['A1', 'A2', 'A4', 'B1', 'B2', 'B3', 'D1', 'D2']);
    expect(summary.types).toEqual({ 'ip-dst': 2, 'ip-src': 1, domain: 3, hostname: 1, url: 1 });
  });

  it('--tags Feed-%: a tag on the event or on the attribute, wildcard; Feedless does not match', async () => {
    const { stored } = await sync('--tags', 'Feed-%');
    // A*, D* through their event's tag, B1 through its own "Feed-Beta"; C is unpublished.
    expect(stored).toEqual(['A1', 'A2', 'A4', 'B1', 'D1', 'D2']);
  });

  it('--tags with a list of exact names: any one of them qualifies', async () => {
    // Exact names, with MISP's case: tags.name is a binary (case-sensitive) column in MISP.
    const { stored } = await sync('--tags', 'Feed-alpha,Feedless');
    expect(stored).toEqual(['A1', 'A2', 'A4', 'B3']);
  });

  it('--exclude-tags drops attributes tagged on the attribute or on the event', async () => {
    const { stored } = await sync('--exclude-tags', 'tlp:red');
    // A2 carries tlp:red itself, D1 and D2 inherit it from their event.
    expect(stored).toEqual(['A1', 'A4', 'B1', 'B2', 'B3']);
  });

  it('--tags and --exclude-tags together: included by one tag, still dropped by an excluded one (wildcard)', async () => {
    const { stored } = await sync('--tags', 'Feed-%', '--exclude-tags', 'TLP:R%');
    expect(stored).toEqual(['A1', 'A4', 'B1']);
  });

  it('--max-age keeps only attributes changed within the window', async () => {
    const { stored } = await sync('--max-age', '3600');
    // A4, B1 and D2 were last changed in 2023.
    expect(stored).toEqual(['A1', 'A2', 'B2', 'B3', 'D1']);
  });

  it('--types limits the MISP types synced', async () => {
    const { summary, stored } = await sync('--types', 'ip-dst,ip-src');
    expect(stored).toEqual(['A1', 'B1', 'D2']);
    expect(summary.types).toEqual({ 'ip-dst': 2, 'ip-src': 1 });
  });

  it('--to-ids-only=false also stores attributes without the IDS flag', async () => {
    const { stored } = await sync('--to-ids-only=false');
    expect(stored).toEqual(['A1', 'A2', 'A3', 'A4', 'B1', 'B2', 'B3', 'D1', 'D2']);
  });

  it('--no-published-only also stores attributes of unpublished events', async () => {
    const { stored } = await sync('--no-published-only');
    expect(stored).toEqual(['A1', 'A2', 'A4', 'B1', 'B2', 'B3', 'C1', 'D1', 'D2']);
  });

  it('both off through the environment: every attribute', async () => {
    await world.reader.flush();
    const r = await world.once([], { env: { MISP_API_KEY: API_KEY, MISP_ENRICH_TO_IDS_ONLY: 'false', MISP_ENRICH_PUBLISHED_ONLY: 'no' } });
    expect(r.code, r.stderr).toBe(0);
    expect(await storedNames(world.reader)).toEqual(ALL.map((a) => a.name).sort());
  });

  it('combines the options: unpublished events, no IDS flag, one type, a time window and an excluded tag', async () => {
    const { stored } = await sync('--no-published-only', '--to-ids-only=false', '--types', 'ip-dst,sha256,domain', '--max-age', '3600', '--exclude-tags', 'tlp:red');
    // Recent, of those types, not tagged tlp:red anywhere: A2 and D1 are red, A4/B1/D2 old.
    expect(stored).toEqual(['B2', 'C1', 'C2', 'A1'].sort());
  });

  it('refuses a boolean followed by a separate value instead of reading it as "on"', async () => {
    const r = await world.once(['--retries', '0', '--to-ids-only', 'false']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MISP_ENRICH_AGENT_CONFIG');
  });

  describe('--proxy with a plain-http MISP', () => {
    let proxy: Server;
    let proxyUrl = '';
    const seen: string[] = [];

    beforeAll(async () => {
      // A forward proxy as plain-http clients use it: absolute-form request targets, no CONNECT
      // (squid, for one, refuses CONNECT to ports other than 443 by default).
      proxy = createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        let target: URL;
        try {
          target = new URL(req.url ?? '');
        } catch {
          res.writeHead(400).end('absolute-form request target required');
          return;
        }
        const up = httpRequest({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
        up.on('error', () => res.writeHead(502).end());
        req.pipe(up);
      });
      proxy.on('connect', (req, socket) => {
        seen.push(`CONNECT ${req.url}`);
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      });
      proxyUrl = `http://127.0.0.1:${await listenOnLoopback(proxy)}`;
    });

    afterAll(() => {
      proxy?.closeAllConnections();
      proxy?.close();
    });

    it('sends every MISP request through the proxy in absolute form', async () => {
      const { stored } = await sync('--proxy', proxyUrl);
      expect(stored).toEqual(['A1', 'A2', 'A4', 'B1', 'B2', 'B3', 'D1', 'D2']);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((s) => s.startsWith('CONNECT'))).toEqual([]);
      for (const s of seen) expect(s).toMatch(new RegExp(`^(GET|POST) ${world.sim.url.replace(/[.]/g, '\\.')}/`));
      expect(seen).toContain(`POST ${world.sim.url}/attributes/restSearch`);
    });
  });
});

describe('misp-enrich-agent tag filters across incremental cycles (real agent, misp-sim, memcached)', () => {
  const world = useAgentWorld({
    data: fixturesNow,
    // No full resync within the test: what changes must come from the incremental path.
    agent: { args: ['--tags', 'Feed-%', '--exclude-tags', 'tlp:red', '--full-resync', '3600'] },
  });

  it('follows retagging: an event that gains an included tag comes in, an attribute that gains an excluded tag goes', async () => {
    expect(await storedNames(world.reader)).toEqual(['A1', 'A4', 'B1']);
    const now = Math.floor(Date.now() / 1000);
    writeFixtures(world.dataDir, now, (e) => {
      // MISP bumps the event's timestamp on a retag (writeFixtures stamps every event with now).
      if (e.id === '7102') e.tags.push('Feed-beta');
      if (e.id === '7101') Object.assign(e.attrs[0]!, { tags: ['tlp:red'], ts: now });
      return e;
    });
    await world.agent.waitCycles(2);
    expect(await world.agent.cycles('incremental', 'error')).toBe(0);
    expect(await storedNames(world.reader)).toEqual(['A4', 'B1', 'B2', 'B3']);
  });
});
