// Where a warm worker's time goes inside filter(): one worker through misp-enrich-run on a stream of
// bench/filter (the same world as the benchmark), recorded with JDK Flight Recorder and split by
// what each sampled stack was doing — GraalJS running the core (its interpreter or compiled code,
// and within it JSON.parse/stringify and regular expressions), the crossing into it, and the Java
// shell's parts: its JSON, the value memory, its own bookkeeping, Logstash's event access,
// memcached. With the JIT (--mode jit25) it also reads GraalJS's compilation trace: how many call
// targets were compiled per tier, failed or deoptimized, when the last landed, and how much of
// the run the compiler threads took.
//
//   npm run build && npx tsx bench/filter/profile.ts [--mode interp25|interp21|jit25]
//       [--stream realistic|every-new] [--events 600000] [--synthetic 100000] [--warm-from 0.5]
//       [--java-opts '...'] [--out .bench-out/profile]
//
// Prints the machine line, the throughput, the split (all batches, and from --warm-from of the
// run on), and the compilation summary; the recording and the trace stay in --out.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { findJava } from '../../bin/misp-enrich-run.js';
import { compilations } from './compile-trace.js';
import { generateStream, type StreamKind } from './streams.js';
import { jdk21Home, jitJars, machineLine, startWorld, writeLines } from './world.js';

const ROOT = resolve(import.meta.dirname, '../..');
const { values: opt } = parseArgs({
  options: {
    mode: { type: 'string', default: 'interp25' },
    stream: { type: 'string', default: 'realistic' },
    events: { type: 'string', default: '600000' },
    synthetic: { type: 'string', default: '100000' },
    'warm-from': { type: 'string', default: '0.5' },
    'java-opts': { type: 'string', default: '' },
    sampler: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, '.bench-out/profile') },
  },
});
const graalVersion = /<graalvm.version>([^<]+)</.exec(readFileSync(join(ROOT, 'pom.xml'), 'utf8'))?.[1];

interface Frame {
  method: { type: { name: string }; name: string };
}
interface Sample {
  startTime: string;
  sampledThread: { javaName: string };
  stackTrace: { frames: Frame[]; truncated: boolean } | null;
}

/** What a sampled stack was doing, by its innermost frame of a part we can name (JDK frames are their caller's). */
export function categoryOf(frames: readonly Frame[]): string {
  for (const f of frames) {
    const cls = f.method.type.name;
    const m = f.method.name;
    if (/^(com\.oracle\.truffle|org\.graalvm|com\.oracle\.js|jdk\.graal|jdk\.vm\.ci)/.test(cls)) {
      // Inside GraalJS: what of it, by the first frame telling.
      for (const g of frames) {
        const c = g.method.type.name;
        if (/JSONParse|JSONBuiltins\$JSONParse|JSONStringify|JSONBuiltins\$JSONStringify/.test(c)) return /Stringify/.test(c) ? 'core: JSON.stringify' : 'core: JSON.parse';
        if (/tregex|RegExp/i.test(c)) return 'core: regular expressions';
        if (/^io\.mispenrich/.test(c)) break;
      }
      return frames.some((g) => /^org\.graalvm\.polyglot|PolyglotValue|HostToGuest|GuestToHost/.test(g.method.type.name)) && /^org\.graalvm\.polyglot/.test(cls)
        ? 'crossing: polyglot call'
        : 'core: GraalJS (interpreter or compiled JS)';
    }
    if (cls.startsWith('io.mispenrich.harness.')) return 'logstash: event access';
    if (cls.startsWith('io.mispenrich.')) {
      if (cls.includes('.json.Json')) return 'java: Json.java (boundary messages)';
      if (cls.includes('ValueMemory')) return 'java: value memory';
      if (/\.kv\./.test(cls)) return 'java: memcached multi-get';
      if (cls.includes('EventIo')) return 'java: writing edits into events';
      if (cls.includes('caffeine')) return 'java: MISP context cache';
      if (cls.includes('BatchEnricher')) return `java: batch bookkeeping (${m})`;
      if (cls.includes('.graaljs.')) return 'crossing: GraalJS host (borrow, call)';
      return `java: ${cls.replace(/^io\.mispenrich\.logstash\./, '')}.${m}`;
    }
    if (/^(org\.logstash|co\.elastic\.logstash|org\.jruby|com\.fasterxml|io\.mispenrich\.harness)/.test(cls)) return 'logstash: event access';
    if (/^sun\.nio\.ch|^java\.net\.|^sun\.net/.test(cls)) return 'java: memcached multi-get';
  }
  return 'other';
}

/**
 * The recording's execution samples, read from `jfr print`'s text as it streams (its JSON of a
 * minute's deep GraalJS stacks is larger than a JavaScript string may be).
 */
async function jfrSamples(javaHome: string, file: string): Promise<Sample[]> {
  const child = spawn(join(javaHome, 'bin/jfr'), ['print', '--stack-depth', '256', '--events', 'jdk.ExecutionSample', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const samples: Sample[] = [];
  let current: Sample | null = null;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('jdk.ExecutionSample {')) {
      current = { startTime: '', sampledThread: { javaName: '' }, stackTrace: { frames: [], truncated: false } };
      samples.push(current);
      continue;
    }
    if (!current) continue;
    let m: RegExpExecArray | null;
    if ((m = /^\s+startTime = (\S+) \((\S+)\)/.exec(line))) current.startTime = `${m[2]}T${m[1]}Z`;
    else if ((m = /^\s+sampledThread = "(.*)" \(/.exec(line))) current.sampledThread.javaName = m[1]!;
    else if (/^\s+\.\.\.$/.test(line)) current.stackTrace!.truncated = true;
    else if ((m = /^\s{4}([\w$.]+)\.([\w$<>]+)\(/.exec(line))) current.stackTrace!.frames.push({ method: { type: { name: m[1]! }, name: m[2]! } });
  }
  return samples;
}

function gcMillis(javaHome: string, file: string): number {
  const json = execFileSync(join(javaHome, 'bin/jfr'), ['print', '--json', '--events', 'jdk.GarbageCollection', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const events = (JSON.parse(json) as { recording: { events: { values: { sumOfPauses: string } }[] } }).recording.events;
  // "PT0.0123S"
  return events.reduce((sum, e) => sum + Number(/PT([\d.]+)S/.exec(e.values.sumOfPauses)?.[1] ?? 0) * 1000, 0);
}

function shortFrame(f: Frame): string {
  return `${f.method.type.name.replace(/^.*\.(?=[^.]+$)/, '')}.${f.method.name}`;
}

/** GraalVM's CPU sampler and the JSON library it needs (`npm run profiler:jars`). */
function profilerJars(): string[] {
  const dir = join(ROOT, 'plugin/java/filter/target/profiler');
  if (!existsSync(dir) || readdirSync(dir).filter((f) => f.endsWith('.jar')).length < 2) execFileSync('npm', ['run', '-s', 'profiler:jars'], { cwd: ROOT, stdio: 'inherit' });
  return readdirSync(dir).filter((f) => f.endsWith('.jar')).map((f) => join(dir, f));
}

/** The split of the samples inside filter() (the worker's), from `fromMs` on. */
function split(samples: Sample[], fromMs: number): { total: number; byCategory: [string, number][]; leaves: Map<string, Map<string, number>> } {
  const counts = new Map<string, number>();
  const leaves = new Map<string, Map<string, number>>();
  let total = 0;
  for (const s of samples) {
    if (Date.parse(s.startTime) < fromMs || !s.stackTrace) continue;
    // A worker thread's sample inside filter(); GraalJS's stacks can be deeper than the recording
    // keeps, so a truncated stack of a worker counts as inside it (the harness's own work is shallow).
    if (!/worker/.test(s.sampledThread.javaName)) continue;
    if (!s.stackTrace.truncated && !s.stackTrace.frames.some((f) => f.method.type.name === 'io.mispenrich.logstash.MispEnrich' && f.method.name === 'filter')) continue;
    total++;
    const c = categoryOf(s.stackTrace.frames);
    counts.set(c, (counts.get(c) ?? 0) + 1);
    // The innermost frame, and the first of ours or Logstash's below it: what in the category costs.
    const top = s.stackTrace.frames[0];
    const ours = s.stackTrace.frames.find((f) => /^io\.mispenrich\.|^org\.logstash/.test(f.method.type.name));
    const leaf = `${top ? shortFrame(top) : '?'}${ours && ours !== top ? ` < ${shortFrame(ours)}` : ''}`;
    const byLeaf = leaves.get(c) ?? new Map<string, number>();
    byLeaf.set(leaf, (byLeaf.get(leaf) ?? 0) + 1);
    leaves.set(c, byLeaf);
  }
  return { total, byCategory: [...counts].sort((a, b) => b[1] - a[1]), leaves };
}

async function main(): Promise<void> {
  const java25 = findJava();
  if (!java25 || java25.major < 25) throw new Error('a JDK 25 is needed (JAVA_HOME or /usr/lib/jvm)');
  const home25 = java25.java.replace(/\/bin\/java$/, '');
  const mode = opt.mode!;
  const home = mode === 'interp21' ? jdk21Home('auto') : home25;
  if (!home) throw new Error('no JDK 21 runtime');
  const out = resolve(opt.out!);
  mkdirSync(out, { recursive: true });
  console.log(machineLine(graalVersion));
  const world = await startWorld(Number(opt.synthetic));
  try {
    const s = generateStream({ kind: opt.stream as StreamKind, events: Number(opt.events), indicators: world.indicators });
    const input = join(out, `${opt.stream}.ndjson`);
    writeLines(input, s.lines);
    const settings = join(out, 'settings.json');
    writeFileSync(settings, JSON.stringify({ memcached_hosts: [world.mc.address], misp_url: world.mispUrl, misp_api_key: world.apiKey, fetch_context: true }), { mode: 0o600 });
    const jfr = join(out, `${mode}-${opt.stream}.jfr`);
    const javaOpts = [
      `-XX:StartFlightRecording=filename=${jfr},settings=profile,dumponexit=true`, '-XX:FlightRecorderOptions=stackdepth=256',
      ...(mode === 'jit25' ? ['-XX:+UnlockExperimentalVMOptions', '-XX:+EnableJVMCI', `--upgrade-module-path=${jitJars().join(':')}`, '-Dpolyglot.engine.TraceCompilation=true'] : []),
      ...(opt.sampler ? ['-Dpolyglot.cpusampler=true', '-Dpolyglot.cpusampler.Output=histogram'] : []),
      ...opt['java-opts']!.split(/\s+/).filter(Boolean),
    ].join(' ');
    const report = join(out, 'report.json');
    const tracePath = join(out, `${mode}-${opt.stream}.log`);
    const started = Date.now();
    await new Promise<void>((done, fail) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/misp-enrich-run.js'), '--settings', settings, '--input', input, '--output', '/dev/null',
        '--workers', '1', '--report', report, '--log-level', 'info', ...(opt.sampler ? ['--extra-jars', profilerJars().join(':')] : [])], { env: { ...process.env, JAVA_HOME: home, MISP_ENRICH_JAVA_OPTS: javaOpts }, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr.pipe(createWriteStream(tracePath));
      child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`misp-enrich-run exited ${code}; see ${tracePath}`))));
    });
    const r = JSON.parse(readFileSync(report, 'utf8'));
    console.log(`${mode}, ${opt.stream} stream, ${r.events_in} events, one worker: ${Math.round(r.events_in / (r.filter_nanos / 1e9))} events/s inside filter(), ` +
      `${Math.round(r.events_second_half / (r.filter_nanos_second_half / 1e9))} in its second half; ${Math.round((Date.now() - started) / 100) / 10} s in all`);
    const samples = await jfrSamples(home25, jfr);
    const times = samples.map((x) => Date.parse(x.startTime)).sort((a, b) => a - b);
    const first = times[0]!;
    const warmFrom = first + (times.at(-1)! - first) * Number(opt['warm-from']);
    const result: Record<string, unknown> = { machine: machineLine(graalVersion), mode, stream: opt.stream, events: r.events_in, report: r };
    for (const [name, from] of [['all batches', 0], [`from ${Math.round(Number(opt['warm-from']) * 100)} % of the run on`, warmFrom]] as const) {
      const sp = split(samples, from);
      result[name] = Object.fromEntries(sp.byCategory.map(([c, n]) => [c, Math.round((n / sp.total) * 1000) / 10]));
      console.log(`\ninside filter(), ${name}: ${sp.total} samples`);
      for (const [c, n] of sp.byCategory) {
        console.log(`  ${((n / sp.total) * 100).toFixed(1).padStart(5)} %  ${c}`);
        // The leaves of the categories that matter, in the warm part.
        if (from > 0 && n / sp.total >= 0.04) {
          for (const [leaf, k] of [...sp.leaves.get(c)!].sort((a, b) => b[1] - a[1]).slice(0, 4)) console.log(`             ${((k / sp.total) * 100).toFixed(1).padStart(4)} %  ${leaf}`);
        }
      }
    }
    const threads = new Map<string, number>();
    for (const x of samples) threads.set(x.sampledThread.javaName.replace(/\d+$/, 'N'), (threads.get(x.sampledThread.javaName.replace(/\d+$/, 'N')) ?? 0) + 1);
    result.threads = Object.fromEntries([...threads].sort((a, b) => b[1] - a[1]));
    console.log(`\nsampled threads: ${[...threads].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    const gc = gcMillis(home25, jfr);
    result.gc_pause_ms = Math.round(gc);
    console.log(`GC pauses: ${Math.round(gc)} ms of ${Math.round((times.at(-1)! - first) / 1000)} s recorded`);
    if (opt.sampler) {
      // GraalVM's CPU sampler's histogram, printed through the plugin's logger when it closes.
      const hist = readFileSync(tracePath, 'utf8').split('\n').filter((l) => / core: /.test(l) && /\|/.test(l) && !/\[engine\]/.test(l));
      result.sampler = hist;
      console.log(`\nGraalVM CPU sampler (self time per JS function, the whole run):\n${hist.slice(0, 30).map((l) => l.replace(/^.*? core: /, '  ')).join('\n')}`);
    }
    if (mode === 'jit25') {
      const c = compilations(readFileSync(tracePath, 'utf8'), started);
      result.compilations = c;
      console.log(`compilations: ${JSON.stringify(c)}`);
    }
    writeFileSync(join(out, `${mode}-${opt.stream}.json`), JSON.stringify(result, null, 2));
  } finally {
    await world.stop();
  }
}

await main();
