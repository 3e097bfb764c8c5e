// Runs the PACKAGED plugin jar on Logstash's own classes (testbed/logstash-real, on
// ../shared/logstash/logstash-core-9.6.0.jar and its Maven Central dependencies), with the same
// inputs and result shape as runFilter in spec/plugin-java/harness.ts, so a spec can run one
// stream through the stand-in and through Logstash and compare. A real JVM per run.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe } from 'vitest';
import type { FilterPipeline } from '../../filter-suites/pipeline.js';
import { findJava } from '../../../bin/misp-enrich-run.js';
import { PLUGIN_JAR, ROOT, VERSION, assertJarsBuilt, runPipeline, runToEnd, type RunOptions, type RunResult } from '../../plugin-java/harness.js';

export const SHARED_LOGSTASH_JAR = resolve(ROOT, '../shared/logstash/logstash-core-9.6.0.jar');
export const REAL_TARGET = join(ROOT, 'testbed/logstash-real/target');
export const REAL_JAR = join(REAL_TARGET, `misp-enrich-logstash-real-${VERSION}.jar`);
export const REAL_CLASSPATH = join(REAL_TARGET, 'classpath.txt');
const MAIN_CLASS = 'io.mispenrich.logstashreal.RealMain';

/** Why the specs on Logstash's classes cannot run here (a clone without ../shared), or null. */
export const sharedMissing: string | null = existsSync(SHARED_LOGSTASH_JAR)
  ? null
  : `${SHARED_LOGSTASH_JAR} is absent (Logstash's classes exist only beside the project, for CI)`;

/**
 * describe() for specs that need Logstash's classes: skipped, with the reason in its title, where
 * ../shared/logstash is absent. Put the suite's hooks inside it, so a skipped suite starts nothing.
 */
export function describeOnLogstash(name: string, body: () => void): void {
  if (sharedMissing) describe.skip(`${name} [skipped: ${sharedMissing}]`, body);
  else describe(name, body);
}

/** Fails (never skips) when ../shared exists but the plugin jar or the runner is not built. */
export function assertRealBuilt(): void {
  assertJarsBuilt();
  for (const f of [REAL_JAR, REAL_CLASSPATH]) {
    if (!existsSync(f)) {
      throw new Error(`${f} is missing: build it with \`./mvnw -q -B package -pl testbed/logstash-real -am\` (npm run build does where ../shared/logstash exists)`);
    }
  }
}

export interface RealRunOptions extends RunOptions {
  /** Logstash's pipeline.plugin_classloaders: false (the default) or true (PluginClassLoader). */
  pluginClassloaders?: boolean;
}

export interface RealRunResult extends RunResult {
  /** The report's metrics: every metric under the filter's node-stats entry, by dotted path. */
  metrics: Record<string, any>;
}

/** The runner's jar and the Maven classpath of Logstash's classes it was built against. */
function realClasspath(): string {
  return `${REAL_JAR}:${readFileSync(REAL_CLASSPATH, 'utf8').trim()}`;
}

function jvmArgs(major: number, env: Record<string, string | undefined>): string[] {
  // As bin/misp-enrich-run.js: GraalJS's Truffle and JRuby load native helpers and use Unsafe.
  const flags: string[] = [];
  if (major >= 22) flags.push('--enable-native-access=ALL-UNNAMED');
  if (major >= 24) flags.push('--sun-misc-unsafe-memory-access=allow');
  const extra = env.MISP_ENRICH_JAVA_OPTS;
  if (extra) flags.push(...extra.split(/\s+/).filter(Boolean));
  return flags;
}

/** One run of the plugin on Logstash's classes: NDJSON in, events and report out. */
export async function runReal(opts: RealRunOptions): Promise<RealRunResult> {
  const java = findJava();
  if (!java) throw new Error('no JDK 21 or newer found (set JAVA_HOME)');
  const env = { ...process.env, ...opts.env };
  // MISP_ENRICH_PLUGIN_JAR picks another plugin jar, as it does for bin/misp-enrich-run.js.
  const pluginJar = env.MISP_ENRICH_PLUGIN_JAR ?? PLUGIN_JAR;
  const runner = [...jvmArgs(java.major, env), '-cp', realClasspath(), MAIN_CLASS, '--plugin-jar', pluginJar,
    '--plugin-classloaders', String(opts.pluginClassloaders ?? false)];
  const r = await runPipeline(java.java, runner, opts, env);
  return { ...r, metrics: r.report?.metrics ?? {} };
}

/** Logstash's classes as a pipeline for spec/filter-suites; the report holds the filter's own metrics. */
export const onLogstash: FilterPipeline = {
  assertBuilt: assertRealBuilt,
  run: runReal,
  metric: (r, name) => r.report?.metrics?.[name] as number | undefined,
};

/** The same under pipeline.plugin_classloaders: true: the jar in its own PluginClassLoader. */
export const onLogstashPluginClassloaders: FilterPipeline = {
  ...onLogstash,
  run: (opts) => runReal({ ...opts, pluginClassloaders: true }),
};

/**
 * Runs a filter suite on Logstash's classes under both of Logstash's ways of loading a Java plugin
 * (pipeline.plugin_classloaders false, the default, and true), each in a describe of its own.
 */
export function describeOnLogstashLoaders(name: string, suite: (pipeline: FilterPipeline) => void): void {
  describeOnLogstash(`${name} (pipeline.plugin_classloaders: false)`, () => suite(onLogstash));
  describeOnLogstash(`${name} (pipeline.plugin_classloaders: true)`, () => suite(onLogstashPluginClassloaders));
}

export interface RealStart {
  ok: boolean;
  /** The exception chain of a failed start, outermost first. */
  error?: string;
  /** What Logstash and the plugin logged during this start. */
  log: string;
}

/**
 * Starts (and closes) the filter once per settings object, in ONE JVM, as Logstash starts a
 * pipeline's filters: PluginFactoryExt, ConfigurationImpl, the constructor, PluginUtil.validateConfig.
 */
export async function startReal(settingsList: Record<string, unknown>[], opts: { pluginClassloaders?: boolean; logLevel?: string } = {}): Promise<RealStart[]> {
  const java = findJava();
  if (!java) throw new Error('no JDK 21 or newer found (set JAVA_HOME)');
  const dir = mkdtempSync(join(tmpdir(), 'misp-enrich-real-'));
  try {
    const list = join(dir, 'settings.json');
    const report = join(dir, 'report.json');
    writeFileSync(list, JSON.stringify(settingsList));
    const env = { ...process.env };
    const args = [...jvmArgs(java.major, env), '-cp', realClasspath(), MAIN_CLASS, '--plugin-jar', env.MISP_ENRICH_PLUGIN_JAR ?? PLUGIN_JAR,
      '--start-only', list, '--report', report, '--log-level', opts.logLevel ?? 'info',
      '--plugin-classloaders', String(opts.pluginClassloaders ?? false)];
    const { code, stderr } = await runToEnd(java.java, args, env);
    if (code !== 0 || !existsSync(report)) throw new Error(`the start-only run failed (exit ${code}): ${stderr}`);
    const starts: { ok: boolean; error?: string }[] = JSON.parse(readFileSync(report, 'utf8')).starts;
    const logs = stderr.split(/^misp-enrich-real: start \d+$/m).slice(1);
    return starts.map((s, i) => ({ ...s, log: logs[i] ?? '' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
