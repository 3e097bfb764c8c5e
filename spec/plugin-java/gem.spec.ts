// The installable gem (dist/gem, built by scripts/build-gem.sh): unpacked and checked against
// what Logstash requires of a Java plugin gem, and the one jar in it against the plugin rules.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { unpackGem } from '../support/gem.js';
import { BUNDLE_IN_JAR, HARNESS_JAR, VERSION, assertJarsBuilt } from './harness.js';

const NAME = 'logstash-filter-misp_enrich';
const GEM = `dist/gem/${NAME}-${VERSION}-java.gem`;
const JAR_DIR = `vendor/jar-dependencies/io/mispenrich/${NAME}/${VERSION}`;

let dir: string;
let spec: any;
let files: string[];
let jarEntries: string[];

/** Compares dotted numeric versions: negative, 0 or positive. */
function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

beforeAll(() => {
  assertJarsBuilt();
  if (!existsSync(GEM)) throw new Error(`${GEM} is missing: run \`npm run build\` before these specs`);
  dir = mkdtempSync(join(tmpdir(), 'misp-enrich-gem-'));
  ({ spec, files } = unpackGem(GEM, dir));
  jarEntries = execFileSync('unzip', ['-Z1', join(dir, 'data', JAR_DIR, `${NAME}-${VERSION}.jar`)], { maxBuffer: 64 << 20 })
    .toString('utf8').split('\n').filter(Boolean);
});

describe('the gem', () => {
  it('is a java-platform gem named and versioned as the plugin', () => {
    expect(spec.name).toBe(NAME);
    expect(spec.version.version).toBe(VERSION);
    expect(spec.platform).toBe('java');
    expect(NAME).toMatch(/^logstash-filter-[a-z0-9_]+$/);
  });

  it('carries the Logstash plugin metadata', () => {
    expect(spec.metadata).toMatchObject({ logstash_plugin: 'true', logstash_group: 'filter', java_plugin: 'true' });
  });

  // The gemspec's MISP_ENRICH_HOME: a placeholder under the reserved .invalid domain until the
  // project names a public repository; every URL of the gem derives from the same home.
  it('names its home, source, changelog and docs under one repository URL, and a contact address', () => {
    const home: string = spec.homepage;
    expect(home).toMatch(/^https:\/\/[^/]+\/\S+$/);
    expect(spec.metadata.source_code_uri).toBe(home);
    expect(spec.metadata.changelog_uri).toBe(`${home}/blob/main/CHANGELOG.md`);
    expect(spec.metadata.documentation_uri).toBe(`${home}/blob/main/docs/index.asciidoc`);
    expect(existsSync('CHANGELOG.md') && existsSync('docs/index.asciidoc')).toBe(true);
    const email = Array.isArray(spec.email) ? spec.email[0] : spec.email;
    expect(email).toMatch(/^[^@\s]+@[^@\s]+$/);
    // A placeholder is one on purpose: the same .invalid domain for the home and the address.
    const homeHost = new URL(home).hostname;
    if (homeHost.endsWith('.invalid')) expect(email.split('@')[1]).toBe(homeHost);
  });

  it('depends at run time on logstash-core-plugin-api, jar-dependencies and logstash-core 9 or newer', () => {
    const runtime = spec.dependencies.filter((d: any) => d.type === ':runtime');
    expect(runtime.map((d: any) => d.name).sort()).toEqual(['jar-dependencies', 'logstash-core', 'logstash-core-plugin-api']);
  });

  // Logstash 9 bundles JDK 21 and requires it; Logstash 8 runs on JDK 17, where the jar's Java 21
  // classes cannot load: `logstash-plugin install` must refuse Logstash 8.
  it('refuses Logstash 8.x (JDK 17) and accepts every 9.x', () => {
    const core = spec.dependencies.find((d: any) => d.name === 'logstash-core');
    const reqs: [string, string][] = core.requirement.requirements.map((r: any) => [r[0], r[1].version]);
    expect(reqs).toEqual([['>=', '9.0.0']]);
    const satisfies = (v: string) => reqs.every(([op, want]) => op === '>=' && compareVersions(v, want) >= 0);
    expect(['8.19.4', '8.17.0', '7.17.29'].filter(satisfies)).toEqual([]);
    expect(['9.0.0', '9.6.0', '9.10.1'].every(satisfies)).toBe(true);
  });

  it('holds exactly one jar, under vendor/jar-dependencies/<group path>/<name>/<version>/, named <gem>-<version>.jar', () => {
    const jars = files.filter((f) => f.endsWith('.jar'));
    expect(jars).toEqual([`${JAR_DIR}/${NAME}-${VERSION}.jar`]);
    expect(jars[0]!.endsWith(`${spec.name}-${spec.version.version}.jar`)).toBe(true);
    expect(spec.files).toContain(jars[0]);
  });

  it('holds the Ruby entry points, the docs, VERSION and LICENSE', () => {
    for (const f of [`lib/${NAME}_jars.rb`, 'lib/logstash/filters/misp_enrich.rb', 'docs/index.asciidoc', 'VERSION', 'LICENSE', `${NAME}.gemspec`]) {
      expect(files, f).toContain(f);
    }
    expect(spec.require_paths).toEqual(['lib', 'vendor/jar-dependencies']);
  });

  it('the Ruby class names the plugin and its Java class; the jars file requires that jar', () => {
    const rb = readFileSync(join(dir, 'data/lib/logstash/filters/misp_enrich.rb'), 'utf8');
    expect(rb).toContain('class LogStash::Filters::MispEnrich < LogStash::Filters::Base');
    expect(rb).toContain("config_name 'misp_enrich'");
    // The Java version is checked before the jar's class is touched (it cannot load on Java < 21).
    expect(rb).toMatch(/def self\.javaClass\s+ensure_java_version!\s[\s\S]*?Java::IoMispenrichLogstash::MispEnrich\.java_class\s+end/);
    const jarsRb = readFileSync(join(dir, `data/lib/${NAME}_jars.rb`), 'utf8');
    expect(jarsRb).toContain(`require_jar('io.mispenrich', '${NAME}', version)`);
    expect(readFileSync(join(dir, 'data/VERSION'), 'utf8').trim()).toBe(VERSION);
  });
});

describe('the plugin jar in the gem', () => {
  it('has the plugin class, named by the plugin-name rules, outside the reserved packages', () => {
    const cls = 'io/mispenrich/logstash/MispEnrich.class';
    expect(jarEntries).toContain(cls);
    const simple = cls.split('/').pop()!.replace('.class', '');
    expect(simple.toLowerCase()).toBe('misp_enrich'.replace(/_/g, ''));
    expect(jarEntries.some((e) => e.startsWith('org/logstash/') || e.startsWith('co/elastic/logstash/'))).toBe(false);
  });

  it('leaves Logstash\'s own classes (plugin API, log4j) to Logstash', () => {
    expect(jarEntries.some((e) => e.startsWith('org/apache/logging/'))).toBe(false);
  });

  it('has GraalJS shaded in with merged service files, no signatures, and the core bundle', () => {
    expect(jarEntries).toContain('META-INF/services/com.oracle.truffle.api.provider.TruffleLanguageProvider');
    expect(jarEntries.some((e) => e.startsWith('com/oracle/truffle/js/'))).toBe(true);
    expect(jarEntries.some((e) => /^META-INF\/[^/]+\.(SF|DSA|RSA|EC)$/.test(e))).toBe(false);
    expect(jarEntries).toContain(BUNDLE_IN_JAR);
  });

  it('keeps Multi-Release: true in its manifest', () => {
    const manifest = execFileSync('unzip', ['-p', join(dir, 'data', JAR_DIR, `${NAME}-${VERSION}.jar`), 'META-INF/MANIFEST.MF']).toString();
    expect(manifest).toMatch(/^Multi-Release: true\r?$/m);
  });
});

describe('the harness jar', () => {
  it('holds the API stand-in but none of the plugin, which it loads through a child class loader', () => {
    const entries = execFileSync('unzip', ['-Z1', HARNESS_JAR], { maxBuffer: 64 << 20 }).toString('utf8').split('\n');
    expect(entries).toContain('co/elastic/logstash/api/Filter.class');
    expect(entries.some((e) => e.startsWith('io/mispenrich/logstash/') || e.startsWith('org/graalvm/'))).toBe(false);
  });
});
