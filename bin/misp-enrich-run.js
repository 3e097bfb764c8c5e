#!/usr/bin/env node
// misp-enrich-run: runs NDJSON events through the packaged misp_enrich plugin jar inside the
// Logstash-contract harness (testbed/harness). This shim only finds a JDK >= 21 and the two
// jars; everything else happens in the JVM.
//
//   misp-enrich-run --settings FILE --input FILE|- --output FILE|- [--workers N] [--batch-size N]
//                   [--report FILE] [--log-level LEVEL]
//   misp-enrich-run --schema [--output FILE|-]      the filter's options: name, type, required, default
//   misp-enrich-run --help | --version
//
// Environment: JAVA_HOME (tried first), MISP_ENRICH_JAVA_OPTS (extra JVM options, e.g. the JIT
// flags in docs/index.asciidoc), MISP_ENRICH_PLUGIN_JAR and MISP_ENRICH_HARNESS_JAR (jar paths).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIN_JAVA = 21;
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const version = readFileSync(join(root, 'VERSION'), 'utf8').trim();

function javaMajor(home) {
  const bin = join(home, 'bin', 'java');
  if (!existsSync(bin)) return 0;
  const release = join(home, 'release');
  if (existsSync(release)) {
    const m = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(release, 'utf8'));
    if (m) return Number(m[1]);
  }
  const r = spawnSync(bin, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)/.exec(`${r.stderr ?? ''}`);
  return m ? Number(m[1]) : 0;
}

/** JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm. */
export function findJava() {
  const candidates = [];
  if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
  const jvmDir = '/usr/lib/jvm';
  if (existsSync(jvmDir)) {
    const found = readdirSync(jvmDir)
      .map((d) => join(jvmDir, d))
      .map((home) => ({ home, major: javaMajor(home) }))
      .sort((a, b) => b.major - a.major);
    candidates.push(...found.map((f) => f.home));
  }
  for (const home of candidates) {
    const major = javaMajor(home);
    if (major >= MIN_JAVA) return { java: join(home, 'bin', 'java'), major };
  }
  return null;
}

function jvmFlags(major) {
  const flags = [];
  // Truffle loads its native helper and uses sun.misc.Unsafe: allowed explicitly so newer JDKs
  // do not print warnings on stderr.
  if (major >= 22) flags.push('--enable-native-access=ALL-UNNAMED');
  if (major >= 24) flags.push('--sun-misc-unsafe-memory-access=allow');
  const extra = process.env.MISP_ENRICH_JAVA_OPTS;
  if (extra) flags.push(...extra.split(/\s+/).filter(Boolean));
  return flags;
}

export const USAGE = `usage: misp-enrich-run --settings FILE --input FILE|- --output FILE|- [options]
       misp-enrich-run --schema [--output FILE|-]
       misp-enrich-run --help | --version

Runs NDJSON events through the misp_enrich plugin jar on N pipeline workers, in order, as a
Logstash pipeline with only this filter would (\`-\` reads stdin or writes stdout).

  --settings FILE     the filter's options, as a JSON object under their Logstash names
  --input FILE|-      events, one JSON object per line
  --output FILE|-     the enriched events, in input order
  --workers N         pipeline workers (default 1)
  --batch-size N      events per batch (default 125, Logstash's pipeline.batch.size)
  --report FILE       a JSON report: events, batches, timings, the filter's metrics
  --warm-from-event N the report's warm figures from event N on (default: the second half)
  --log-level LEVEL   the plugin's log level (default info)
  --schema            print the filter's options as JSON: name, type, required, default
  --help, -h          this text
  --version           the version of misp-enrich

Environment: JAVA_HOME (a JDK 21 or newer; else the newest under /usr/lib/jvm),
MISP_ENRICH_JAVA_OPTS (extra JVM options), MISP_ENRICH_PLUGIN_JAR, MISP_ENRICH_HARNESS_JAR.
`;

function main() {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${version}\n`);
    process.exit(0);
  }
  const found = findJava();
  if (!found) {
    process.stderr.write(`misp-enrich-run: no JDK ${MIN_JAVA} or newer found (set JAVA_HOME)\n`);
    process.exit(2);
  }
  const pluginJar =
    process.env.MISP_ENRICH_PLUGIN_JAR ?? join(root, 'plugin/java/filter/target', `logstash-filter-misp_enrich-${version}.jar`);
  const harnessJar =
    process.env.MISP_ENRICH_HARNESS_JAR ?? join(root, 'testbed/harness/target', `misp-enrich-harness-${version}.jar`);
  for (const jar of [pluginJar, harnessJar]) {
    if (!existsSync(jar)) {
      process.stderr.write(`misp-enrich-run: ${jar} is missing: run npm run build first\n`);
      process.exit(2);
    }
  }
  const args = [...jvmFlags(found.major), '-jar', harnessJar, '--plugin-jar', pluginJar, ...argv];
  const child = spawn(found.java, args, { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/**
 * Run as a program, not imported: argv[1] is this file, perhaps through a symlink (npm link,
 * node_modules/.bin, /usr/local/bin), while import.meta.url is always the resolved path.
 */
function invokedDirectly() {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) main();
