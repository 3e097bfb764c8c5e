#!/usr/bin/env node
// misp-enrich-run: runs NDJSON events through the packaged misp_enrich plugin jar inside the
// Logstash-contract harness (plugin/java/harness). This shim only finds a JDK >= 21 and the two
// jars; everything else happens in the JVM.
//
//   misp-enrich-run --settings FILE --input FILE|- --output FILE|- [--workers N] [--batch-size N]
//                   [--report FILE] [--log-level LEVEL]
//
// Environment: JAVA_HOME (tried first), MISP_ENRICH_JAVA_OPTS (extra JVM options, e.g. the JIT
// flags in docs/index.asciidoc), MISP_ENRICH_PLUGIN_JAR and MISP_ENRICH_HARNESS_JAR (jar paths).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

function main() {
  const found = findJava();
  if (!found) {
    process.stderr.write(`misp-enrich-run: no JDK ${MIN_JAVA} or newer found (set JAVA_HOME)\n`);
    process.exit(2);
  }
  const pluginJar =
    process.env.MISP_ENRICH_PLUGIN_JAR ?? join(root, 'plugin/java/filter/target', `logstash-filter-misp_enrich-${version}.jar`);
  const harnessJar =
    process.env.MISP_ENRICH_HARNESS_JAR ?? join(root, 'plugin/java/harness/target', `misp-enrich-harness-${version}.jar`);
  for (const jar of [pluginJar, harnessJar]) {
    if (!existsSync(jar)) {
      process.stderr.write(`misp-enrich-run: ${jar} is missing: run npm run build first\n`);
      process.exit(2);
    }
  }
  const args = [...jvmFlags(found.major), '-jar', harnessJar, '--plugin-jar', pluginJar, ...process.argv.slice(2)];
  const child = spawn(found.java, args, { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
