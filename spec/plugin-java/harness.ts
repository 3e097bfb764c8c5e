// Runs the PACKAGED plugin jar through the Logstash-contract harness (bin/misp-enrich-run.js, a
// real JVM), the way the product runs. Specs here never load Java classes any other way.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import memjs from 'memjs';

export const ROOT = resolve('.');
export const VERSION = readFileSync(join(ROOT, 'VERSION'), 'utf8').trim();
export const PLUGIN_JAR = join(ROOT, 'plugin/java/filter/target', `logstash-filter-misp_enrich-${VERSION}.jar`);
export const HARNESS_JAR = join(ROOT, 'plugin/java/harness/target', `misp-enrich-harness-${VERSION}.jar`);
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

export async function runFilter(opts: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-run-'));
  try {
    const settings = join(dir, 'settings.json');
    const input = join(dir, 'in.ndjson');
    const output = join(dir, 'out.ndjson');
    const report = join(dir, 'report.json');
    writeFileSync(settings, JSON.stringify(opts.settings));
    writeFileSync(input, (opts.events ?? []).map((e) => JSON.stringify(e) + '\n').join(''));
    const args = [RUN_BIN, '--settings', settings, '--input', input, '--output', output, '--report', report,
      '--workers', String(opts.workers ?? 1), '--log-level', opts.logLevel ?? 'info'];
    if (opts.batchSize) args.push('--batch-size', String(opts.batchSize));
    args.push(...(opts.extraArgs ?? []));
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(process.execPath, args, { env: { ...process.env, ...opts.env }, maxBuffer: 256 << 20 }, (err, _out, errText) => {
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr: String(errText) });
      });
    });
    const events = existsSync(output)
      ? readFileSync(output, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
      : [];
    const rep = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : null;
    return { code, stderr, events, report: rep };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the harness in one of its auxiliary modes and returns stdout. */
export function runHarnessMode(args: string[]): string {
  return execFileSync(process.execPath, [RUN_BIN, '--log-level', 'warn', ...args], { maxBuffer: 64 << 20 }).toString('utf8');
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
