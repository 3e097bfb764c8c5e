// bench/retro: what a retro-hunt costs and finds, on the in-process OpenSearch (tools/opensearch.ts),
// for 100,000 and 1,000,000 events in the window (bench/retro/stream.ts: five log sources, a few
// percent carrying one of 1,000 indicators in real logs' spellings):
//
//   keys      the agent (--once --retro-backfill --retro-match keys) on events written with the
//             filter's retro_keys (the keys computed by the core, as the filter writes them)
//   fields    the agent (--retro-match fields) on the same events without keys (logs indexed
//             before misp-enrich)
//   rule      the baseline: the indicators searched the way an indicator match rule does, one
//             `terms` query per event field with the indicators' values as MISP holds them
//             (CIDR networks left out, as ti_misp cannot index them), every hit paged through
//
// For each: the hunt time of all 1,000 indicators and of one indicator (median of --singles),
// and recall and precision against the filter's matches of the same events (computed by the core).
// Plus the index size the keys add. Prints the machine line first; results also go to
// .bench-out/retro-bench.json.
//
//   npx tsx bench/retro/retro-bench.ts [--events 100000,1000000] [--singles 5] [--repeat 3]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FIELDS } from '../../plugin/core/config/default-fields.js';
import { DEFAULT_VALUE_LIMITS, eventValues } from '../../plugin/core/enrich/event-values.js';
import { getField } from '../../plugin/core/enrich/json-event.js';
import { formatIp, HUNT_MARKER, huntKeys, huntTerm, huntTermFinds, mispIndicators, parseIp, type Datatype } from '../../plugin/core/ioc/index.js';
import { startService } from '../../tools/child-service.js';
import { startMemcached } from '../../tools/local-memcached.js';
import { osRequest, prepareLauncher, startOpenSearch } from '../../tools/opensearch.js';
import { benchStream, type BenchIndicator } from './stream.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.bench-out');
const API_KEY = 'bench-api-key-0123456789abcdef0123456789abcdef01234567';
const DAY = 86_400_000;

const { values: opt } = parseArgs({
  options: {
    events: { type: 'string', default: '100000,1000000' },
    singles: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '3' },
  },
});
const sizes = opt.events!.split(',').map(Number);
const singles = Number(opt.singles);
const repeat = Number(opt.repeat);

type Json = Record<string, any>;
const FIELDS = Object.entries(DEFAULT_FIELDS).map(([ref, datatype]) => ({ ref, datatype, name: ref.slice(1, -1).split('][').join('.') }));

function machineLine(): string {
  return `machine: ${cpus()[0]?.model ?? 'cpu?'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, node ${process.version}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const min = (xs: number[]) => Math.min(...xs);

/** The filter's (event, attribute) pairs: each value's hunt keys against each indicator's hunt terms (equivalent to the filter's probes, spec/core/hunt-keys-properties). */
function truthOf(event: Json, terms: { uuid: string; term: ReturnType<typeof huntTerm> }[], keysOut: string[]): string[] {
  const { values } = eventValues(FIELDS.length, (f) => getField(event, FIELDS[f]!.ref), DEFAULT_VALUE_LIMITS);
  for (const [f, raw] of values) for (const k of huntKeys(FIELDS[f]!.datatype as Datatype, raw) ?? []) if (!keysOut.includes(k)) keysOut.push(k);
  const out: string[] = [];
  for (const t of terms) if (huntTermFinds(t.term, keysOut)) out.push(`${event.seq} ${t.uuid}`);
  return out;
}

async function bulk(url: string, index: string, docs: Json[]): Promise<void> {
  let body = '';
  for (const d of docs) body += `{"index":{"_id":"${d.seq}"}}\n${JSON.stringify(d)}\n`;
  const r = await osRequest<Json>(url, 'POST', `/${index}/_bulk`, body, true);
  if (r.errors) throw new Error(`bulk into ${index} failed: ${JSON.stringify((r.items as Json[]).find((i) => i.index?.error))}`);
}

async function storeBytes(url: string, index: string): Promise<number> {
  await osRequest(url, 'POST', `/${index}/_forcemerge?max_num_segments=1`);
  const s = await osRequest<Json>(url, 'GET', `/${index}/_stats/store`);
  return s._all.primaries.store.size_in_bytes as number;
}

/** Every (event seq, attribute uuid) pair the alerts index holds. */
async function alertPairs(url: string, index: string): Promise<Set<string>> {
  await osRequest(url, 'POST', `/${index}/_refresh`).catch(() => undefined);
  const out = new Set<string>();
  let after: unknown[] | undefined;
  for (;;) {
    const r = await osRequest<Json>(url, 'POST', `/${index}/_search`, {
      size: 10_000, sort: [{ 'misp_enrich.retro.source.index': 'asc' }, { 'misp_enrich.retro.source.id': 'asc' }, { 'misp_enrich.retro.attribute.uuid': 'asc' }], _source: ['misp_enrich.retro'], ...(after ? { search_after: after } : {}),
    });
    const hits = r.hits.hits as Json[];
    if (hits.length === 0) return out;
    for (const h of hits) out.add(`${h._source.misp_enrich.retro.source.id} ${h._source.misp_enrich.retro.attribute.uuid}`);
    after = hits[hits.length - 1]!.sort;
  }
}

function score(found: Set<string>, truth: Set<string>): { recall: number; precision: number; missed: number; false: number } {
  let hit = 0;
  for (const p of found) if (truth.has(p)) hit++;
  return { recall: truth.size === 0 ? 1 : hit / truth.size, precision: found.size === 0 ? 1 : hit / found.size, missed: truth.size - hit, false: found.size - hit };
}

/** The MISP types an indicator match rule compares with an event field of this datatype (ti_misp's mapping). */
const RULE_TYPES: Record<string, string[]> = {
  ip: ['ip-dst', 'ip-src'], domain: ['domain', 'hostname'], hostname: ['domain', 'hostname'], url: ['url'],
  md5: ['md5'], sha1: ['sha1'], sha256: ['sha256'], sha512: ['sha512'], email: ['email-src', 'email-dst'],
};

/** The baseline: one terms query per field with the raw MISP values, every hit paged through. */
async function ruleHunt(url: string, index: string, indicators: BenchIndicator[]): Promise<{ ms: number; pairs: Set<string> }> {
  const started = Date.now();
  const pairs = new Set<string>();
  for (const f of FIELDS) {
    const byValue = new Map<string, string[]>();
    for (const ind of indicators) {
      if (!RULE_TYPES[f.datatype]!.includes(ind.type) || ind.value.includes('/') && f.datatype === 'ip') continue;
      const key = f.datatype === 'ip' ? formatIp(parseIp(ind.value)!) : ind.value;
      byValue.set(key, [...(byValue.get(key) ?? []), ind.uuid]);
    }
    if (byValue.size === 0) continue;
    // A `terms` query on a wildcard field (url.full) becomes one clause per n-gram: asked in
    // chunks small enough for the engine's 1,024-clause limit, as a rule's batches are.
    const chunk = f.datatype === 'url' ? 20 : 200;
    const values = [...byValue.keys()];
    for (let from = 0; from < values.length; from += chunk) {
      let r = await osRequest<Json>(url, 'POST', `/${index}/_search?scroll=1m`, { size: 1000, sort: ['_doc'], _source: ['seq', f.name], query: { terms: { [f.name]: values.slice(from, from + chunk) } } });
      for (;;) {
        const hits = r.hits.hits as Json[];
        if (hits.length === 0) break;
        for (const h of hits) {
          const v = getField(h._source, f.ref);
          for (const item of Array.isArray(v) ? v : [v]) {
            if (typeof item !== 'string') continue;
            const key = f.datatype === 'ip' ? (parseIp(item) ? formatIp(parseIp(item)!) : item) : item;
            for (const uuid of byValue.get(key) ?? []) pairs.add(`${h._source.seq} ${uuid}`);
          }
        }
        r = await osRequest<Json>(url, 'POST', '/_search/scroll', { scroll: '1m', scroll_id: r._scroll_id });
      }
      await osRequest(url, 'DELETE', '/_search/scroll', { scroll_id: [r._scroll_id] }).catch(() => undefined);
    }
  }
  return { ms: Date.now() - started, pairs };
}

function mispEvent(indicators: BenchIndicator[]): Json {
  const now = String(Math.floor(Date.now() / 1000));
  return {
    Event: {
      id: '7700', uuid: 'b7700000-0000-4000-8000-000000007700', info: 'retro bench', published: true, threat_level_id: '2', timestamp: now, publish_timestamp: now,
      Attribute: indicators.map((i) => ({ uuid: i.uuid, type: i.type, value: i.value, category: 'Network activity', to_ids: true, timestamp: now })),
    },
  };
}

async function main(): Promise<void> {
  console.log(machineLine());
  const why = prepareLauncher();
  if (why) throw new Error(why);
  mkdirSync(OUT, { recursive: true });
  const node = await startOpenSearch({ readyTimeoutMs: 180_000 });
  const mc = await startMemcached({ memoryMb: 256 });
  const dataDir = mkdtempSync(join(tmpdir(), 'retro-bench-misp-'));
  const sim = await startService(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', dataDir, '--port', '0', '--api-key', API_KEY], { ready: /listening on (\S+)/ });
  const simUrl = sim.ready[1]!;
  const results: Json[] = [];
  // The agent as built now, copied: a rebuild during a long run does not change what is measured.
  const agentDir = mkdtempSync(join(OUT, 'retro-bench-agent-'));
  copyFileSync(join(ROOT, 'dist/agent/misp-enrich-agent.js'), join(agentDir, 'misp-enrich-agent.js'));
  try {
    console.log(`opensearch ${node.version}`);
    await osRequest(node.url, 'PUT', '/_component_template/misp-enrich', JSON.parse(readFileSync(join(ROOT, 'docs/elasticsearch/component-template.json'), 'utf8')));
    await osRequest(node.url, 'PUT', '/_index_template/bench', { index_patterns: ['bench-*'], priority: 500, composed_of: ['misp-enrich'], template: { settings: { number_of_replicas: 0 } } });

    const setMisp = async (indicators: BenchIndicator[]) => {
      writeFileSync(join(dataDir, 'bench.json'), JSON.stringify(mispEvent(indicators)));
      // A kept-alive connection misp-sim closed meanwhile fails once: asked again.
      for (let attempt = 0; ; attempt++) {
        try {
          await fetch(`${simUrl}/_sim/reload`, { method: 'POST' });
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    };
    /** One `--once --retro-backfill` of the agent; the hunt's own time from its summary. */
    const agentHunt = (index: string, alerts: string, match: string): { ms: number; alerts: number; search_ms: number; write_ms: number } => {
      const r = spawnSync(process.execPath, [join(agentDir, 'misp-enrich-agent.js'), '--once', '--misp-url', simUrl, '--memcached', mc.address,
        '--retro-url', node.url, '--retro-backfill', '--retro-indices', index, '--retro-alerts-index', alerts, '--retro-match', match, '--retro-rate', '1000',
        '--retro-max-hits', '1000000', '--log-level', 'warn'], { env: { PATH: process.env.PATH ?? '', MISP_API_KEY: API_KEY }, encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0) throw new Error(`agent exited ${r.status}: ${r.stderr.slice(-2000)}`);
      const retro = JSON.parse(r.stdout).retro as Json;
      return { ms: retro.duration_ms, alerts: retro.alerts + retro.existing, search_ms: retro.search_ms, write_ms: retro.write_ms };
    };

    for (const n of sizes) {
      const start = Date.now() - 29 * DAY;
      const stream = benchStream({ count: n, startMs: start, spanMs: 28 * DAY });
      const terms = stream.indicators.flatMap((ind) => (mispIndicators(ind.type, ind.value)?.indicators ?? []).map((i) => ({ uuid: ind.uuid, term: huntTerm(i) })));
      const truth = new Set<string>();
      let keyCount = 0;
      const t0 = Date.now();
      for (let from = 0; from < n; from += 5_000) {
        const keyed: Json[] = [];
        const raw: Json[] = [];
        for (let i = from; i < Math.min(n, from + 5_000); i++) {
          const e = stream.event(i);
          const keys: string[] = [];
          for (const p of truthOf(e, terms, keys)) truth.add(p);
          keyCount += keys.length + 1;
          raw.push(e);
          keyed.push({ ...e, misp_enrich: { keys: [HUNT_MARKER, ...keys] } });
        }
        await bulk(node.url, `bench-keys-${n}`, keyed);
        await bulk(node.url, `bench-raw-${n}`, raw);
      }
      await osRequest(node.url, 'POST', `/bench-keys-${n},bench-raw-${n}/_refresh`);
      const withKeys = await storeBytes(node.url, `bench-keys-${n}`);
      const without = await storeBytes(node.url, `bench-raw-${n}`);
      console.log(`${n} events indexed twice in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${truth.size} (event, indicator) pairs the filter matches; ` +
        `keys ${(keyCount / n).toFixed(2)} per event; index ${(without / 2 ** 20).toFixed(1)} MiB without keys, ${(withKeys / 2 ** 20).toFixed(1)} MiB with (+${(((withKeys - without) / without) * 100).toFixed(1)} %, ${((withKeys - without) / n).toFixed(1)} bytes per event)`);

      const runs: Json[] = [];
      const pickSingles = Array.from({ length: singles }, (_, k) => stream.indicators[Math.floor((k * stream.indicators.length) / singles)]!);
      for (let r = 0; r < repeat; r++) {
        await setMisp(stream.indicators);
        const run: Json = {};
        for (const [mode, index, match] of [['keys', `bench-keys-${n}`, 'keys'], ['fields', `bench-raw-${n}`, 'fields']] as const) {
          const alerts = `retro-bench-alerts-${mode}-${n}-${r}`;
          const h = agentHunt(index, alerts, match);
          run[mode] = { all_ms: h.ms, search_ms: h.search_ms, write_ms: h.write_ms, alerts: h.alerts, ...score(await alertPairs(node.url, alerts), truth) };
          await osRequest(node.url, 'DELETE', `/${alerts}`).catch(() => undefined);
        }
        const rule = await ruleHunt(node.url, `bench-raw-${n}`, stream.indicators);
        run.rule = { all_ms: rule.ms, ...score(rule.pairs, truth) };
        // One indicator at a time.
        for (const mode of ['keys', 'fields', 'rule'] as const) run[mode].single_ms = [];
        for (const [k, ind] of pickSingles.entries()) {
          await setMisp([ind]);
          for (const [mode, index, match] of [['keys', `bench-keys-${n}`, 'keys'], ['fields', `bench-raw-${n}`, 'fields']] as const) {
            const alerts = `retro-bench-alerts-single-${mode}-${n}-${r}-${k}`;
            run[mode].single_ms.push(agentHunt(index, alerts, match).ms);
            await osRequest(node.url, 'DELETE', `/${alerts}`).catch(() => undefined);
          }
          run.rule.single_ms.push((await ruleHunt(node.url, `bench-raw-${n}`, [ind])).ms);
        }
        runs.push(run);
        console.log(`  run ${r + 1}: ${['keys', 'fields', 'rule'].map((m) => `${m} ${run[m].all_ms} ms/1000${run[m].search_ms !== undefined ? ` (searching ${run[m].search_ms} ms, writing ${run[m].alerts} alerts ${run[m].write_ms} ms)` : ''} recall ${run[m].recall.toFixed(4)} precision ${run[m].precision.toFixed(4)}, median single ${median(run[m].single_ms)} ms`).join('; ')}`);
      }
      const summary: Json = { events: n, pairs: truth.size, keys_per_event: keyCount / n, index_bytes: { without, with: withKeys } };
      for (const m of ['keys', 'fields', 'rule']) {
        const all = runs.map((x) => x[m].all_ms as number);
        const single = runs.flatMap((x) => x[m].single_ms as number[]);
        const first = runs[0]![m] as Json;
        const searching = runs.map((x) => x[m].search_ms as number | undefined).filter((v): v is number => v !== undefined);
        summary[m] = { per_1000_ms: { min: min(all), median: median(all) }, ...(searching.length > 0 ? { per_1000_searching_ms: { min: min(searching), median: median(searching) } } : {}), per_indicator_ms: { min: min(single), median: median(single) }, recall: first.recall, precision: first.precision, missed: first.missed, false: first.false };
      }
      results.push({ summary, runs });
      console.log(`${n} events, ${repeat} runs, min / median:`);
      console.log('| way | 1,000 indicators, s | of which searching, s | one indicator, ms | recall | precision |');
      console.log('|---|---|---|---|---|---|');
      for (const m of ['keys', 'fields', 'rule']) {
        const s = summary[m];
        const searching = s.per_1000_searching_ms ? `${(s.per_1000_searching_ms.min / 1000).toFixed(2)} / ${(s.per_1000_searching_ms.median / 1000).toFixed(2)}` : 'all of it';
        console.log(`| ${m} | ${(s.per_1000_ms.min / 1000).toFixed(2)} / ${(s.per_1000_ms.median / 1000).toFixed(2)} | ${searching} | ${s.per_indicator_ms.min} / ${s.per_indicator_ms.median} | ${s.recall.toFixed(4)} (${s.missed} missed) | ${s.precision.toFixed(4)} (${s.false} false) |`);
      }
      await osRequest(node.url, 'DELETE', `/bench-keys-${n},bench-raw-${n}`);
    }
    writeFileSync(join(OUT, 'retro-bench.json'), JSON.stringify({ machine: machineLine(), opensearch: node.version, options: opt, results }, null, 2));
  } finally {
    await sim.stop();
    await mc.stop();
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(agentDir, { recursive: true, force: true });
  }
}

await main();
