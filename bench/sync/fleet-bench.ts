// Fleet benchmark: one agent loading 1, 5 and 20 memcached servers, and what MISP serves per
// topology. In the same run:
//
// 1. full load per server count: misp-sim --synthetic N, S fresh memcached servers, one agent;
//    the time of its first full sync (MISP listing + writing every server) and, after every
//    server is flushed, of its reload from memory (writing only: the longest of the servers'
//    "loaded with … (memory)" lines). With --baseline-agent, an older agent bundle does the same
//    beside it, so the ratio between builds comes from one run.
// 2. MISP requests per topology: one agent writing H servers against H agents with one server
//    each, over --minutes after their first full syncs (misp-sim's /_sim/stats), plus the
//    requests of one full sync.
//
//   npx tsx bench/sync/fleet-bench.ts [--attributes 80000] [--servers 1,5,20] [--hosts 20]
//        [--topology-attributes 20000] [--minutes 1] [--interval 10] [--repeat 1] [--baseline-agent FILE]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import memjs from 'memjs';
import { freePort, startMemcached, type MemcachedProcess } from '../../tools/local-memcached.js';
import { until } from '../../tools/until.js';

const ROOT = resolve(import.meta.dirname, '../..');
const KEY = 'bench-api-key-5d41402abc4b2a76b9719d911017c592';
const AGENT = join(ROOT, 'dist/agent/misp-enrich-agent.js');

const USAGE = 'usage: npx tsx bench/sync/fleet-bench.ts [--attributes N] [--servers 1,5,20] [--hosts 20] [--topology-attributes N] [--minutes 1] [--interval 10] [--repeat 1] [--baseline-agent FILE]';
let opt: Record<string, string | boolean | undefined>;
try {
  opt = parseArgs({
    options: {
      attributes: { type: 'string', default: '80000' },
      servers: { type: 'string', default: '1,5,20' },
      hosts: { type: 'string', default: '20' },
      'topology-attributes': { type: 'string', default: '20000' },
      minutes: { type: 'string', default: '1' },
      interval: { type: 'string', default: '10' },
      repeat: { type: 'string', default: '1' },
      'baseline-agent': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  process.stderr.write(`fleet-bench: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (opt.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
function positive(name: string): number {
  const n = Number(opt[name]);
  if (!(n > 0)) {
    process.stderr.write(`fleet-bench: --${name} must be a positive number\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}
const N = positive('attributes');
const HOSTS = positive('hosts');
const TOPOLOGY_N = positive('topology-attributes');
const MINUTES = positive('minutes');
const INTERVAL = positive('interval');
const REPEAT = positive('repeat');
const SERVER_COUNTS = String(opt.servers).split(',').map(Number);
if (SERVER_COUNTS.some((n) => !(n > 0))) {
  process.stderr.write(`fleet-bench: --servers takes counts, as 1,5,20\n${USAGE}\n`);
  process.exit(2);
}
const BUILDS: { name: string; file: string }[] = [{ name: 'this build', file: AGENT }];
if (opt['baseline-agent']) BUILDS.push({ name: 'baseline', file: resolve(String(opt['baseline-agent'])) });

function jsonLines(child: ChildProcess): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let buf = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      try {
        out.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      } catch {
        // not a log line
      }
      buf = buf.slice(nl + 1);
    }
  });
  return out;
}

interface Sim {
  url: string;
  child: ChildProcess;
  dir: string;
}

async function startSim(attributes: number): Promise<Sim> {
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-fleet-'));
  const child = spawn(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', dir, '--port', '0', '--api-key', KEY, '--synthetic', String(attributes)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  const url = await until('misp-sim', () => /listening on (\S+)/.exec(out)?.[1], 60_000);
  return { url, child, dir };
}

async function stopSim(sim: Sim): Promise<void> {
  sim.child.kill();
  rmSync(sim.dir, { recursive: true, force: true });
}

function startAgent(file: string, mispUrl: string, servers: readonly string[], extra: string[] = []): { child: ChildProcess; log: Record<string, unknown>[] } {
  const child = spawn(process.execPath, [file, '--misp-url', mispUrl, '--memcached', servers.join(','), '--interval', String(INTERVAL), '--full-resync', '86400', '--no-to-ids-only', '--no-published-only', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH ?? '', MISP_API_KEY: KEY },
  });
  return { child, log: jsonLines(child) };
}

async function stopAgent(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** CPU time the process has used so far (user + system), in ms (/proc/PID/stat, 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = execFileSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function flushAll(servers: readonly MemcachedProcess[]): Promise<void> {
  for (const s of servers) {
    const c = memjs.Client.create(s.address, { logger: { log: () => undefined } });
    await c.flush();
    c.close();
  }
}

const memcachedVersion = execFileSync(process.env.MEMCACHED_BIN ?? 'memcached', ['-V'], { encoding: 'utf8' }).trim();
console.log(`machine: cpu="${cpus()[0]?.model}" cores=${cpus().length} node=${process.version} ${memcachedVersion} linux=${release()}`);
console.log(`command: npx tsx bench/sync/fleet-bench.ts ${process.argv.slice(2).join(' ')}`);

// 1. Full load per server count.
const loadRows: string[] = [];
{
  const sim = await startSim(N);
  try {
    for (let run = 1; run <= REPEAT; run++) {
      for (const build of BUILDS) {
        for (const count of SERVER_COUNTS) {
          const servers: MemcachedProcess[] = [];
          for (let i = 0; i < count; i++) servers.push(await startMemcached({ memoryMb: 256 }));
          const { child, log } = startAgent(build.file, sim.url, servers.map((s) => s.address));
          try {
            const full = await until('the full sync', () => log.find((l) => l.msg === 'full sync done'), 600_000);
            const reloadsBefore = log.length;
            // Let the cycle after the full sync pass, so the CPU counted is the reload's.
            await new Promise((r) => setTimeout(r, 1000));
            const cpuBefore = cpuMs(child.pid!);
            await flushAll(servers);
            // Every server reports its reload from memory at the next cycle.
            const loaded = await until('the reload of every server', () => {
              const lines = log.slice(reloadsBefore).filter((l) => typeof l.msg === 'string' && /loaded with \d+ keys \(memory\)/.test(l.msg as string));
              return lines.length >= count ? lines : undefined;
            }, 600_000);
            const reloadMs = Math.max(...loaded.map((l) => Number(l.ms)));
            const reloadCpu = cpuMs(child.pid!) - cpuBefore;
            const peak = Number(/VmHWM:\s+(\d+)/.exec(execFileSync('cat', [`/proc/${child.pid}/status`], { encoding: 'utf8' }))?.[1] ?? NaN);
            loadRows.push(`| ${run} | ${build.name} | ${count} | ${full.indicators} | ${(Number(full.duration_ms) / 1000).toFixed(2)} s | ${(reloadMs / 1000).toFixed(2)} s | ${(reloadCpu / 1000).toFixed(2)} s | ${Math.round(peak / 1024)} MB |`);
            console.error(loadRows.at(-1));
          } finally {
            await stopAgent(child);
            for (const s of servers) await s.stop();
          }
        }
      }
    }
  } finally {
    await stopSim(sim);
  }
}
console.log(`\n## Full load, ${N} synthetic attributes (every type, no to_ids or published filter)\n`);
console.log('| run | agent | servers | keys | full sync (MISP + writes) | reload from memory (writes) | agent CPU in that reload | peak RSS |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
for (const r of loadRows) console.log(r);

// 2. MISP's load per topology.
async function topology(name: string, agents: string[][], servers: readonly MemcachedProcess[], extra: string[] = []): Promise<string> {
  const sim = await startSim(TOPOLOGY_N);
  const children: { child: ChildProcess; log: Record<string, unknown>[] }[] = [];
  try {
    const stats = async () => ((await (await fetch(`${sim.url}/_sim/stats`)).json()) as { total: number }).total;
    for (const serversOf of agents) children.push(startAgent(AGENT, sim.url, serversOf, ['--metrics-listen', `127.0.0.1:${await freePort()}`, ...extra]));
    await until('every agent\'s full sync', () => children.every((c) => c.log.some((l) => l.msg === 'full sync done')) || undefined, 900_000);
    const afterFull = await stats();
    const started = Date.now();
    await new Promise((r) => setTimeout(r, MINUTES * 60_000));
    const steady = (await stats()) - afterFull;
    const minutes = (Date.now() - started) / 60_000;
    return `| ${name} | ${agents.length} | ${servers.length} | ${afterFull} | ${(steady / minutes).toFixed(1)} |`;
  } finally {
    for (const c of children) await stopAgent(c.child);
    await stopSim(sim);
  }
}
const fleet: MemcachedProcess[] = [];
for (let i = 0; i < HOSTS; i++) fleet.push(await startMemcached({ memoryMb: 64 }));
const topoRows: string[] = [];
try {
  topoRows.push(await topology(`one agent writing ${HOSTS} hosts`, [fleet.map((s) => s.address)], fleet));
  console.error(topoRows.at(-1));
  topoRows.push(await topology(`an agent on each of ${HOSTS} hosts`, fleet.map((s) => [s.address]), fleet));
  console.error(topoRows.at(-1));
  topoRows.push(await topology(`two agents in HA (--ha-lease 30) writing ${HOSTS} hosts`, [0, 1].map(() => fleet.map((s) => s.address)), fleet, ['--ha-lease', '30']));
  console.error(topoRows.at(-1));
} finally {
  for (const s of fleet) await s.stop();
}
console.log(`\n## MISP requests per topology, ${TOPOLOGY_N} synthetic attributes, --interval ${INTERVAL}, ${MINUTES} min after the first full syncs\n`);
console.log('| topology | agents | memcached servers | requests until every first full sync | requests per minute after it |');
console.log('|---|---:|---:|---:|---:|');
for (const r of topoRows) console.log(r);
