// The retro-hunt as an operator runs it, on a real OpenSearch with real agent processes:
// --retro-backfill with --once hunts every stored indicator and exits; events written with the
// filter's keys are found exactly, events indexed before misp-enrich (an ECS-mapped index without
// keys) by their own fields; a backfill is done once per window; an agent killed mid-hunt resumes
// from its snapshot and writes nothing twice; and removed, decayed and warninglisted indicators
// are never hunted while the others are.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../agent/ops/errors.js';
import { keysOf, until, writeEvent } from '../agent/support/harness.js';
import { useAgentWorld } from '../agent/support/world.js';
import { freePort, startMemcached } from '../support/memcached.js';
import { osRequest, prepareLauncher, startOpenSearch, type OpenSearchNode } from '../../tools/opensearch.js';
import {
  alertsByPair, COMPONENT, DEMO_EVENT_FILES, demoEventNow, enrichedPairs, indexEvents, installTemplates, pastEvents, throughFilter,
} from './support/retro.js';

type Json = Record<string, any>;
const LEGACY_INDEX = 'logs-legacy-default';
const LEGACY_FROM = 100_000;

/** Every demo MISP event, as MISP shows it now. */
const demoData = (dir: string) => {
  for (const f of DEMO_EVENT_FILES) writeEvent(dir, f, demoEventNow(f));
};

describe('the retro-hunt in operation (real agents, misp-sim, memcached, OpenSearch)', () => {
  const truthWorld = useAgentWorld({ data: demoData });
  let node: OpenSearchNode;
  /** The plugin jar's pairs over both the keyed and the legacy events, by "<seq> <attribute uuid>". */
  let truth: Map<string, Json[]>;
  const keyedTruth = () => new Set([...truth.keys()].filter((k) => Number(k.split(' ')[0]) < LEGACY_FROM));
  const legacyTruth = () => new Set([...truth.keys()].filter((k) => Number(k.split(' ')[0]) >= LEGACY_FROM));

  beforeAll(async () => {
    expect(prepareLauncher()).toBeNull();
    const started = startOpenSearch();
    const keyed = pastEvents(3_000, 30);
    // Logs indexed before misp-enrich was installed: ECS-mapped, no keys.
    const legacy = pastEvents(3_000, 30, [], 7).map((e) => ({ ...e, seq: LEGACY_FROM + e.seq }));
    const loaded = await truthWorld.once();
    expect(loaded.code, loaded.stderr).toBe(0);
    truth = enrichedPairs(await throughFilter([...keyed, ...legacy], { memcached_hosts: [truthWorld.mc.address], fetch_context: false }));
    node = await started;
    await installTemplates(node.url);
    // What an ECS data stream template does for logs-*: the same mappings (OpenSearch has no built-in one).
    await osRequest(node.url, 'PUT', '/_index_template/logs', { index_patterns: ['logs-*-*'], priority: 100, composed_of: ['misp-enrich'] });
    // The keyed events as a pipeline with misp_enrich and retro_keys writes them, while memcached holds nothing.
    const empty = await startMemcached();
    const written = await throughFilter(keyed, { memcached_hosts: [empty.address], fetch_context: false, retro_keys: true });
    await empty.stop();
    expect(written.filter((e) => e.threat !== undefined)).toEqual([]);
    await indexEvents(node.url, written);
    await indexEvents(node.url, legacy, () => LEGACY_INDEX);
    expect(COMPONENT.template.mappings.properties.misp_enrich.properties.keys.type).toBe('keyword');
  }, 300_000);

  afterAll(async () => {
    await node?.stop();
  });

  describe('--once --retro-backfill', () => {
    const world = useAgentWorld({ data: demoData });
    const snapshot = () => join(world.workDir, 'snapshot.jsonl');
    const once = (extra: string[] = []) => world.once(['--retro-url', node.url, '--retro-backfill', '--retro-rate', '200', '--snapshot', snapshot(), '--retro-alerts-index', 'retro-backfill', ...extra]);

    it('hunts every stored indicator and exits: keyed events exactly, unmarked ones by their fields, nothing false', async () => {
      const r = await once();
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as Json;
      expect(summary.retro).toMatchObject({ attributes: summary.attributes, queued: 0, capped: 0 });
      const { byPair, total } = await alertsByPair(node.url, 'retro-backfill');
      expect(total).toBe(byPair.size);
      const found = new Set(byPair.keys());
      const keyed = keyedTruth();
      expect(new Set([...found].filter((k) => Number(k.split(' ')[0]) < LEGACY_FROM))).toEqual(keyed);
      // Events without keys are found by their fields: never one the filter would not have matched.
      const legacyFound = [...found].filter((k) => Number(k.split(' ')[0]) >= LEGACY_FROM);
      expect(legacyFound.filter((k) => !legacyTruth().has(k))).toEqual([]);
      // The demo stream's spellings (case, trailing dots, default ports, IPv4-mapped addresses,
      // upper-case hashes) are all within what the fields query reaches.
      expect(new Set(legacyFound)).toEqual(legacyTruth());
      expect(summary.retro.alerts).toBe(total);
      for (const [pair, [alert]] of byPair) {
        expect(alert!.misp_enrich.retro.source.index, pair).toEqual(Number(pair.split(' ')[0]) < LEGACY_FROM ? expect.stringMatching(/^misp-enrich-\d/) : LEGACY_INDEX);
      }
    });

    it('backfills once per window: again with the same window hunts nothing, a wider window hunts again and writes nothing twice', async () => {
      const again = await once();
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as Json).retro).toMatchObject({ attributes: 0, alerts: 0 });
      const wider = await once(['--retro-window', '31']);
      expect(wider.code, wider.stderr).toBe(0);
      const summary = (JSON.parse(wider.stdout) as Json).retro;
      expect(summary.attributes).toBeGreaterThan(0);
      expect(summary.alerts).toBe(0);
      expect(summary.existing).toBeGreaterThan(0);
      const { byPair, total } = await alertsByPair(node.url, 'retro-backfill');
      expect(total).toBe(byPair.size);
    });
  });

  describe('an alerts index another template maps', () => {
    const world = useAgentWorld({ data: demoData });

    it('says so with MISP_ENRICH_AGENT_RETRO_TEMPLATE before the first alert, and still writes the alerts', async () => {
      // An admin's template of a higher priority that matches the alerts index first.
      await osRequest(node.url, 'PUT', '/_index_template/shadow', { index_patterns: ['retro-shadow*'], priority: 900, template: { mappings: { dynamic: true } } });
      const r = await world.once(['--retro-url', node.url, '--retro-backfill', '--retro-rate', '200', '--retro-alerts-index', 'retro-shadow']);
      expect(r.code, r.stderr).toBe(0);
      const warning = r.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json).find((l) => l.code === ErrorCodes.RETRO_TEMPLATE);
      expect(warning?.msg).toMatch(/retro-shadow is not mapped as .*threat\.enrichments should be nested/);
      expect((JSON.parse(r.stdout) as Json).retro.alerts).toBeGreaterThan(0);
    });
  });

  describe('an agent killed in the middle of a hunt', () => {
    const world = useAgentWorld({ data: demoData });

    it('resumes from its snapshot when started again, and ends with every pair written once', async () => {
      const args = (rate: string) => ['--retro-url', node.url, '--retro-backfill', '--retro-rate', rate, '--retro-batch-size', '1',
        '--snapshot', join(world.workDir, 'snapshot.jsonl'), '--retro-alerts-index', 'retro-restart'];
      const slow = await world.startAgent({ args: args('2') });
      await until('the first alerts', async () => (await alertsByPair(node.url, 'retro-restart')).total > 0, 120_000, 250);
      expect(await slow.metric('retro_queue')).toBeGreaterThan(5);
      await slow.kill('SIGKILL');
      const before = (await alertsByPair(node.url, 'retro-restart')).byPair.size;
      expect(before).toBeLessThan(keyedTruth().size + legacyTruth().size);

      const again = await world.startAgent({ args: args('200') });
      // Drained: nothing waits and no hunt is in flight (the queue is empty while the last one
      // runs; retro_lag_seconds is 0 only once that has ended too), seen twice in a row.
      const drained = async () => (await again.metric('retro_queue')) === 0 && (await again.metric('retro_lag_seconds')) === 0 && (await again.metric('retro_attributes_hunted_total')) > 0;
      await until('the hunts to end', async () => (await drained()) && (await new Promise((r) => setTimeout(r, 250))) === undefined && (await drained()), 120_000, 250);
      const { byPair, total } = await alertsByPair(node.url, 'retro-restart');
      expect(total).toBe(byPair.size);
      expect(new Set(byPair.keys())).toEqual(new Set([...keyedTruth(), ...legacyTruth()]));
      // What the killed agent had written was found again, not written again.
      expect(await again.metric('retro_alerts_total', { result: 'existing' })).toBeGreaterThan(0);
      const health = await again.health();
      expect(health.body.retro).toMatchObject({ engine: expect.stringMatching(/^opensearch 3\./), queued: 0 });
    });
  });

  describe('what is never hunted', () => {
    // A TCP proxy in front of OpenSearch that the spec can close: while it is closed, every hunt
    // fails and is retried later, so what happens to an indicator meanwhile decides its fate.
    let proxy: Server | null = null;
    let proxyPort = 0;
    const sockets = new Set<Socket>();
    const openProxy = () => new Promise<void>((resolve) => {
      const target = new URL(node.url);
      proxy = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      proxy.listen(proxyPort, '127.0.0.1', () => resolve());
    });
    const closeProxy = () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!proxy) return resolve();
      proxy.close(() => resolve());
      proxy = null;
    });
    const now = () => Math.floor(Date.now() / 1000);
    const uuid = (n: number) => `e9800000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    // Values the past events carry (demo indicators), under attributes of the spec's own.
    const kept = { uuid: uuid(1), type: 'domain', value: 'loader-cdn.example', category: 'Network activity', to_ids: true };
    const removed = { uuid: uuid(2), type: 'hostname', value: 'c2.badhost.example', category: 'Network activity', to_ids: true };
    const warninglisted = { uuid: uuid(3), type: 'domain', value: 'cdn-sync.example', category: 'Network activity', to_ids: true };
    const decayed = { uuid: uuid(4), type: 'ip-dst', value: '203.0.113.66', category: 'Network activity', to_ids: true };
    const event = (attributes: Json[]) => ({ Event: { id: '9980', uuid: uuid(9980), info: 'never hunted', published: true, threat_level_id: '2', timestamp: String(now()), publish_timestamp: String(now()), Attribute: attributes } });
    const world = useAgentWorld({
      sim: {
        warninglists: (dir) => writeFileSync(join(dir, 'spec.json'), JSON.stringify({ name: 'spec list', version: 1, description: 'spec', type: 'string', matching_attributes: ['domain', 'hostname'], list: ['cdn-sync.example'] })),
        decayingModels: (dir) => writeFileSync(join(dir, '1-nids.json'), JSON.stringify({ name: 'NIDS Simple Decaying Model', formula: 'Polynomial', parameters: { lifetime: 120, decay_speed: 2, threshold: 30, default_base_score: 80, base_score_config: {} }, attribute_types: ['ip-dst'] })),
      },
    });

    afterAll(closeProxy);

    it('does not hunt an indicator removed before its turn, a warninglisted or a decayed one, and hunts the rest', async () => {
      proxyPort = await freePort();
      const agent = await world.startAgent({ args: ['--retro-url', `http://127.0.0.1:${proxyPort}`, '--retro-alerts-index', 'retro-never', '--warninglists', '--decay', '--snapshot', join(world.workDir, 's.jsonl')] });
      await agent.waitFor('full', 'ok', 1);
      // The engine is unreachable: hunts fail and back off.
      const t = now();
      writeEvent(world.dataDir, 'never.json', event([
        { ...kept, timestamp: String(t) },
        { ...removed, timestamp: String(t) },
        { ...warninglisted, timestamp: String(t) },
        // Two years old for a 120-day model: decayed.
        { ...decayed, timestamp: String(t - 730 * 86400) },
      ]));
      // Stored (two of four: the warninglisted and the decayed one never are), and their hunt failed.
      const stored = async (a: { uuid: string; type: string; value: string }) => (await world.reader.attributesAt(keysOf(a)[0]!)).some((x) => x.uuid === a.uuid);
      await until('the new attributes to be stored', async () => (await stored(kept)) && (await stored(removed)), 30_000);
      expect(await stored(warninglisted)).toBe(false);
      expect(await stored(decayed)).toBe(false);
      await until('a failed hunt', async () => (await agent.metric('retro_errors_total', { code: ErrorCodes.RETRO_UNREACHABLE })) > 0, 60_000);
      // MISP deletes one of them before a hunt could succeed.
      writeEvent(world.dataDir, 'never.json', event([{ ...kept, timestamp: String(t) }, { ...removed, timestamp: String(now() + 1), deleted: true }]));
      await until('the deletion to reach the agent', async () => !(await stored(removed)), 30_000);
      await openProxy();
      await until('the hunt', async () => (await agent.metric('retro_queue')) === 0 && (await agent.metric('retro_attributes_hunted_total')) > 0, 90_000, 250);
      const { byPair } = await alertsByPair(node.url, 'retro-never');
      const hunted = new Set([...byPair.keys()].map((k) => k.split(' ')[1]));
      expect(hunted).toEqual(new Set([kept.uuid]));
      expect(await agent.metric('retro_attributes_hunted_total')).toBe(1);
      // The past events do carry the others' values: they were left out, not absent.
      const carries = async (field: string, value: string, caseInsensitive = true) =>
        (await osRequest<Json>(node.url, 'POST', '/misp-enrich-*/_count', { query: { term: { [field]: caseInsensitive ? { value, case_insensitive: true } : value } } })).count;
      expect(await carries('url.domain', removed.value)).toBeGreaterThan(0);
      expect(await carries('destination.ip', decayed.value, false)).toBeGreaterThan(0);
      const names = await osRequest<Json>(node.url, 'POST', '/misp-enrich-*/_count', { query: { wildcard: { 'dns.question.name': { value: `*${warninglisted.value}*`, case_insensitive: true } } } });
      expect(names.count).toBeGreaterThan(0);
    });
  });
});
