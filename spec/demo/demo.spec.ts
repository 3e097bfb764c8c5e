// `npm run demo` end to end, as a user runs it: real memcached, misp-sim serving the shipped
// dataset, one real agent sync, the real plugin jar in the harness. Its numbers must equal the
// stream's known answers, and it must leave no process behind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATATYPES } from '../../plugin/core/ioc/index.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

function processesMentioning(text: string): string[] {
  const out = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

describe('npm run demo', () => {
  it('enriches the demo stream exactly as the dataset says, then stops everything it started', () => {
    const out = mkdtempSync(join(tmpdir(), 'misp-enrich-demo-'));
    const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'demo/run-demo.ts'), '--json', '--events', '3000', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.events_in).toBe(3000);
    expect(summary.events_out).toBe(3000);
    expect(summary.order_preserved).toBe(true);
    expect(summary.known_answers.wrong_events).toBe(0);
    expect(summary.known_answers.decoys_matched).toBe(0);
    expect(summary.known_answers.found_hits).toBe(summary.known_answers.expected_hits);
    expect(summary.known_answers.expected_hits).toBeGreaterThan(150);
    expect(summary.failure_tags).toEqual({});
    expect(summary.misses_unchanged + summary.matched_events).toBe(3000);
    for (const d of DATATYPES) expect(summary.hits_by_datatype[d], d).toBeGreaterThan(0);
    expect(summary.output_file).toBe(join(out, 'enriched.ndjson'));
    // The retro-hunt stage: every past event carrying the indicator added today got one alert,
    // holding the filter's own enrichment and how late MISP knew.
    expect(summary.retro_hunt.past_events).toBeGreaterThan(0);
    expect(summary.retro_hunt.alerts).toBe(summary.retro_hunt.past_events);
    expect(summary.retro_hunt.alert.threat.enrichments[0].indicator.name).toBe(summary.retro_hunt.indicator);
    expect(summary.retro_hunt.alert.misp_enrich.retro.lateness_seconds).toBeGreaterThan(0);
    expect(processesMentioning(join(ROOT, 'demo/misp-data'))).toEqual([]);
  }, 300_000);
});
