// Filter-stage and end-to-end throughput of the packaged plugin, interpreter and JIT, next to a
// raw memcached multi-get baseline of the very same keys, all from one run on this machine.
//
//   npm run build && ./mvnw -q -B -Pjit -pl plugin/java/filter validate   # JIT compiler jars
//   npx tsx bench/filter/filter-throughput.ts [--events 300000] [--workers 1] [--hit-rate 0.02]
//                                             [--modes interpreter,jit,jit-throughput]
//
// Prints the machine line first. Results also go to .bench-out/filter-throughput.json.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCore } from '../../plugin/node-host/core-loader.js';
import { startMemcached } from '../../spec/support/memcached.js';
import { attribute, entriesFor } from '../../spec/support/summaries.js';
import { seed } from '../../spec/plugin-java/harness.js';
import { rawMultiGet } from './raw-multiget.js';
import { findJava } from '../../bin/misp-enrich-run.js';

const { values: opt } = parseArgs({
  options: {
    events: { type: 'string', default: '300000' },
    workers: { type: 'string', default: '1' },
    'hit-rate': { type: 'string', default: '0.02' },
    'batch-size': { type: 'string', default: '125' },
    modes: { type: 'string', default: 'interpreter,jit,jit-throughput' },
    // 0: every source address and URL is new (the worst case); N: log values repeat, drawn from
    // N distinct ones per field, as real logs do (the same clients, resolvers and sites).
    distinct: { type: 'string', default: '0' },
  },
});
const EVENTS = Number(opt.events);
const WORKERS = Number(opt.workers);
const HIT_RATE = Number(opt['hit-rate']);
const BATCH = Number(opt['batch-size']);
const DISTINCT = Number(opt.distinct);
const MODES = new Set(String(opt.modes).split(','));
const ROOT = resolve('.');
const JIT_DIR = join(ROOT, 'plugin/java/filter/target/jit');
const graalVersion = /<graalvm.version>([^<]+)</.exec(readFileSync(join(ROOT, 'pom.xml'), 'utf8'))?.[1];

function machineLine(javaBin: string): string {
  const jv = /version "([^"]+)"/.exec(spawnSync(javaBin, ['-version'], { encoding: 'utf8' }).stderr ?? '')?.[1];
  const memcachedVersion = execFileSync('memcached', ['-V'], { encoding: 'utf8' }).trim();
  return `machine: ${cpus()[0]?.model ?? 'cpu?'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, ` +
    `node ${process.version}, java ${jv ?? '?'} (${javaBin}), GraalJS ${graalVersion}, ${memcachedVersion}`;
}

// --- data: indicators the agent would store, and log events of which HIT_RATE hit ----------
const N_IND = 20_000;
const ip = (i: number) => `198.18.${(i >> 8) & 255}.${i & 255}`; // RFC 2544 benchmark range
const attrs = [
  ...Array.from({ length: N_IND }, (_, i) => attribute('ip-dst', ip(i), { event_id: String(1 + (i % 50)) })),
  ...Array.from({ length: 2_000 }, (_, i) => attribute('domain', `bad${i}.bench-example.test`, { event_id: '7' })),
  ...Array.from({ length: 100 }, (_, i) => attribute('ip-src', `198.19.${i}.0/24`, { event_id: '9' })),
];
function event(n: number): Record<string, unknown> {
  const hit = (n * 2654435761) % 1000 < HIT_RATE * 1000;
  const i = DISTINCT > 0 ? (n * 7919) % DISTINCT : n;
  return {
    '@timestamp': '2026-01-01T00:00:00.000Z',
    seq: n,
    source: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
    destination: { ip: hit ? ip(i % N_IND) : `203.0.113.${i % 250}` },
    url: { full: `https://www.site${i % 5000}.example/path/${i}?q=${i % 17}` },
    dns: { question: { name: hit ? `cdn.bad${i % 2000}.bench-example.test` : `host${i % 300}.site${i % 5000}.example` } },
  };
}

function get(obj: unknown, ref: string): unknown {
  let cur: unknown = obj;
  for (const seg of ref.slice(1, -1).split('][')) {
    if (!cur || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur ?? null;
}

async function runHarness(input: string, javaOpts: string, dir: string, tag: string) {
  const report = join(dir, `report-${tag}.json`);
  const args = [join(ROOT, 'bin/misp-enrich-run.js'), '--settings', join(dir, 'settings.json'), '--input', input,
    '--output', join(dir, `out-${tag}.ndjson`), '--workers', String(WORKERS), '--batch-size', String(BATCH),
    '--report', report, '--log-level', 'warn'];
  const t0 = process.hrtime.bigint();
  await new Promise<void>((done, fail) =>
    execFile(process.execPath, args, { env: { ...process.env, MISP_ENRICH_JAVA_OPTS: javaOpts }, maxBuffer: 64 << 20 },
      (err, _o, e) => (err ? fail(new Error(`${tag}: ${e}`)) : done())));
  const processNanos = Number(process.hrtime.bigint() - t0);
  const r = JSON.parse(readFileSync(report, 'utf8'));
  return {
    mode: tag,
    filter_events_per_s: Math.round(r.events_in / (r.filter_nanos / 1e9)),
    filter_events_per_s_warm: Math.round(r.events_second_half / (r.filter_nanos_second_half / 1e9)),
    pipeline_events_per_s: Math.round(r.events_in / (r.wall_nanos / 1e9)),
    end_to_end_events_per_s: Math.round(r.events_in / (processNanos / 1e9)),
    keys: r.metrics['plugins.filters.misp_enrich_harness.events.lookups'],
    matched: r.metrics['plugins.filters.misp_enrich_harness.events.matched'],
  };
}

async function main(): Promise<void> {
  const java = findJava();
  if (!java) throw new Error('no JDK >= 21 found');
  console.log(machineLine(java.java));
  const mc = await startMemcached({ memoryMb: 256 });
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-bench-'));
  try {
    const entries = entriesFor(attrs);
    await seed(mc.address, entries);
    const meta = entries.get('me1:meta')!;
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ memcached_hosts: [mc.address], fetch_context: false }));
    const events = Array.from({ length: EVENTS }, (_, i) => event(i));
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, events.map((e) => JSON.stringify(e)).join('\n') + '\n');

    // The keys the filter asks for, batch by batch: the same core bundle, in Node.
    const enricher = loadCore().createEnricher(JSON.stringify({ fetch_context: false }));
    const refs: string[] = JSON.parse(enricher.fieldRefs());
    const batches: string[][] = [];
    const tCore = process.hrtime.bigint();
    for (let i = 0; i < events.length; i += BATCH) {
      const rows = events.slice(i, i + BATCH).map((e) => refs.map((r) => get(e, r)));
      const plan = enricher.begin(JSON.stringify({ events: rows, meta }));
      batches.push(JSON.parse(plan.keys()).keys);
    }
    const coreBeginNanos = Number(process.hrtime.bigint() - tCore);
    const raw = await rawMultiGet(mc.port, batches);
    const rawSeconds = Number(raw.nanos) / 1e9;
    const baseline = {
      batches: raw.batches,
      keys_per_batch: Math.round(raw.keys / raw.batches),
      keys_per_s: Math.round(raw.keys / rawSeconds),
      events_per_s: Math.round(events.length / rawSeconds),
      hits: raw.hits,
    };
    console.log(`events: ${EVENTS}, batch size ${BATCH}, workers ${WORKERS}, hit rate ${HIT_RATE}, indicators ${entries.size - 1}`);
    console.log(`baseline raw memcached multi-get (Node, same keys, 1 connection): ${baseline.keys_per_s} keys/s, ` +
      `${baseline.events_per_s} events/s equivalent (${baseline.keys_per_batch} keys/batch)`);
    console.log(`core begin() in Node/V8 alone: ${Math.round(events.length / (coreBeginNanos / 1e9))} events/s`);

    const results = MODES.has('interpreter') ? [await runHarness(input, '', dir, 'interpreter')] : [];
    const jitJars = existsSync(JIT_DIR) ? readdirSync(JIT_DIR).filter((f) => f.endsWith('.jar')).map((f) => join(JIT_DIR, f)) : [];
    if (java.major < 25) {
      console.log(`JIT: not measured, GraalJS ${graalVersion} has no JIT on JDK ${java.major} (interpreter only)`);
    } else if (jitJars.length === 4) {
      const jit = `-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path=${jitJars.join(':')}`;
      if (MODES.has('jit')) results.push(await runHarness(input, jit, dir, 'jit'));
      // Truffle's compilation mode for long-running servers (valid only when the JIT is present).
      if (MODES.has('jit-throughput')) results.push(await runHarness(input, `${jit} -Dpolyglot.engine.Mode=throughput`, dir, 'jit-throughput'));
    } else {
      console.log('JIT: not measured, the compiler jars are missing: run ./mvnw -q -B -Pjit -pl plugin/java/filter validate');
    }
    for (const r of results) {
      // filter() time is summed over the workers: its rate is per worker; the pipeline rate is all workers together.
      console.log(`${r.mode.padEnd(14)} filter(): ${r.filter_events_per_s} events/s per worker (second half, warmed: ${r.filter_events_per_s_warm}); ` +
        `pipeline (${WORKERS} worker${WORKERS > 1 ? 's' : ''}): ${r.pipeline_events_per_s} events/s; end-to-end misp-enrich-run incl. JVM start and NDJSON: ${r.end_to_end_events_per_s} events/s; ` +
        `keys ${r.keys}, matched ${r.matched}`);
    }
    mkdirSync('.bench-out', { recursive: true });
    writeFileSync('.bench-out/filter-throughput.json', JSON.stringify({ machine: machineLine(java.java), events: EVENTS, workers: WORKERS, baseline, results }, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await mc.stop();
  }
}

await main();
