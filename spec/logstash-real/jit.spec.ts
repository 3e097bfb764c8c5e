// The compiled path a Logstash admin can choose (docs/index.asciidoc, "GraalJS, the JIT and the
// JVM options"): Logstash on a JDK 25 with JVMCI on and the Graal compiler jars of the plugin's
// GraalJS version on the upgrade module path. On logstash-core 9.6's own classes, under both
// pipeline.plugin_classloaders settings: the output is the interpreter's, no Truffle warning is
// printed, and GraalJS runs compiled where Logstash's class loaders let it (false, the default).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findJava } from '../../bin/misp-enrich-run.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { ROOT, seed } from '../plugin-java/harness.js';
import { CASES, expectEveryDatatypeMatched, hitEvent, MISSES } from '../support/datatype-cases.js';
import { assertRealBuilt, describeOnLogstash, runReal } from './support/real-logstash.js';

const JIT_DIR = join(ROOT, 'plugin/java/filter/target/jit');

/** The four jars the docs tell an admin to put on the upgrade module path (fetched from Maven Central). */
function jitJars(): string[] {
  if (!existsSync(JIT_DIR) || readdirSync(JIT_DIR).filter((f) => f.endsWith('.jar')).length < 4) {
    const javaHome = execFileSync('bash', [join(ROOT, 'scripts/find-jdk.sh')], { encoding: 'utf8' }).trim();
    execFileSync('./mvnw', ['-q', '-B', '-Pjit', '-pl', 'plugin/java/filter', 'validate'], { cwd: ROOT, env: { ...process.env, JAVA_HOME: javaHome }, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return readdirSync(JIT_DIR).filter((f) => f.endsWith('.jar')).map((f) => join(JIT_DIR, f));
}

/** The events as comparable text: keys sorted (Logstash's maps keep no order), "occurred" (the wall clock) dropped. */
function strip(events: Record<string, unknown>[]): string {
  const sorted = (v: unknown): unknown => Array.isArray(v) ? v.map(sorted)
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().filter((k) => k !== 'occurred').map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
      : v;
  return JSON.stringify(sorted(events));
}

describeOnLogstash('misp_enrich compiled by GraalJS\'s JIT on Logstash\'s classes (JDK 25, JVMCI)', () => {
  let mc: MemcachedProcess;
  let jitOptions: string;

  beforeAll(async () => {
    assertRealBuilt();
    const java = findJava();
    // The runner's JDK is the newest the machine has; the compiler jars need JVMCI of JDK 25.
    if (!java || java.major < 25) throw new Error(`the JIT needs a JDK 25; found ${java?.java ?? 'none'} (set JAVA_HOME)`);
    // As docs/index.asciidoc tells an admin to write into config/jvm.options.
    jitOptions = ['-XX:+UnlockExperimentalVMOptions', '-XX:+EnableJVMCI', `--upgrade-module-path=${jitJars().join(':')}`].join(' ');
    mc = await startMemcached();
    await seed(mc.address, entriesFor(CASES.map((c) => attribute(c.type, c.value, { event_id: '42' }))));
  }, 300_000);

  afterAll(async () => {
    await mc?.stop();
  });

  // Logstash's default: the plugin's classes come through loaders that delegate to the JVM's
  // first, so Truffle's runtime and the compiler share one set of interfaces.
  it('runs compiled with pipeline.plugin_classloaders: false, with the interpreter\'s output', async () => {
    const events = [...CASES.map(hitEvent), ...MISSES];
    const settings = { memcached_hosts: [mc.address], fetch_context: false, id: 'misp_jit' };
    const compiled = await runReal({ settings, events, pluginClassloaders: false, env: { MISP_ENRICH_JAVA_OPTS: jitOptions } });
    expect(compiled.code, compiled.stderr).toBe(0);
    expect(compiled.stderr).toMatch(/on GraalJS runtime 'GraalVM CE'/);
    expect(compiled.stderr).not.toMatch(/\[engine\] WARNING|truffleattach|MISP_ENRICH_JIT_UNREACHABLE/);
    expect(compiled.events).toHaveLength(events.length);
    expectEveryDatatypeMatched(compiled.events.slice(0, CASES.length));
    const interpreted = await runReal({ settings, events, pluginClassloaders: false });
    expect(interpreted.stderr).toMatch(/on GraalJS runtime 'Interpreted'/);
    expect(strip(compiled.events)).toBe(strip(interpreted.events));
  }, 180_000);

  // Logstash's PluginClassLoader is child-first under the bootstrap loader: Truffle's runtime from
  // the plugin jar cannot take the compiler's entry point (graaljs/CompilerReach.java). The filter
  // starts all the same, interpreted, and says why.
  it('starts interpreted with pipeline.plugin_classloaders: true, says MISP_ENRICH_JIT_UNREACHABLE, same output', async () => {
    const events = [...CASES.map(hitEvent), ...MISSES];
    const settings = { memcached_hosts: [mc.address], fetch_context: false, id: 'misp_jit' };
    const run = await runReal({ settings, events, pluginClassloaders: true, env: { MISP_ENRICH_JAVA_OPTS: jitOptions } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/MISP_ENRICH_JIT_UNREACHABLE: .*pipeline\.plugin_classloaders: false/);
    expect(run.stderr).toMatch(/on GraalJS runtime 'Interpreted'/);
    expect(run.stderr).not.toMatch(/\[engine\] WARNING|truffleattach|ExceptionInInitializerError/);
    expect(run.events).toHaveLength(events.length);
    expectEveryDatatypeMatched(run.events.slice(0, CASES.length));
    const plain = await runReal({ settings, events, pluginClassloaders: true });
    expect(plain.stderr).not.toMatch(/MISP_ENRICH_JIT_UNREACHABLE/);
    expect(strip(run.events)).toBe(strip(plain.events));
  }, 180_000);
});
