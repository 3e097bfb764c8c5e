// Runs the PACKAGED plugin jar through the Logstash-contract harness (bin/misp-enrich-run.js, a
// real JVM), the way the product runs. Specs here never load Java classes any other way.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import memjs from 'memjs';
import type { FilterPipeline } from '../filter-suites/pipeline.js';

export const ROOT = resolve('.');
export const VERSION = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
export const PLUGIN_JAR = join(ROOT, 'plugin/java/filter/target', `logstash-filter-misp_enrich-${VERSION}.jar`);
export const HARNESS_JAR = join(ROOT, 'testbed/harness/target', `misp-enrich-harness-${VERSION}.jar`);
export const RUN_BIN = join(ROOT, 'bin/misp-enrich-run.js');
export const BUNDLE_IN_JAR = 'io/mispenrich/logstash/graaljs/misp-enrich-core.js';

/**
 * Fails (never skips) when the jars are missing or the jar's core bundle is not the one just
 * built from the current sources: the Java specs would otherwise test stale code.
 */
export function assertJarsBuilt(): void {
  for (const jar of [PLUGIN_JAR, HARNESS_JAR]) {
    if (!existsSync(jar)) throw new Error(`${jar} is missing: run \`npm run build\` before these specs`);
  }
  const inJar = execFileSync('unzip', ['-p', PLUGIN_JAR, BUNDLE_IN_JAR], { maxBuffer: 64 << 20 }).toString('utf8');
  const built = readFileSync(join(ROOT, 'dist/core/misp-enrich-core.js'), 'utf8');
  if (inJar !== built) {
    throw new Error('the plugin jar holds an older core bundle than dist/core: run `npm run build` before these specs');
  }
}

export interface RunOptions {
  settings: Record<string, unknown>;
  events?: Record<string, unknown>[];
  workers?: number;
  batchSize?: number;
  logLevel?: string;
  env?: Record<string, string>;
  /** Extra harness arguments (e.g. the pause hook). */
  extraArgs?: string[];
}

export interface RunResult {
  code: number;
  stderr: string;
  events: Record<string, any>[];
  report: Record<string, any> | null;
}

/** Runs a command to its end: its exit code and what it wrote to stderr (never rejects). */
export function runToEnd(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { env, maxBuffer: 256 << 20 }, (err, _out, errText) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr: String(errText) });
    });
  });
}

/**
 * One NDJSON run of a pipeline runner (the harness's bin here, the runner on Logstash's classes in
 * spec/logstash-real): the settings and events go to files, the command gets `runnerArgs` then
 * the options both runners share, and the output events and the report are read back.
 */
export async function runPipeline(command: string, runnerArgs: string[], opts: RunOptions, env: NodeJS.ProcessEnv): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-run-'));
  try {
    const settings = join(dir, 'settings.json');
    const input = join(dir, 'in.ndjson');
    const output = join(dir, 'out.ndjson');
    const report = join(dir, 'report.json');
    writeFileSync(settings, JSON.stringify(opts.settings));
    writeFileSync(input, (opts.events ?? []).map((e) => JSON.stringify(e) + '\n').join(''));
    const args = [...runnerArgs, '--settings', settings, '--input', input, '--output', output, '--report', report,
      '--workers', String(opts.workers ?? 1), '--log-level', opts.logLevel ?? 'info'];
    if (opts.batchSize) args.push('--batch-size', String(opts.batchSize));
    args.push(...(opts.extraArgs ?? []));
    const { code, stderr } = await runToEnd(command, args, env);
    const events = existsSync(output)
      ? readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      : [];
    const rep = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null;
    return { code, stderr, events, report: rep };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function runFilter(opts: RunOptions): Promise<RunResult> {
  return runPipeline(process.execPath, [RUN_BIN], opts, { ...process.env, ...opts.env });
}

/** Runs the harness in one of its auxiliary modes and returns stdout. */
/** The stand-in harness as a pipeline for spec/filter-suites; its metrics are namespaced as Logstash's. */
export const standIn: FilterPipeline = {
  assertBuilt: assertJarsBuilt,
  run: runFilter,
  metric: (r, name) => r.report?.metrics?.[`plugins.filters.misp_enrich_harness.${name}`] as number | undefined,
};

export function runHarnessMode(args: string[]): string {
  return execFileSync(process.execPath, [RUN_BIN, '--log-level', 'warn', ...args], { maxBuffer: 64 << 20 }).toString('utf8');
}

/** One of the jar's port implementations in a JVM, driven by operations (the harness's --port-probe mode). */
export interface PortProbe {
  /** Sends one operation and resolves with its answer line, parsed. */
  send(op: Record<string, unknown>): Promise<Record<string, any>>;
  /** Closes the port; resolves with the harness's last line ({"closed", "leaked_threads", "leaked_sockets"}). */
  close(): Promise<Record<string, any>>;
  stderr(): string;
}

/**
 * Starts `misp-enrich-run --port-probe CONFIG` (testbed/harness diag/PortProbe): the port is
 * built from the packaged jar's classes as the plugin builds it; each operation goes on stdin as
 * one line and its answer comes back as one line on stdout, so a spec can act between two calls
 * (restart a server, switch a fault).
 */
export async function startPortProbe(config: Record<string, unknown>): Promise<PortProbe> {
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-probe-'));
  const file = join(dir, 'port.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [RUN_BIN, '--log-level', 'warn', '--port-probe', file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  // A probe that died answers through `close` below; a write to its stdin must not throw too.
  child.stdin!.on('error', () => undefined);
  const waiting: { resolve: (v: Record<string, any>) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | null = null;
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (!w) return;
    try {
      w.resolve(JSON.parse(line) as Record<string, any>);
    } catch {
      w.reject(new Error(`the port probe answered something other than JSON: ${line.slice(0, 200)}`));
    }
  });
  const exited = new Promise<void>((done) =>
    child.once('close', (code) => {
      ended = new Error(`the port probe exited (${code}): ${stderr.trim().slice(-2000)}`);
      for (const w of waiting.splice(0)) w.reject(ended);
      rmSync(dir, { recursive: true, force: true });
      done();
    }),
  );
  const next = () =>
    new Promise<Record<string, any>>((resolveLine, reject) => {
      if (ended) reject(ended);
      else waiting.push({ resolve: resolveLine, reject });
    });
  const ready = await next();
  if (ready.ready !== true) throw new Error(`the port probe did not start: ${JSON.stringify(ready)}`);
  return {
    send(op) {
      const answer = next();
      child.stdin!.write(JSON.stringify(op) + '\n');
      return answer;
    },
    async close() {
      if (ended) throw ended;
      const last = next();
      child.stdin!.end(JSON.stringify({ close: true }) + '\n');
      const answer = await last;
      await exited;
      return answer;
    },
    stderr: () => stderr,
  };
}

/** Writes entries into a real memcached with memjs (the agent's client). */
export async function seed(address: string, entries: Map<string, string>): Promise<void> {
  const client = memjs.Client.create(address, { retries: 0, timeout: 2 });
  try {
    for (const [k, v] of entries) await client.set(k, v, { expires: 0 });
  } finally {
    client.quit();
  }
}
