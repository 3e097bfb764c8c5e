// Sync benchmark: the agent's full sync of N synthetic MISP attributes (misp-sim --synthetic N)
// against the original recipe's pull (baseline-pull.ts) in the same run, then the agent's
// incremental sync of K changed attributes (/_sim/touch). Prints the machine line, attributes/s
// and peak RSS for both, and the incremental cycle time. Both sides store every supported type
// (no to_ids or published filter), into separate memcached servers.
//
//   npx tsx bench/sync/sync-bench.ts [--attributes 1000000] [--touch 10000] [--node-options "NODE FLAGS"]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { usageFailure } from '../../tools/script-args.js';
import { build } from 'esbuild';
import { freePort, startMemcached } from '../../tools/local-memcached.js';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'bench-api-key-5d41402abc4b2a76b9719d911017c592';

const USAGE = 'usage: npx tsx bench/sync/sync-bench.ts [--attributes 1000000] [--touch 10000] [--node-options "NODE FLAGS"]';
const usageError = usageFailure('sync-bench', USAGE);
// Node tokenizes, non-strict so that --node-options takes a value starting with a dash
// (--node-options "--max-old-space-size=128"); unknown options, values and arguments refused here.
const OPTIONS = {
  attributes: { type: 'string', default: '1000000' },
  touch: { type: 'string', default: '10000' },
  // Node flags for the agent process, as a deployment would set them (e.g. the systemd unit's
  // NODE_OPTIONS): --node-options "--max-old-space-size=128".
  'node-options': { type: 'string', default: '' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
const { values: opt, tokens } = parseArgs({ options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
for (const t of tokens) {
  if (t.kind === 'positional') usageError(`unexpected argument "${t.value}"`);
  if (t.kind !== 'option') continue;
  if (!Object.hasOwn(OPTIONS, t.name)) usageError(`unknown option ${t.rawName}`);
  const type = OPTIONS[t.name as keyof typeof OPTIONS].type;
  if (type === 'string' && t.value === undefined) usageError(`${t.rawName} needs a value`);
  if (type === 'boolean' && t.value !== undefined) usageError(`${t.rawName} takes no value`);
}
if (opt.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
function count(name: 'attributes' | 'touch'): number {
  const v = String(opt[name]);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) usageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

const N = count('attributes');
const TOUCH = count('touch');
const NODE_OPTIONS = String(opt['node-options']).split(' ').filter(Boolean);

function lines(child: ChildProcess, stream: 'stdout' | 'stderr'): string[] {
  const out: string[] = [];
  let buf = '';
  child[stream]!.setEncoding('utf8');
  child[stream]!.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      out.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  return out;
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 600_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function peakRssKb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function logLine(out: string[], pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
  for (const l of out) {
    try {
      const o = JSON.parse(l) as Record<string, unknown>;
      if (pred(o)) return o;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

const memcachedVersion = execFileSync(process.env.MEMCACHED_BIN ?? 'memcached', ['-V'], { encoding: 'utf8' }).trim();
console.log(`machine: cpu="${cpus()[0]?.model}" cores=${cpus().length} node=${process.version} ${memcachedVersion} linux=${release()}`);
console.log(`workload: ${N} synthetic attributes (misp-sim --synthetic), every supported type, default page size; incremental: ${TOUCH} touched attributes; agent node flags: ${NODE_OPTIONS.join(' ') || 'none'}`);

const work = mkdtempSync(join(tmpdir(), 'misp-enrich-bench-'));
const mcAgent = await startMemcached({ memoryMb: 2048 });
const mcBase = await startMemcached({ memoryMb: 2048 });
const sim = spawn(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', work, '--port', '0', '--api-key', KEY, '--synthetic', String(N)], { stdio: ['ignore', 'pipe', 'pipe'] });
const simOut = lines(sim, 'stdout');
const simUrl = await until('misp-sim', () => simOut.find((l) => l.startsWith('listening on '))?.slice('listening on '.length).trim());

try {
  // 1. The agent: full sync, then an incremental sync of TOUCH changes.
  const metricsPort = await freePort();
  const t0 = Date.now();
  const agent = spawn(
    process.execPath,
    [...NODE_OPTIONS, join(ROOT, 'dist/agent/misp-enrich-agent.js'), '--misp-url', simUrl, '--memcached', mcAgent.address, '--interval', '2', '--full-resync', '86400',
      '--no-to-ids-only', '--no-published-only', '--metrics-listen', `127.0.0.1:${metricsPort}`],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', MISP_API_KEY: KEY } },
  );
  const agentLog = lines(agent, 'stderr');
  const full = await until('the agent full sync', () => logLine(agentLog, (l) => l.msg === 'full sync done'));
  const fullWall = Date.now() - t0;
  const fullRss = peakRssKb(agent.pid!);
  console.error(`agent full sync done in ${full.duration_ms} ms`);
  const stored = (full.attributes as { added: number }).added;
  await until('a first incremental cycle', () => logLine(agentLog, (l) => l.msg === 'incremental sync done'));
  const touched = (await (await fetch(`${simUrl}/_sim/touch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: TOUCH }) })).json()) as { touched: number };
  console.error(`touched ${touched.touched} attributes`);
  const inc = await until('the incremental sync of the touched attributes', () =>
    logLine(agentLog, (l) => {
      if (l.msg !== 'incremental sync done') return false;
      // Touched attributes come back changed, or skipped when the touch soft-deleted them.
      const a = l.attributes as Record<string, number>;
      const seen = a.added! + a.changed! + a.removed! + Object.values(l.skipped as Record<string, number>).reduce((x, y) => x + y, 0);
      return a.changed! > 0 && seen >= touched.touched;
    }));
  const incRss = peakRssKb(agent.pid!);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));

  // 2. The baseline, same MISP, its own memcached.
  // Built next to the sources so Node resolves memjs from the project's node_modules.
  const baselineJs = join(ROOT, 'bench/sync', `.baseline-pull-${process.pid}.mjs`);
  await build({ entryPoints: [join(ROOT, 'bench/sync/baseline-pull.ts')], outfile: baselineJs, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  console.error('baseline pull running');
  const b0 = Date.now();
  const base = spawn(process.execPath, [baselineJs, '--misp-url', simUrl, '--memcached', mcBase.address], { stdio: ['ignore', 'pipe', 'inherit'], env: { PATH: process.env.PATH ?? '', MISP_API_KEY: KEY}, cwd: ROOT });
  const baseOut = lines(base, 'stdout');
  const code = await new Promise<number | null>((r) => base.once('exit', r));
  rmSync(baselineJs, { force: true });
  const baseWall = Date.now() - b0;
  const baseline = code === 0 ? (JSON.parse(baseOut.at(-1)!) as { attributes: number; keys: number; duration_ms: number; peak_rss_kb: number }) : null;

  const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
  console.log('');
  console.log('| run | attributes | keys | time | attributes/s | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| agent full sync (paged, pipelined) | ${stored} | ${full.indicators} | ${(Number(full.duration_ms) / 1000).toFixed(1)} s (process start to done ${(fullWall / 1000).toFixed(1)} s) | ${rate(stored, Number(full.duration_ms))} | ${Math.round(fullRss / 1024)} MB |`);
  if (baseline) {
    console.log(`| baseline pull (unpaged per type, 1 round trip per key) | ${baseline.attributes} | ${baseline.keys} | ${(baseline.duration_ms / 1000).toFixed(1)} s (process ${(baseWall / 1000).toFixed(1)} s) | ${rate(baseline.attributes, baseline.duration_ms)} | ${Math.round(baseline.peak_rss_kb / 1024)} MB |`);
  } else {
    console.log(`| baseline pull | failed (exit ${code}) | | | | |`);
  }
  console.log(`| agent incremental sync (${touched.touched} touched) | ${(inc.attributes as { changed: number }).changed} changed | ${inc.keys_written} | ${(Number(inc.duration_ms) / 1000).toFixed(2)} s | ${rate((inc.attributes as { changed: number }).changed, Number(inc.duration_ms))} | ${Math.round(incRss / 1024)} MB |`);
  console.log('');
  console.log(`targets: full ${N} < 60 s: ${Number(full.duration_ms) < 60_000 ? 'met' : 'NOT met'}; peak RSS < 300 MB: ${fullRss < 300 * 1024 ? 'met' : 'NOT met'}; incremental ${TOUCH} < 2 s: ${Number(inc.duration_ms) < 2000 ? 'met' : 'NOT met'}`);
} finally {
  sim.kill();
  await mcAgent.stop();
  await mcBase.stop();
  rmSync(work, { recursive: true, force: true });
}
