// GraalJS's compilation trace (-Dpolyglot.engine.TraceCompilation=true): what the JIT compiled,
// at which tier, what failed or was thrown away, and when the core's hot functions got their final
// code. profile.ts and filter-bench.ts print it beside their figures: a JIT figure says little
// without whether the compiler had finished by then.

/** The trace's summary; times are seconds from startMs (the run's start). */
export function compilations(trace: string, startMs: number): Compilations {
  const lines = trace.split('\n').filter((l) => /\[engine\] opt /.test(l));
  const done = lines.filter((l) => /opt done/.test(l));
  const at = (l: string) => Date.parse(`${/\|UTC ([\d:.T-]+)/.exec(l)?.[1] ?? ''}Z`) - startMs;
  const name = (l: string) => /id=\s*\d+\s+(.+?)\s*\|/.exec(l)?.[1]?.trim() ?? '?';
  const ms = (l: string) => Number(/\|Time\s+(\d+)/.exec(l)?.[1] ?? 0);
  const last = done.at(-1);
  return {
    done: done.length,
    tier1: done.filter((l) => /\|Tier 1/.test(l)).length,
    tier2: done.filter((l) => /\|Tier 2/.test(l)).length,
    failed: lines.filter((l) => /opt failed/.test(l)).length,
    deoptimized: lines.filter((l) => /opt deopt|opt inval/.test(l)).length,
    compile_s: Math.round(done.reduce((sum, l) => sum + ms(l), 0) / 100) / 10,
    last_done_s: last ? Math.round(at(last) / 100) / 10 : null,
    // When the core's hot functions got their final (tier 2) code.
    tier2_landed_s: Object.fromEntries(done.filter((l) => /\|Tier 2/.test(l) && /misp-enrich-core\.js/.test(l)).slice(-12).map((l) => [name(l), Math.round(at(l) / 100) / 10])),
  };
}


export interface Compilations {
  done: number;
  tier1: number;
  tier2: number;
  failed: number;
  deoptimized: number;
  compile_s: number;
  last_done_s: number | null;
  tier2_landed_s: Record<string, number>;
}

/** The JVM options that make GraalJS write that trace to a file. */
export function traceOptions(file: string): string {
  return `-Dpolyglot.engine.TraceCompilation=true -Dpolyglot.log.file=${file}`;
}
