// What a filter suite needs of the place the packaged plugin runs in. Two places implement it:
// the stand-in harness (spec/plugin-java/harness.ts, no ../shared needed) and Logstash's own
// classes (spec/logstash-real/support/real-logstash.ts). A suite written once against this runs
// on both, so the stand-in cannot drift from what Logstash does without a spec saying so.
import type { RunOptions, RunResult } from '../plugin-java/harness.js';

export interface FilterPipeline {
  /** Fails (never skips) when what this pipeline runs is not built from the current sources. */
  assertBuilt(): void;
  /** One run: the settings and events in, the events, stderr and the report out. */
  run(opts: RunOptions): Promise<RunResult>;
  /** One of the plugin's own metrics (lookups, fetches, ...) from a run's report. */
  metric(result: RunResult, name: string): number | undefined;
}
