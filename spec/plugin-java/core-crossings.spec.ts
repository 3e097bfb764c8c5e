// The "at most three core calls per batch" claim, counted where it happens: GraalVM's own CPU
// tracer (the Truffle cputracer instrument, profiler-tool from Maven Central) counts how often
// each function of the bundle is entered, and the spec reads the counts of the enricher's entry
// points the shell calls (keysWire, matchWire, finishWire) off it, not off any counter of the
// plugin or of this spec. The plugin's own core_calls metric must agree with it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMispSim, type SimProcess } from '../misp-sim/sim-process.js';
import { startMemcached, type MemcachedProcess } from '../support/memcached.js';
import { attribute, entriesFor } from '../support/summaries.js';
import { assertJarsBuilt, BUNDLE_IN_JAR, PLUGIN_JAR, ROOT, runFilter, seed } from './harness.js';

const EVENT_ID = '750';
const PROFILER = join(ROOT, 'plugin/java/filter/target/profiler');
const GRAAL = /<graalvm.version>([^<]+)</.exec(readFileSync(join(ROOT, 'pom.xml'), 'utf8'))![1]!;

let mc: MemcachedProcess;
let sim: SimProcess;
let dir: string;

beforeAll(async () => {
  assertJarsBuilt();
  if (!existsSync(join(PROFILER, `profiler-tool-${GRAAL}.jar`))) {
    // The build's JDK check wants 21+, which the machine's default java may not be.
    const javaHome = execFileSync('bash', [join(ROOT, 'scripts/find-jdk.sh')], { encoding: 'utf8' }).trim();
    execFileSync('./mvnw', ['-q', '-B', '-Pprofiler', '-pl', 'plugin/java/filter', 'validate'], {
      cwd: ROOT,
      env: { ...process.env, JAVA_HOME: javaHome },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  dir = mkdtempSync(join(tmpdir(), 'misp-enrich-crossings-'));
  mc = await startMemcached();
  sim = await startMispSim({ events: ['misp-tests-event-regin.json'] });
  await seed(mc.address, entriesFor([attribute('ip-dst', '203.0.113.50', { event_id: EVENT_ID })]));
}, 180_000);

afterAll(async () => {
  await sim?.stop();
  await mc?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The lines where the bundle in the jar defines the enricher's entry points. */
function entryLines(): Record<'keys' | 'match' | 'finish', number> {
  const bundle = execFileSync('unzip', ['-p', PLUGIN_JAR, BUNDLE_IN_JAR], { maxBuffer: 64 << 20 }).toString('utf8').split('\n');
  const line = (pattern: RegExp) => {
    const found = bundle.findIndex((l) => pattern.test(l));
    if (found < 0) throw new Error(`no ${pattern} in the bundle`);
    return found + 1;
  };
  return { keys: line(/^\s*keysWire\(\w+\) \{/), match: line(/^\s*matchWire: \(\w+\) =>/), finish: line(/^\s*finishWire: \(\w+\) =>/) };
}

const ev = (seq: number, ip: string) => ({ '@timestamp': '2026-01-02T03:04:05.000Z', seq, source: { ip } });

describe('calls into the core per batch', () => {
  it('are at most three, one per step that has work, as counted by GraalVM\'s CPU tracer', async () => {
    // Batches of 4, one worker, in order:
    //  1. four new values, one hits       -> keys, match, finish   (the host has not read the meta key yet)
    //  2. the same values                  -> keys (the meta value is now known: asked again once), match, finish
    //  3. the same values                  -> match, finish         (every value remembered)
    //  4. remembered values, none hits     -> nothing
    //  5. two new values, none hits        -> keys
    const batch = (seq: number, ips: string[]) => ips.map((ip, i) => ev(seq * 10 + i, ip));
    const known = ['203.0.113.50', '192.0.2.1', '192.0.2.2', '192.0.2.3'];
    const events = [
      ...batch(1, known), ...batch(2, known), ...batch(3, known),
      ...batch(4, ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.1']),
      ...batch(5, ['192.0.2.1', '192.0.2.2', '198.51.100.1', '198.51.100.2']),
    ];
    const trace = join(dir, 'trace.json');
    const r = await runFilter({
      settings: { memcached_hosts: [mc.address], misp_url: sim.url, misp_api_key: sim.apiKey },
      events,
      batchSize: 4,
      extraArgs: ['--extra-jars', [`profiler-tool-${GRAAL}.jar`, `json-${GRAAL}.jar`].map((j) => join(PROFILER, j)).join(':')],
      env: { MISP_ENRICH_JAVA_OPTS: `-Dpolyglot.cputracer=true -Dpolyglot.cputracer.Output=json -Dpolyglot.cputracer.OutputFile=${trace}` },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.events.filter((e) => e.threat)).toHaveLength(3);

    const lines = entryLines();
    const profile = (JSON.parse(readFileSync(trace, 'utf8')) as { profile: { count: number; source_section?: { start_line: number; source_name: string } }[] }).profile;
    const entered = (line: number) =>
      profile.filter((p) => p.source_section?.source_name === 'misp-enrich-core.js' && p.source_section.start_line === line).reduce((n, p) => n + p.count, 0);
    const counts = { keys: entered(lines.keys), match: entered(lines.match), finish: entered(lines.finish) };
    expect(counts).toEqual({ keys: 3, match: 3, finish: 3 });

    const batches = r.report!.batches as number;
    expect(batches).toBe(5);
    const total = counts.keys + counts.match + counts.finish;
    expect(total).toBeLessThanOrEqual(3 * batches);
    // The plugin's own metric counts the same crossings (plus describe and version at start-up,
    // which run outside filter() and are not in it).
    expect(r.report!.metrics['plugins.filters.misp_enrich_harness.core_calls']).toBe(total);
  }, 120_000);
});
