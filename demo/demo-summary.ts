// The demo's report: what went in, what came out, hits per datatype and field, and whether the
// output agrees with the stream's known answers event by event.
import type { DemoEvent } from './demo-stream.js';
import type { LiveUpdateReport } from './live-update.js';
import type { RetroHuntReport } from './retro-hunt.js';

export interface DemoSummary {
  events_in: number;
  events_out: number;
  order_preserved: boolean;
  matched_events: number;
  enrichments: number;
  hits_by_datatype: Record<string, number>;
  hits_by_field: Record<string, number>;
  hits_by_misp_event: Record<string, number>;
  failure_tags: Record<string, number>;
  misses_unchanged: number;
  known_answers: { expected_hits: number; found_hits: number; wrong_events: number; decoys_matched: number };
  timings_ms: Record<string, number>;
  agent?: unknown;
  /** The ZeroMQ part: an indicator added in MISP, seen by the next event. */
  live_update?: LiveUpdateReport;
  retro_hunt?: RetroHuntReport;
  output_file: string;
  samples: unknown[];
}

type Json = Record<string, any>;

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

const ECS_TYPE_TO_DATATYPE: Record<string, string> = {
  'ipv4-addr': 'ip',
  'ipv6-addr': 'ip',
  'domain-name': 'domain',
  url: 'url',
  'email-addr': 'email',
};

function datatypeOf(entry: Json): string {
  const t = entry.indicator?.type as string;
  if (t === 'file') return Object.keys(entry.indicator.file.hash)[0]!;
  if (t === 'domain-name' && String(entry.misp?.attribute?.type).startsWith('hostname')) return 'hostname';
  return ECS_TYPE_TO_DATATYPE[t] ?? t;
}

/** Fields the harness adds to every event as Logstash does; not part of the comparison. */
function withoutLogstashFields(e: Json): Json {
  const { ['@version']: _v, ...rest } = e;
  return rest;
}

export function summarize(stream: DemoEvent[], output: Json[], timings: Record<string, number>, outputFile: string): DemoSummary {
  const s: DemoSummary = {
    events_in: stream.length,
    events_out: output.length,
    order_preserved: output.every((e, i) => e.message === stream[i]?.event.message),
    matched_events: 0,
    enrichments: 0,
    hits_by_datatype: {},
    hits_by_field: {},
    hits_by_misp_event: {},
    failure_tags: {},
    misses_unchanged: 0,
    known_answers: { expected_hits: 0, found_hits: 0, wrong_events: 0, decoys_matched: 0 },
    timings_ms: timings,
    output_file: outputFile,
    samples: [],
  };
  output.forEach((out, i) => {
    const input = stream[i];
    const entries = (out.threat?.enrichments ?? []) as Json[];
    for (const tag of (out.tags ?? []) as string[]) if (tag.startsWith('_misp_enrich')) bump(s.failure_tags, tag);
    const expected = input?.intended ?? [];
    s.known_answers.expected_hits += expected.length;
    if (entries.length > 0) {
      s.matched_events++;
      s.enrichments += entries.length;
      for (const e of entries) {
        bump(s.hits_by_datatype, datatypeOf(e));
        bump(s.hits_by_field, e.matched.field);
        bump(s.hits_by_misp_event, `${e.misp.event.id} ${e.misp.event.info}`);
      }
      if (s.samples.length < 3 && !s.samples.some((x) => (x as Json).event?.dataset === out.event?.dataset)) s.samples.push(out);
    } else if (input && JSON.stringify(withoutLogstashFields(out)) === JSON.stringify(input.event)) {
      s.misses_unchanged++;
    }
    const got = entries.map((e) => `${e.matched.id} ${e.matched.field}`).sort();
    const want = expected.map((h) => `${h.attrUuid} ${h.field}`).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) s.known_answers.wrong_events++;
    else s.known_answers.found_hits += got.length;
    if (expected.length === 0 && entries.length > 0) s.known_answers.decoys_matched++;
  });
  return s;
}

function table(title: string, rows: Record<string, number>): string {
  const entries = Object.entries(rows).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return `${title}: none\n`;
  const width = Math.max(...entries.map(([k]) => k.length));
  return `${title}:\n${entries.map(([k, v]) => `  ${k.padEnd(width)}  ${String(v).padStart(6)}`).join('\n')}\n`;
}

function liveUpdate(l: LiveUpdateReport): string {
  return [
    'real time (ZeroMQ):',
    `  added in MISP        ${l.indicator} ("${l.misp_event}")`,
    `  announced by         ${l.announced_by.join(', ') || 'nothing (caught by a sync)'}`,
    `  reached memcached    ${l.reached_memcached_ms} ms after the change, ${l.polling_cycles_meanwhile} polling cycles meanwhile (--interval 600)`,
    `  next event enriched  ${l.filter_matched ? 'yes' : 'NO'}\n`,
  ].join('\n');
}

function retroHunt(r: RetroHuntReport): string {
  return [
    'retro-hunt (past events in OpenSearch):',
    `  added in MISP today  ${r.indicator}`,
    `  found in             ${r.alerts} of ${r.past_events_indexed} past events (${r.past_events} carry it), one alert each in ${r.alerts_index}`,
    `  alerts written       ${r.alerts_after_ms} ms after the change in MISP`,
    `  MISP knew it         up to ${r.latest_known_after_days} days after the event\n`,
  ].join('\n');
}

export function formatSummary(s: DemoSummary): string {
  const ka = s.known_answers;
  const retroOk = s.retro_hunt ? s.retro_hunt.alerts === s.retro_hunt.past_events && s.retro_hunt.past_events > 0 : true;
  const verdict = ka.wrong_events === 0 && s.events_in === s.events_out && s.order_preserved && (s.live_update?.filter_matched ?? true) && retroOk ? 'OK' : 'MISMATCH';
  return [
    `\nmisp-enrich demo — ${verdict}\n`,
    `events in / out      ${s.events_in} / ${s.events_out} (order ${s.order_preserved ? 'preserved' : 'NOT preserved'})`,
    `matched events       ${s.matched_events} (${s.enrichments} threat.enrichments entries)`,
    `misses unchanged     ${s.misses_unchanged}`,
    `known answers        ${ka.found_hits}/${ka.expected_hits} hits as intended, ${ka.wrong_events} events differ, ${ka.decoys_matched} decoys matched`,
    `failure tags         ${Object.keys(s.failure_tags).length ? JSON.stringify(s.failure_tags) : 'none'}\n`,
    table('hits by datatype', s.hits_by_datatype),
    table('hits by field', s.hits_by_field),
    table('hits by MISP event', s.hits_by_misp_event),
    ...(s.live_update ? [liveUpdate(s.live_update)] : []),
    ...(s.retro_hunt ? [retroHunt(s.retro_hunt)] : []),
    table('timings (ms)', s.timings_ms),
    `enriched events written to ${s.output_file}\n`,
    `a few enriched events, whole:`,
    ...s.samples.map((e) => JSON.stringify(e, null, 2)),
    '',
  ].join('\n');
}
