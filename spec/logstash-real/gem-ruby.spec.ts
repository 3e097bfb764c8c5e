// The gem's Ruby file (lib/logstash/filters/misp_enrich.rb) as Logstash loads it: required, then
// asked for its Java class (plugins/registry.rb, add_plugin, under both class-loading settings).
// It runs here in real JRuby with the built gem's files on the load path: JRuby 9.4 on a JDK 17
// (what Logstash 8 runs on), where the plugin must refuse with MISP_ENRICH_JAVA_VERSION instead of
// an UnsupportedClassVersionError from its Java 21 classes, and Logstash 9's JRuby 10 on the
// specs' JDK >= 21, where it must load the class and hand Logstash's path.data to the Java side.
// Logstash's Java classes (../shared/logstash) are on the class path, as in Logstash; its Ruby
// is not available here: the two files the gem's file requires from it (logstash/filters/base,
// logstash/namespace) are small stand-ins holding only what it touches, LogStash::EnvironmentError
// as logstash-core's errors.rb defines it and a LogStash::SETTINGS that answers path.data.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findJava } from '../../bin/misp-enrich-run.js';
import { ROOT, VERSION } from '../plugin-java/harness.js';
import { REAL_CLASSPATH, REAL_TARGET, SHARED_LOGSTASH_JAR, assertRealBuilt, describeOnLogstash } from './support/real-logstash.js';

const GEM = process.env.MISP_ENRICH_GEM ?? join(ROOT, `dist/gem/logstash-filter-misp_enrich-${VERSION}-java.gem`);

const BASE_STUB = `# Stand-in for logstash-core's logstash/filters/base (and errors.rb): only what the gem's file touches.
module LogStash
  class Error < StandardError; end
  class EnvironmentError < Error; end
  module Filters
    class Base
      def self.config_name(name = nil)
        @config_name = name if name
        @config_name
      end
    end
  end
  class StandInSettings
    def get_value(name)
      raise ArgumentError, name unless name == 'path.data'
      ENV['STAND_IN_PATH_DATA']
    end
  end
  SETTINGS = StandInSettings.new
end
`;

const DRIVER = `require 'json'
require 'logstash/filters/misp_enrich'
out = { 'java' => java.lang.System.getProperty('java.specification.version') }
begin
  out['java_class'] = LogStash::Filters::MispEnrich.javaClass.name
rescue Exception, java.lang.Throwable => e
  out['error_class'] = e.class.name
  out['error'] = e.message
end
out['path_data'] = java.lang.System.getProperty('misp_enrich.path.data')
out['checks'] = {}
['1.8', '11', '17', '20', '21', '25', 'x'].each do |v|
  begin
    LogStash::Filters::MispEnrich.ensure_java_version!(v)
    out['checks'][v] = 'ok'
  rescue Exception => e
    out['checks'][v] = e.class.name + ': ' + e.message
  end
end
puts 'RESULT ' + JSON.generate(out)
`;

/** A JDK older than 21 (Logstash 8 runs on 17), from /usr/lib/jvm. */
function oldJava(): string {
  const jvm = '/usr/lib/jvm';
  for (const d of existsSync(jvm) ? readdirSync(jvm).sort() : []) {
    const release = join(jvm, d, 'release');
    const bin = join(jvm, d, 'bin', 'java');
    if (!existsSync(release) || !existsSync(bin)) continue;
    const m = /^JAVA_VERSION="(\d+)/m.exec(readFileSync(release, 'utf8'));
    if (m && Number(m[1]) < 21 && Number(m[1]) >= 11) return bin;
  }
  throw new Error('no JDK older than 21 under /usr/lib/jvm: install openjdk-17-jre-headless (the Java Logstash 8 runs on) for this spec');
}

function jrubyJar(where: string, pattern: RegExp): string {
  const found = where.split(':').find((p) => pattern.test(p)) ?? '';
  if (!existsSync(found)) throw new Error(`no JRuby jar matching ${pattern} in ${where}: build testbed/logstash-real`);
  return found;
}

/** Runs DRIVER in JRuby; classPath: JRuby's jar, and Logstash's classes where the plugin's class must link. */
function run(java: string, classPath: string[], loadPath: string[], env: Record<string, string>): Promise<{ result: Record<string, any> | null; out: string }> {
  return new Promise((done) => {
    const args = ['-cp', classPath.join(':'), 'org.jruby.Main', ...loadPath.flatMap((p) => ['-I', p]), '-e', DRIVER];
    execFile(java, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (_err, stdout, stderr) => {
      const line = String(stdout).split('\n').find((l) => l.startsWith('RESULT '));
      done({ result: line ? JSON.parse(line.slice(7)) : null, out: `${stdout}\n${stderr}` });
    });
  });
}

describeOnLogstash('the gem\'s Ruby file, loaded as Logstash loads it', () => {
  let dir: string;
  let loadPath: string[];

  beforeAll(() => {
    assertRealBuilt();
    if (!existsSync(GEM)) throw new Error(`${GEM} is missing: run \`npm run build\` first`);
    dir = mkdtempSync(join(tmpdir(), 'misp-enrich-gem-ruby-'));
    const data = join(dir, 'gem');
    mkdirSync(data);
    execFileSyncQuiet('tar', ['-xf', GEM, '-C', dir]);
    execFileSyncQuiet('tar', ['-xzf', join(dir, 'data.tar.gz'), '-C', data]);
    const stubs = join(dir, 'stubs');
    mkdirSync(join(stubs, 'logstash', 'filters'), { recursive: true });
    writeFileSync(join(stubs, 'logstash', 'filters', 'base.rb'), BASE_STUB);
    writeFileSync(join(stubs, 'logstash', 'namespace.rb'), '# Stand-in for logstash-core\'s logstash/namespace.\n');
    // The gem's require_paths, as Logstash puts them on the load path.
    loadPath = [stubs, join(data, 'lib'), join(data, 'vendor', 'jar-dependencies')];
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses on Java 17 (Logstash 8\'s JDK, JRuby 9.4) with MISP_ENRICH_JAVA_VERSION, before touching the Java 21 classes', async () => {
    const jruby = jrubyJar(readdirSync(join(REAL_TARGET, 'jruby-logstash8')).map((n) => join(REAL_TARGET, 'jruby-logstash8', n)).join(':'), /jruby-complete-9\.4\.[\d.]+\.jar$/);
    const { result, out } = await run(oldJava(), [SHARED_LOGSTASH_JAR, jruby], loadPath, { STAND_IN_PATH_DATA: join(dir, 'data') });
    expect(result, out).not.toBeNull();
    expect(Number(result!.java)).toBeLessThan(21);
    expect(result!.java_class).toBeUndefined();
    expect(result!.error_class).toBe('LogStash::EnvironmentError');
    expect(result!.error).toMatch(/^MISP_ENRICH_JAVA_VERSION: the misp_enrich filter needs Java 21 or newer, and this Logstash runs on Java "17"/);
    // Nothing was handed to a Java side that cannot run.
    expect(result!.path_data).toBeNull();
  });

  it('on Java 21 or newer (Logstash 9\'s JRuby), loads the plugin\'s class and hands path.data to it', async () => {
    const java = findJava();
    if (!java) throw new Error('no JDK 21 or newer found (set JAVA_HOME)');
    const jruby = jrubyJar(readFileSync(REAL_CLASSPATH, 'utf8').trim(), /jruby-complete-10\.[\d.]+\.jar$/);
    const pathData = join(dir, 'data');
    const { result, out } = await run(java.java, [SHARED_LOGSTASH_JAR, jruby], loadPath, { STAND_IN_PATH_DATA: pathData });
    expect(result, out).not.toBeNull();
    expect(result!.error, out).toBeUndefined();
    expect(result!.java_class).toBe('io.mispenrich.logstash.MispEnrich');
    expect(result!.path_data).toBe(pathData);
  });

  it('reads java.specification.version as Java writes it ("1.8" is Java 8)', async () => {
    const java = findJava()!;
    const jruby = jrubyJar(readFileSync(REAL_CLASSPATH, 'utf8').trim(), /jruby-complete-10\.[\d.]+\.jar$/);
    const { result, out } = await run(java.java, [jruby], loadPath, {});
    expect(result, out).not.toBeNull();
    const checks: Record<string, string> = result!.checks;
    for (const refused of ['1.8', '11', '17', '20', 'x']) {
      expect(checks[refused], refused).toMatch(/^LogStash::EnvironmentError: MISP_ENRICH_JAVA_VERSION: /);
    }
    expect(checks['21']).toBe('ok');
    expect(checks['25']).toBe('ok');
  });
});

function execFileSyncQuiet(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}
