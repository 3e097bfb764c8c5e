// The Java shell's own classes (io/mispenrich/** in the packaged jar) use nothing of the JDK but
// java.base. Under Logstash's pipeline.plugin_classloaders: true the plugin's class loader has the
// bootstrap loader as parent (PluginClassLoader: super(urls, null)), which sees java.base but not
// the platform modules (java.net.http, java.sql, ...): a class of the shell naming one of those
// fails there with NoClassDefFoundError. jdeps, from the JDK >= 21 the specs run on, reads the
// classes' constant pools, so every JDK module a class names is listed, used at start or not.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findJava } from '../../bin/misp-enrich-run.js';
import { PLUGIN_JAR, assertJarsBuilt } from './harness.js';

function classes(root: string, at = root): string[] {
  return readdirSync(at).flatMap((n) => {
    const p = join(at, n);
    return statSync(p).isDirectory() ? classes(root, p) : n.endsWith('.class') ? [p] : [];
  });
}

describe('the shell\'s own classes depend on java.base only', () => {
  let dir: string;
  let jdeps: string;

  beforeAll(() => {
    assertJarsBuilt();
    const java = findJava();
    if (!java) throw new Error('no JDK 21 or newer found (set JAVA_HOME)');
    jdeps = join(dirname(java.java), 'jdeps');
    if (!existsSync(jdeps)) throw new Error(`${jdeps} is missing: the specs need a JDK (not a JRE) 21 or newer`);
    // MISP_ENRICH_PLUGIN_JAR checks another jar (e.g. one built from an older commit).
    const jar = process.env.MISP_ENRICH_PLUGIN_JAR ?? PLUGIN_JAR;
    dir = mkdtempSync(join(tmpdir(), 'misp-enrich-jdeps-'));
    execFileSync('unzip', ['-q', jar, 'io/mispenrich/*', '-d', dir]);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the plugin class and its ports among them', () => {
    const names = classes(join(dir, 'io')).map((p) => p.slice(dir.length + 1));
    expect(names).toContain('io/mispenrich/logstash/MispEnrich.class');
    expect(names).toContain('io/mispenrich/logstash/misp/MispExchange.class');
    expect(names).toContain('io/mispenrich/logstash/sightings/SightingsSender.class');
  });

  it('lists java.base and no other JDK module (GraalJS, Caffeine and the Logstash API are not the JDK\'s)', () => {
    // --ignore-missing-deps: the polyglot and Logstash API classes are not on jdeps' path; only
    // the JDK modules the classes name are listed.
    const out = execFileSync(jdeps, ['--multi-release', '21', '--ignore-missing-deps', '--list-deps', join(dir, 'io')], { encoding: 'utf8' });
    const modules = out.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(modules).toEqual(['java.base']);
  });
});
